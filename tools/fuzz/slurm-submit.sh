#!/bin/bash
# Submits a sharded nicraft fuzz campaign to Slurm and its merge, which runs when every shard
# ended (docs/fuzz.md). From the repository root, after `make deps build`:
#   SEEDS=100000 SHARDS=100 PARALLEL=25 tools/fuzz/slurm-submit.sh
# The merge's output (build/fuzz/merge-<job>.out) lists failing seeds with their drawn
# configuration and replay command; build/fuzz/merged.json is the combined result.
set -eu
SHARDS=${SHARDS:-100}
PARALLEL=${PARALLEL:-25}
export SEEDS=${SEEDS:-100000} FROM=${FROM:-1} FUZZ=${FUZZ:-} RESULTS=${RESULTS:-build/fuzz}
mkdir -p "$RESULTS"
rm -f "$RESULTS"/shard-*.json
job=$(sbatch --parsable --export=ALL --array="1-$SHARDS%$PARALLEL" tools/fuzz/slurm-array.sh)
echo "array job $job: $SHARDS shards of seeds $FROM..$((FROM + SEEDS - 1))"
sbatch --parsable --dependency="afterany:$job" --job-name=nicraft-fuzz-merge --output="$RESULTS/merge-%j.out" \
  --wrap "npx nicraft fuzz merge $RESULTS/shard-*.json --out $RESULTS/merged.json"
