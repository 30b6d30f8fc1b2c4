# nicraft: build, test, demo and benchmark entry points.
#
#   make deps      system packages (verilator, g++, make, zlib, GNU parallel, chromium for the
#                  history-view test) and node modules; quick when present
#                  (make bench-deploy also installs etcd-server, its reference system)
#   make gen       regenerate the wire format files from spec/wire.yaml
#   make build     deps (so it works on a fresh clone), check the generated files, compile the
#                  TypeScript to dist/ (the `nicraft` command), build the simulation library (cached
#                  by content): the default variant, PLANES=2 and PLANES=3 (the variants the tests use)
#   make dist      only the compiled command (dist/): what the daemons, clients and bench-deploy need
#   make lint      verilator -Wall lint of the RTL in every tested variant: prints nothing when clean
#   make typecheck tsc --noEmit over every TypeScript file (sources, tests, tools)
#   make synth     Yosys synth_xilinx (UltraScale+) per module, default and PLANES=2: bench/out/synth.json
#   make test      build, lint, typecheck, then the whole vitest suite (this is what CI runs)
#   make demo      deps, build, then the demo scenario (DEMO=sim/scenarios/chain.yaml: chain replication)
#   make bench     every benchmark (bench-<name> runs bench/<name>.ts; bench-check runs verify/check/bench.ts)
#   make coverage  build the --coverage variant, run the NIC tests with it, annotate into build/coverage
#   make fuzz      fault campaigns (docs/fuzz.md): SEEDS=n (default 1000) FROM=s, FUZZ="--rtl ..." for more flags;
#                  SHARDS=n runs them as n shards with GNU parallel and merges the results (build/fuzz/)
#
# Variants: make build G="-GPLANES=2" builds the library with those parameter overrides.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

