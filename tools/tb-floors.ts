// Where the RTL testbench tests' coverage floors come from: runs test/rtl/*.test.ts (or the files
// given) under vitest with every random-seed testbench run replaced by seeds 1..N of the same
// configuration (test/rtl/floors.setup.ts), then prints, per test, the least and the median of every
// stat the test file names, and the seconds per run. A floor asserted with toBeGreaterThan should be
// well under the least count (the tests use about a quarter of it), so that no random seed fails it.
//
//   npx tsx tools/tb-floors.ts [--seeds N] [--workers W] [--out FILE] [--report] [TEST_FILE ...]
//
// --seeds: N (default 16); --workers: vitest workers (default 1: the machine is shared); --out: the
// JSON lines of every run (default build/tb-floors.jsonl, replaced); --report: only summarise FILE.
// A run the testbench failed (a mismatch: a bug, not a coverage gap) is listed with its seed.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Run { file: string; test: string; seed: number; seconds: number; ok: boolean; error: string; cfg: string; stats: Record<string, number> }

const USAGE = 'usage: tsx tools/tb-floors.ts [--seeds N] [--workers W] [--out FILE] [--report] [TEST_FILE ...]';
const args = process.argv.slice(2);
let seeds = 16;
let workers = 1;
let out = join(ROOT, 'build/tb-floors.jsonl');
let reportOnly = false;
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  const num = () => {
    const n = Number(args[++i]);
    if (!Number.isInteger(n) || n < 1) { console.error(`${a} needs a positive integer\n${USAGE}`); process.exit(2); }
    return n;
  };
  if (a === '--seeds') seeds = num();
  else if (a === '--workers') workers = num();
  else if (a === '--out') out = resolve(args[++i] ?? '');
  else if (a === '--report') reportOnly = true;
  else if (a.startsWith('-')) { console.error(`unknown option ${a}\n${USAGE}`); process.exit(2); }
  else files.push(resolve(a));
}
if (files.length === 0) {
  const dir = join(ROOT, 'test/rtl');
  files.push(...readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(dir, f)));
}
for (const f of files) if (!existsSync(f)) { console.error(`no such test file: ${f}`); process.exit(2); }

if (!reportOnly) {
  mkdirSync(dirname(out), { recursive: true });
  rmSync(out, { force: true });
  // the marker seed: runTb takes it from SEED; the setup file sweeps every run that has it
  Object.assign(process.env, { SEED: '271828182845', NICRAFT_TB_FLOORS_OUT: out, NICRAFT_TB_FLOORS_SEEDS: String(seeds) });
  const { startVitest } = await import('vitest/node');
  const t0 = Date.now();
  const vitest = await startVitest('test', files, {
    run: true, watch: false, silent: true, reporters: ['dot'], root: ROOT,
    setupFiles: [join(ROOT, 'test/rtl/floors.setup.ts')], testTimeout: 24 * 3600_000, maxWorkers: workers, minWorkers: 1,
  });
  await vitest?.close();
  process.exitCode = 0;  // the tests judge seed 1 only; the summary below is the result
  console.log(`\n${seeds} seeds, ${((Date.now() - t0) / 1000).toFixed(0)} s wall (vitest, ${workers} worker${workers > 1 ? 's' : ''})`);
}

if (!existsSync(out)) { console.error(`${out}: no runs recorded`); process.exit(1); }
const runs = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Run);
if (runs.length === 0) { console.error(`${out}: no runs recorded`); process.exit(1); }

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const byFile = new Map<string, Map<string, Run[]>>();
for (const r of runs) {
  const m = byFile.get(r.file) ?? new Map<string, Run[]>();
  byFile.set(r.file, m);
  m.set(r.test, [...(m.get(r.test) ?? []), r]);
}
let failed = 0;
for (const [file, tests] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
  const src = readFileSync(file, 'utf8');
  console.log(`\n${relative(ROOT, file)}`);
  for (const [test, all] of tests) {
    // a failed run stopped early: its counts say nothing about coverage
    const rs = all.filter((r) => r.ok);
    const secs = median(all.map((r) => r.seconds));
    console.log(`  ${test}  [${rs.length} seeds, ${secs.toFixed(2)} s/run, ${all[0]!.cfg.replace(/\s*\bseed=\d+/, '')}]`);
    const names = rs.length ? Object.keys(rs[0]!.stats).filter((k) => new RegExp(`\\b${k}\\b`).test(src)) : [];
    if (names.length) console.log(`    ${names.map((k) => {
      const xs = rs.map((r) => r.stats[k]!);
      const lo = Math.min(...xs);
      const at = rs.find((r) => r.stats[k] === lo)!.seed;
      return `${k} ${lo}@${at}/${median(xs)}`;
    }).join('  ')}`);
    for (const r of all.filter((x) => !x.ok)) {
      failed++;
      console.log(`    FAILED seed ${r.seed}: ${r.error}`);
    }
  }
}
console.log(`\nper stat: least@seed/median over the seeds that passed; ${failed} failed run${failed === 1 ? '' : 's'} of ${runs.length}`);
if (failed) process.exitCode = 1;
