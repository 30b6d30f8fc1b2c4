#!/bin/bash
# nicraft fuzz on Slurm: one array task per shard of one seed space; each writes
# build/fuzz/shard-K.json. Submit with tools/fuzz/slurm-submit.sh (which also queues the merge),
# or by hand from the repository root (after `make deps build`):
#   sbatch --array=1-100%25 tools/fuzz/slurm-array.sh
# Environment: SEEDS (default 100000), FROM (1), FUZZ (more flags), RESULTS (build/fuzz); the
# shard count is the array's size (SLURM_ARRAY_TASK_MAX of --array=1-N).
#SBATCH --job-name=nicraft-fuzz
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=04:00:00
#SBATCH --output=build/fuzz/slurm-%A_%a.out
set -u
cd "${SLURM_SUBMIT_DIR:-.}"
K=${SLURM_ARRAY_TASK_ID:?run as a Slurm array task (sbatch --array=1-N)}
N=${SHARDS:-${SLURM_ARRAY_TASK_MAX:?}}
RESULTS=${RESULTS:-build/fuzz}
mkdir -p "$RESULTS"
# a failing seed is a finding (exit 1, in the result), not a failed task; errors (2+) fail the task
nice npx nicraft fuzz --quiet --from "${FROM:-1}" --seeds "${SEEDS:-100000}" --shard "$K/$N" \
  --out "$RESULTS/shard-$K.json" --files "$RESULTS/files-$K" ${FUZZ:-}
rc=$?
[ "$rc" -le 1 ]
