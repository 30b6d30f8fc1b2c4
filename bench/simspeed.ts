// make bench-simspeed: simulation speed of this revision against a baseline commit, side by side in
// one run. The baseline (657e2ed, before issue #14's work; it kept the simulator in sim/build.ts and
// sim/native) is checked out as a git worktree in build/simspeed/, and both simulation libraries run
// the same cluster world: the cluster benchmark's simulation-speed point (RTL NICs, PLANES=2, clients
// at 85.5% load, commit snooping), created from the same configuration text with the same boot-time
// CSR writes, stepped by the same plain C++ loop (bench/report/cluster_loop.cpp) linked against each
// library. Runs alternate baseline/current, several repetitions; medians of cycles per CPU second of
// the simulating process. The current revision is measured as benchmarks build it (assertions off, as
// the baseline had none compiled in: `ratio`) and as tests build it (on: `ratioWithAssertions`).
// Writes bench/out/sim-speed.json.
//
//   tsx bench/simspeed.ts [--repeats N] [--cycles N] [--replicas 3,5] [--baseline COMMIT]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, build } from '../native/build.js';
import { HEADLINE_LOAD, bootCsrWrites, makeContext, pointSpec } from './report/sections.js';
import { makeCluster } from './report/measure.js';

interface Args { repeats: number; cycles: number; replicas: number[]; baseline: string }

function parseArgs(argv: string[]): Args {
  const a: Args = { repeats: 5, cycles: 100_000, replicas: [3, 5], baseline: '657e2ed' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = argv[i + 1];
    const num = (name: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
      i++;
      return n;
    };
    if (k === '--repeats') a.repeats = num('--repeats');
    else if (k === '--cycles') a.cycles = num('--cycles');
    else if (k === '--replicas') {
      a.replicas = (v ?? '').split(',').map(Number);
      if (!a.replicas.length || a.replicas.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) throw new Error(`--replicas must list 1..8, got ${v}`);
      i++;
    } else if (k === '--baseline') { a.baseline = v ?? ''; i++; }
    else throw new Error(`unknown argument ${k} (allowed: --repeats --cycles --replicas --baseline)`);
  }
  return a;
}

const sh = (cmd: string, args: string[], cwd = ROOT) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
const log = (m: string) => process.stderr.write(`[simspeed] ${m}\n`);

