// make bench-cli: how long a cold `nicraft` process takes, as a user types it. Starts a local
// cluster of model daemons on free loopback ports, then times, one after the other in rounds (so a
// burst of load elsewhere hits every command alike): `nicraft --help`, `nicraft kv get` against the
// cluster, and for comparison a bare `node -e 0` and the same `--help` through tsx (the development
// path). Reports median, p90, min and max wall time and the median CPU time (user + system, which the
// rest of the machine does not inflate) per command; budget: median under 200 ms for --help and kv get.
//
//   npx tsx bench/cli.ts [--runs N]      writes bench/out/cli.json
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../native/root.js';
import { LocalCluster, freeBasePort, writeLayout } from '../ctrl/deploy/cluster.js';
import { quantileOf } from '../sim/percentile.js';

const BUDGET_MS = 200;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
if (!Number.isInteger(RUNS) || RUNS < 3) {
  console.error('bench/cli.ts: --runs must be an integer >= 3');
  process.exit(2);
}
const BIN = join(ROOT, 'bin', 'nicraft.js');
if (!existsSync(join(ROOT, 'dist', '.stamp'))) {
  console.error('bench/cli.ts: dist/ is not built (make dist)');
  process.exit(2);
}

interface Sample { wallMs: number; cpuMs: number }

const pct = (xs: number[], p: number): number => quantileOf(xs, p / 100);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nicraft-bench-cli-'));
  const basePort = await freeBasePort(3, 2);
  writeLayout(dir, { replicas: 3, planes: 2, backend: 'model', basePort });
  const lc = new LocalCluster(dir);
  const cluster = join(dir, 'cluster.yaml');
  try {
    await lc.startAll();
    await lc.waitLeader(30_000);
    const put = spawnSync(process.execPath, [BIN, 'kv', 'put', 'bench-cli', 'hello', '--cluster', cluster], { encoding: 'utf8' });
    if (put.status !== 0) throw new Error(`kv put: ${put.stderr}`);
    const cmds: Array<{ name: string; argv: string[]; env?: NodeJS.ProcessEnv }> = [
      { name: 'node -e 0 (floor)', argv: ['-e', '0'] },
      { name: 'nicraft --help', argv: [BIN, '--help'] },
      { name: 'nicraft kv get', argv: [BIN, 'kv', 'get', 'bench-cli', '--cluster', cluster] },
      { name: 'nicraft --help via tsx (development)', argv: [BIN, '--help'], env: { ...process.env, NICRAFT_TSX: '1' } },
    ];
    const samples = cmds.map(() => [] as Sample[]);
    timed(cmds[1]!.argv); // warm the page cache once
    for (let r = 0; r < RUNS; r++) {
      cmds.forEach((c, i) => samples[i]!.push(timed(c.argv, c.env)));
    }
    const rows = cmds.map((c, i) => {
      const w = samples[i]!.map((s) => s.wallMs);
      const cpu = samples[i]!.map((s) => s.cpuMs);
      return {
        command: c.name, runs: RUNS,
        wallMs: { p50: round(pct(w, 50)), p90: round(pct(w, 90)), min: round(Math.min(...w)), max: round(Math.max(...w)) },
        cpuMs: { p50: round(pct(cpu, 50)) },
      };
    });
    const budgeted = rows.filter((r) => r.command === 'nicraft --help' || r.command === 'nicraft kv get');
    const out = {
      budgetMs: BUDGET_MS,
      machine: { cpus: cpus().length, loadavg1: round(loadavg()[0]!) , node: process.version },
      rows,
      withinBudget: budgeted.every((r) => r.wallMs.p50 < BUDGET_MS),
    };
    mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/out/cli.json'), JSON.stringify(out, null, 2) + '\n');
    console.log(`nicraft start-up, ${RUNS} cold processes each (load average ${out.machine.loadavg1} on ${out.machine.cpus} cores)`);
    console.log(`${'command'.padEnd(40)} ${'p50 ms'.padStart(8)} ${'p90 ms'.padStart(8)} ${'min'.padStart(7)} ${'max'.padStart(7)} ${'cpu p50'.padStart(8)}`);
    for (const r of rows) {
      console.log(`${r.command.padEnd(40)} ${f(r.wallMs.p50)} ${f(r.wallMs.p90)} ${f(r.wallMs.min, 7)} ${f(r.wallMs.max, 7)} ${f(r.cpuMs.p50)}`);
    }
    console.log(`budget: median wall < ${BUDGET_MS} ms for --help and kv get: ${out.withinBudget ? 'met' : 'NOT met'}  (bench/out/cli.json)`);
  } finally {
    await lc.stopAll().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Wall time from spawn to exit and the child's CPU time (user + system). */
function timed(argv: string[], env?: NodeJS.ProcessEnv): Sample {
  const ru0 = childCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { env: env ?? process.env, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${(r.stderr ?? '').trim().split('\n')[0]}`);
  return { wallMs, cpuMs: childCpuMs() - ru0 };
}

/** CPU time of this process's waited-for children so far (RUSAGE_CHILDREN), from /proc/self/stat. */
function childCpuMs(): number {
  // fields 16 and 17 of /proc/self/stat: cutime and cstime in clock ticks (100 per second on Linux)
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

const round = (x: number): number => Math.round(x * 10) / 10;
const f = (x: number, w = 8): string => x.toFixed(1).padStart(w);

await main();