NPX ?= npx
G ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RTL := $(wildcard hw/rtl/*.sv)
# bench-<name> runs bench/<name>.ts; bench-nic always exists (bench/nic.ts).
BENCH_NAMES := $(sort nic $(patsubst bench/%.ts,%,$(filter-out bench/_%,$(wildcard bench/*.ts))))
# Benchmarks that drive daemons and clients only: they need the compiled command, not the simulation library.
BENCH_DIST := deploy cli
# Benchmarks with their own rule below (they build the libraries they measure themselves).
BENCH_OWN := simspeed

.PHONY: test-flood deps deps-system deps-node deps-yosys gen gen-check build dist lint typecheck synth test demo bench coverage clean fuzz

deps: deps-system deps-node

# System packages, installed with apt-get only when something is missing.
deps-system:
	@missing=""; \
	command -v verilator >/dev/null || missing="$$missing verilator"; \
	command -v g++ >/dev/null || missing="$$missing g++"; \
	command -v make >/dev/null || missing="$$missing make"; \
	[ -f /usr/include/zlib.h ] || missing="$$missing zlib1g-dev"; \
	command -v parallel >/dev/null || missing="$$missing parallel"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  command -v apt-get >/dev/null || { echo "deps: apt-get not found; install$$missing yourself" >&2; exit 1; }; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends$$missing; \
	fi

# Node modules, with npm ci only when node_modules is missing or older than the lock file.
deps-node:
	@if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  npm ci --no-audit --no-fund; \
	fi

gen:
	$(NPX) tsx tools/gen-wire.ts

gen-check:
	@$(NPX) tsx tools/gen-wire.ts --check

# The small variant test/nic/diff.test.ts compares (windows, FIFOs and the log fill up quickly): built
# here, like PLANES=2 and 3, so that no test blocks its vitest worker for minutes on a Verilator build
# (a worker that blocks over 60 s fails the run with "Timeout calling onTaskUpdate").
# test/nic/diff.test.ts checks that this is its variant (it was not for a while: the test then built its
# own, a fifth library, in the middle of the run).
DIFF_SMALL := -GPLANES=2 -GMAX_NODES=4 -GLOG_DEPTH_LOG2=3 -GMAX_PAYLOAD=100 -GRX_FIFO_DEPTH_LOG2=3 -GHOST_FIFO_DEPTH_LOG2=3 -GTX_FIFO_DEPTH_LOG2=2 -GPLANE_SKEW_CYCLES=4
# The default library first (it compiles Verilator's runtime and the precompiled header the others
# share), then the other three at once: their single-threaded Verilator runs overlap the compiles.
# (MAKEFLAGS cleared: native/build.ts runs its own make -jN, outside this make's jobserver.)
SIM_LIBS := sim-planes2 sim-planes3 sim-small
.PHONY: $(SIM_LIBS)
sim-planes2:
	@MAKEFLAGS= $(NPX) tsx native/build.ts -GPLANES=2
sim-planes3:
	@MAKEFLAGS= $(NPX) tsx native/build.ts -GPLANES=3
sim-small:
	@MAKEFLAGS= $(NPX) tsx native/build.ts $(DIFF_SMALL)
build: deps gen-check dist
	$(NPX) tsx native/build.ts $(G)
	$(if $(G),,@$(MAKE) -j3 --no-print-directory $(SIM_LIBS))

# The nicraft command as JavaScript (bin/nicraft.js runs it; it falls back to tsx when dist/ is
# missing or older than a source). tsc is incremental: an unchanged tree compiles in seconds.
dist: deps-node
	$(NPX) tsc -p tsconfig.build.json
	@touch dist/.stamp

typecheck: deps-node
	$(NPX) tsc --noEmit -p .

# The default parameters and the variants the tests build: every one must print nothing.
# (MAX_PAYLOAD=1474: log slots of 1,518-byte frames, the payload sweep of bench/nic.ts)
LINT_VARIANTS := "" "-GPLANES=2" "-GPLANES=3" "-GMAX_NODES=4 -GPLANES=2 -GLOG_DEPTH_LOG2=3" "-GMAX_PAYLOAD=1474" "$(DIFF_SMALL)"
# Modules the NIC does not instantiate, linted as their own tops.
LINT_STANDALONE := nicraft_csr_axil
lint: deps-system
	@if git grep -n -E '^(<<<<<<< |>>>>>>> )' -- . >/dev/null 2>&1; then \
	  echo "lint: merge conflict markers committed:" >&2; git grep -n -E '^(<<<<<<< |>>>>>>> )' -- . >&2; exit 1; fi
	@for g in $(LINT_VARIANTS); do \
	  verilator --lint-only -Wall -Ihw/gen -Ihw/rtl --top-module nicraft_nic $$g $(RTL); \
	done
	@for m in $(LINT_STANDALONE); do \
	  verilator --lint-only -Wall -Ihw/gen -Ihw/rtl --top-module $$m $(RTL); \
	done

# Yosys (Debian's yosys package), installed with apt-get when missing, as deps-system does.
deps-yosys:
	@if ! command -v yosys >/dev/null; then \
	  echo "deps: installing yosys"; \
	  command -v apt-get >/dev/null || { echo "deps: apt-get not found; install yosys yourself" >&2; exit 1; }; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends yosys; \
	fi

# Synthesis (docs/synthesis.md): the NIC per module, default and PLANES=2, side by side, and the MAC engine
# (nicraft_auth_mac) once per parameter set in a run of its own, spliced into both netlists.
synth: deps-yosys deps-node gen-check
	$(NPX) tsx bench/synth/run.ts

# Two vitest runs. The first, every test but the deployment tests, in two workers (vitest's default
# in run mode is one worker fewer than the CPUs: a single one on a 2-core machine, which left the
# second core mostly idle and took the suite past 15 minutes). The second, the deployment tests
# (real daemons on wall-clock timers; the pause and flood tests also need their daemons scheduled,
# and the flood test measures latency side by side), one file at a time, so that no other test
# file competes with their daemons for the two cores (`make test-flood` runs the flood test alone).
# Their daemons leave about half a core idle (about 1.5 of the 2 cores busy on average), so a third
# run takes the CPU-bound model-checker tests (BEHIND_TESTS: the mutation test and chain replication's
# reconfiguration check; no timers, no latency) beside
# them at `nice -n 19`: the daemons' processes (nice 0) take the CPU whenever they want it, and the
# mutation test runs in what they leave. Its output is printed after the deployment tests' (also when
# they fail: the recipe runs under bash -e, so each exit status is taken in an && / || list); make test
# fails if either run fails.
ALONE_TESTS = test/deploy
BEHIND_TESTS = test/mc/mutation.test.ts test/mc/chain.test.ts
# As build, with the lint and the type check run alongside the last three libraries' builds.
test: deps gen-check dist
	$(NPX) tsx native/build.ts $(G)
	@$(MAKE) -j5 --no-print-directory $(if $(G),,$(SIM_LIBS)) lint typecheck
	$(NPX) vitest run --maxWorkers=2 --minWorkers=1 $(foreach t,$(ALONE_TESTS),--exclude '$(t)/**') $(foreach t,$(BEHIND_TESTS),--exclude '$(t)')
	@mkdir -p build; nice -n 19 $(NPX) vitest run $(BEHIND_TESTS) > build/behind-tests.log 2>&1 & behind=$$!; \
	echo "$(NPX) vitest run --no-file-parallelism $(ALONE_TESTS)   (and, at nice 19 beside it: vitest run $(BEHIND_TESTS))"; \
	$(NPX) vitest run --no-file-parallelism $(ALONE_TESTS) && alone=0 || alone=$$?; \
	wait $$behind && behindrc=0 || behindrc=$$?; \
	echo "--- $(BEHIND_TESTS), run at nice 19 beside the deployment tests (exit $$behindrc):"; cat build/behind-tests.log; \
	test $$alone -eq 0 && test $$behindrc -eq 0

test-flood: build
	$(NPX) vitest run test/deploy/flood.test.ts

# DEMO: the scenario `make demo` runs (make demo DEMO=sim/scenarios/chain.yaml: chain replication)
DEMO ?= sim/scenarios/demo.yaml
demo: deps build
	$(NPX) nicraft sim $(DEMO)

# Fault campaigns beyond what `make test` runs (docs/fuzz.md); a failing seed prints its replay command.
fuzz: deps build
ifeq ($(SHARDS),)
	$(NPX) nicraft fuzz --quiet --seeds $(or $(SEEDS),1000) $(if $(FROM),--from $(FROM),--from 1) $(FUZZ)
else
	@mkdir -p build/fuzz && rm -f build/fuzz/shard-*.json
	parallel --halt never -j $(or $(JOBS),$(SHARDS)) nice $(NPX) nicraft fuzz --quiet --seeds $(or $(SEEDS),1000) --from $(or $(FROM),1) \
	  --shard {}/$(SHARDS) --out build/fuzz/shard-{}.json $(FUZZ) ::: $$(seq 1 $(SHARDS)) || true
	$(NPX) nicraft fuzz merge build/fuzz/shard-*.json --out build/fuzz/merged.json
endif

bench: $(addprefix bench-,$(BENCH_NAMES)) bench-check

# The linearizability checker's benchmark lives with the checker (bench/ may not import verify/):
# published histories and 20 concurrent writes; bench/out/check.json.
.PHONY: bench-check
bench-check: deps-node
	$(NPX) tsx verify/check/bench.ts

define BENCH_RULE
.PHONY: bench-$(1)
bench-$(1): deps build
	$$(NPX) tsx bench/$(1).ts
endef
$(foreach b,$(filter-out $(BENCH_DIST) $(BENCH_OWN),$(BENCH_NAMES)),$(eval $(call BENCH_RULE,$(b))))

define BENCH_DIST_RULE
.PHONY: bench-$(1)
bench-$(1): deps dist
	$$(NPX) tsx bench/$(1).ts $$(ARGS)
endef
$(foreach b,$(filter $(BENCH_DIST),$(BENCH_NAMES)),$(eval $(call BENCH_DIST_RULE,$(b))))

# Coverage of the RTL by the NIC tests: a --coverage build of the library, one .dat per simulated NIC
# (written by SimNic.destroy), merged and annotated per source line.
coverage: deps gen-check
	$(NPX) tsx native/build.ts --coverage $(G)
	$(NPX) tsx native/build.ts --coverage -GPLANES=2
	rm -rf build/coverage
	mkdir -p build/coverage/raw
	NICRAFT_COVERAGE=1 $(NPX) vitest run --no-file-parallelism test/nic/binding.test.ts test/nic/b2b.test.ts test/nic/faults.test.ts
	verilator_coverage --write build/coverage/merged.dat build/coverage/raw/*.dat
	verilator_coverage --annotate build/coverage/annotated --annotate-min 1 build/coverage/merged.dat | tee build/coverage/summary.txt
	@echo "coverage: annotated sources in build/coverage/annotated"

clean:
	rm -rf build

# Simulation speed (issue 14): this revision (as benchmarks build it: assertions off, and as tests
# build it) against commit 657e2ed, built side by side in a git worktree under build/simspeed/, the same
# cluster world (3 and 5 RTL NICs, PLANES=2) stepped by bench/report/cluster_loop.cpp on each, runs
# alternating: bench/out/sim-speed.json. ARGS="--repeats 7 --cycles 200000 --replicas 3,5 --baseline C".
.PHONY: bench-simspeed
bench-simspeed: deps
	$(NPX) tsx bench/simspeed.ts $(ARGS)

# The NIC benchmarks: the fast path at line rate (bench/nic.ts) and under faults (bench/nic-faults.ts).
bench-nic: bench-nic-faults

# etcd-server: the reference system of make bench-deploy, which runs its own members on free
# loopback ports (a system etcd service the package may start is not used). Not needed by the tests.
.PHONY: deps-etcd
deps-etcd:
	@if ! command -v etcd >/dev/null; then \
	  echo "deps: installing etcd-server"; \
	  command -v apt-get >/dev/null || { echo "deps: apt-get not found; install etcd-server yourself" >&2; exit 1; }; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends etcd-server; \
	fi
bench-deploy: deps-etcd