/** The baseline's simulation library (PLANES=2), built in its own worktree. */
function baselineLibrary(commit: string): { lib: string; full: string } {
  const full = sh('git', ['rev-parse', `${commit}^{commit}`]);
  const wt = join(ROOT, 'build', 'simspeed', `base-${full.slice(0, 12)}`);
  if (!existsSync(join(wt, '.git'))) {
    rmSync(wt, { recursive: true, force: true });
    mkdirSync(join(ROOT, 'build', 'simspeed'), { recursive: true });
    try { sh('git', ['worktree', 'prune']); } catch { /* nothing to prune */ }
    log(`git worktree add ${relative(ROOT, wt)} ${full.slice(0, 12)}`);
    sh('git', ['worktree', 'add', '--detach', wt, full]);
  }
  if (!existsSync(join(wt, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(wt, 'node_modules'));
  // the layout of that revision: sim/build.ts (later native/build.ts)
  const builder = existsSync(join(wt, 'native', 'build.ts')) ? 'native/build.ts' : 'sim/build.ts';
  log(`baseline ${full.slice(0, 12)}: ${builder} -GPLANES=2`);
  const out = execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [builder, '-GPLANES=2', '--print-path'], { cwd: wt, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return { lib: out.trim().split('\n').pop()!, full };
}

/** cluster_loop linked against one library. */
function loopExe(lib: string, name: string): string {
  const dir = join(ROOT, 'build', 'simspeed');
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, `cluster_loop-${name}`);
  const libDir = join(lib, '..');
  execFileSync('g++', ['-O2', '-std=c++17', join(ROOT, 'bench/report/cluster_loop.cpp'), '-o', exe, `-L${libDir}`, '-lnicraft_sim', `-Wl,-rpath,${libDir}`], { stdio: 'inherit' });
  return exe;
}

interface Side { cyclesPerCpuSecond: number; runs: number[] }

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const base = baselineLibrary(args.baseline);
  // the current revision as benchmarks build it (assertions off, as in the baseline, which had none
  // compiled in) and as tests build it (assertions on): both measured, the ratio is of the first
  const cur = build({ params: { PLANES: 2 }, noassert: true }, { quiet: true });
  const curAssert = build({ params: { PLANES: 2 } }, { quiet: true });
  log(`current: ${relative(ROOT, cur)} (assertions off), ${relative(ROOT, curAssert)} (on); baseline: ${relative(ROOT, base.lib)}`);
  const exeBase = loopExe(base.lib, 'baseline');
  const exeCur = loopExe(cur, 'current');
  const exeCurAssert = loopExe(curAssert, 'current-assert');
  const ctx = makeContext('full');
  const tmp = join(ROOT, 'build', 'simspeed');
  const warmup = 5_000;
  const results: Record<string, { replicas: number; baseline: Side; current: Side; ratio: number; currentWithAssertions: Side; ratioWithAssertions: number }> = {};
  for (const n of args.replicas) {
    // the world: the cluster benchmark's simulation-speed point, as text and boot-time CSR writes
    const spec = pointSpec(ctx, { replicas: n, path: 'fast', reply: 'snoop', ratePct: HEADLINE_LOAD, maxDurationUs: 1e9 });
    const { cluster } = makeCluster(spec, { durationCycles: 1e12 });
    const cfgFile = join(tmp, `config-${n}.txt`);
    const csrFile = join(tmp, `csr-${n}.txt`);
    try {
      writeFileSync(cfgFile, cluster.configText);
    } finally {
      cluster.destroy();
    }
    writeFileSync(csrFile, bootCsrWrites(n, ctx.planes, ctx.nic).map((w) => w.join(' ')).join('\n') + '\n');
    const run = (exe: string) => {
      const out = execFileSync(exe, [cfgFile, csrFile, String(warmup), String(args.cycles), '20000'], { encoding: 'utf8' });
      return (JSON.parse(out) as { cyclesPerCpuSec: number }).cyclesPerCpuSec;
    };
    const b: number[] = [], c: number[] = [], ca: number[] = [];
    for (let k = 0; k < args.repeats; k++) {
      // alternate the order so that neither side always runs first
      if (k % 2 === 0) { b.push(run(exeBase)); c.push(run(exeCur)); ca.push(run(exeCurAssert)); } else { ca.push(run(exeCurAssert)); c.push(run(exeCur)); b.push(run(exeBase)); }
      log(`${n} NICs, run ${k + 1}/${args.repeats}: baseline ${Math.round(b.at(-1)!)} current ${Math.round(c.at(-1)!)} (with assertions ${Math.round(ca.at(-1)!)}) cycles per CPU second`);
    }
    const mb = median(b), mc = median(c), mca = median(ca);
    results[`nics${n}`] = {
      replicas: n,
      baseline: { cyclesPerCpuSecond: Math.round(mb), runs: b.map(Math.round) },
      current: { cyclesPerCpuSecond: Math.round(mc), runs: c.map(Math.round) },
      ratio: Math.round((mc / mb) * 1000) / 1000,
      currentWithAssertions: { cyclesPerCpuSecond: Math.round(mca), runs: ca.map(Math.round) },
      ratioWithAssertions: Math.round((mca / mb) * 1000) / 1000,
    };
  }
  const first = results[`nics${args.replicas[0]}`]!;
  const report = {
    generatedAt: new Date().toISOString(),
    world: 'cluster benchmark simulation-speed point: RTL NICs (Verilator), PLANES=2, 2 clients at 85.5% load, commit snooping; bench/report/cluster_loop.cpp, 20,000-cycle batches',
    timeBase: 'cycles per CPU second of the simulating process (median of the runs; baseline and current alternate)',
    cycles: args.cycles,
    warmupCycles: warmup,
    repeats: args.repeats,
    baseline: { commit: base.full, cyclesPerCpuSecond: first.baseline.cyclesPerCpuSecond },
    current: { commit: sh('git', ['rev-parse', 'HEAD']), dirty: sh('git', ['status', '--porcelain', '--', 'hw', 'native']) !== '', cyclesPerCpuSecond: first.current.cyclesPerCpuSecond },
    ratio: first.ratio,
    currentWithAssertions: { cyclesPerCpuSecond: first.currentWithAssertions.cyclesPerCpuSecond, ratio: first.ratioWithAssertions },
    ...results,
    wallSeconds: Math.round((Date.now() - t0) / 1000),
  };
  mkdirSync(join(ROOT, 'bench', 'out'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'out', 'sim-speed.json'), JSON.stringify(report, null, 2) + '\n');
  for (const r of Object.values(results)) {
    process.stdout.write(`simulation speed, ${r.replicas} RTL NICs (PLANES=2): baseline ${base.full.slice(0, 7)} ${r.baseline.cyclesPerCpuSecond} cycles/CPU s, current ${r.current.cyclesPerCpuSecond}, ratio ${r.ratio}; with assertions ${r.currentWithAssertions.cyclesPerCpuSecond}, ratio ${r.ratioWithAssertions} (medians of ${args.repeats})\n`);
  }
  process.stdout.write('wrote bench/out/sim-speed.json\n');
}

try {
  main();
} catch (e) {
  process.stderr.write(`[simspeed] ${(e as Error).message}\n`);
  process.exit(1);
}
