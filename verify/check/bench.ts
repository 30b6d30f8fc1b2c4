// Linearizability checker benchmark (make bench-check; it lives with the checker because bench/
// may not import verify/): published histories with known verdicts
// and the hardest generated one, timed on this machine. Writes bench/out/check.json.
//
// 1. Porcupine's KV histories (testdata/porcupine, 6 files) and the Jepsen etcd histories
//    (testdata/jepsen-etcd, 102 files): how many verdicts agree, and the check time per set
//    (median of CHECK_BENCH_RUNS runs; checkFile, i.e. the CLI path with the worker pool).
// 2. 20 concurrent writes and a read of a value never written (verify/check/generate.ts): not
//    linearizable, and the search must visit about 10.5 M configurations. Wall and CPU time,
//    steps, cache evictions and peak memory, with the default cache (sized from this machine's
//    memory) and with 256 MiB (the old fixed budget), each in its own process.
//
//   CHECK_BENCH_RUNS (5)  CHECK_BENCH_WRITERS (20; 0 skips part 2)  CHECK_BENCH_TIMEOUT_S (900)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkFile,
  checkOperations,
  concurrentWrites,
  defaultCacheBytes,
  makeModel,
  parseJsonHistory,
} from './index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const RUNS = Number(process.env.CHECK_BENCH_RUNS ?? 5);
const WRITERS = Number(process.env.CHECK_BENCH_WRITERS ?? 20);
const TIMEOUT_S = Number(process.env.CHECK_BENCH_TIMEOUT_S ?? 900);
const MiB = 1024 * 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function publishedSet(dir: string): Promise<Record<string, unknown>> {
  const rows = readFileSync(join(dir, 'VERDICTS'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/) as [string, string]);
  const times: number[] = [];
  const perFile = new Map<string, number[]>();
  let agree = 0;
  const disagree: string[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    for (const [file, expected] of rows) {
      const t1 = performance.now();
      const o = await checkFile(join(dir, file), { timeoutMs: 60_000 });
      perFile.set(file, [...(perFile.get(file) ?? []), performance.now() - t1]);
      const want = expected === 'linearizable' ? 'linearizable' : 'not linearizable';
      if (run === 0) {
        if (o.verdict === want) agree++;
        else disagree.push(`${file}: ${o.verdict}, expected ${want}`);
      }
    }
    times.push(performance.now() - t0);
  }
  const slowest = [...perFile.entries()]
    .map(([file, ts]) => ({ file, medianMs: Math.round(median(ts)) }))
    .sort((a, b) => b.medianMs - a.medianMs)
    .slice(0, 6);
  return { files: rows.length, agree, disagree, medianMs: Math.round(median(times)), runsMs: times.map(Math.round), slowest };
}

/** One run of the generated history in this process (called as a child: --writes N MIB). */
function writesChild(writers: number, mib: number): void {
  const h = parseJsonHistory(JSON.stringify(concurrentWrites(writers)), 'writes.json');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = checkOperations(makeModel({ name: 'kv' }), h.ops, {
    cacheBytes: mib > 0 ? mib * MiB : defaultCacheBytes(),
    timeoutMs: TIMEOUT_S * 1000,
  });
  const cpu = process.cpuUsage(c0);
  process.stdout.write(
    JSON.stringify({
      writers,
      cacheMiB: mib > 0 ? mib : Math.round(defaultCacheBytes() / MiB),
      verdict: r.verdict,
      steps: r.steps,
      evictions: r.evictions,
      wallS: +((performance.now() - t0) / 1000).toFixed(1),
      cpuS: +((cpu.user + cpu.system) / 1e6).toFixed(1),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }) + '\n',
  );
}

function writesRun(mib: number): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'verify/check/bench.ts'), '--writes', String(WRITERS), String(mib)], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  if (r.status !== 0) return { error: r.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit ${r.status}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--writes');
  if (i !== -1) {
    writesChild(Number(process.argv[i + 1]), Number(process.argv[i + 2]));
    return;
  }
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? '?', memGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version };
  console.log(`checker benchmark on ${machine.cpus} × ${machine.model}, ${machine.memGiB} GiB, Node ${machine.node}`);
  const porcupine = await publishedSet(join(ROOT, 'testdata/porcupine'));
  console.log(`Porcupine KV:  ${porcupine.agree}/${porcupine.files} verdicts agree; median ${porcupine.medianMs} ms for the set (${RUNS} runs)`);
  console.log(`  per file (median ms): ${JSON.stringify(porcupine.slowest)}`);
  const etcd = await publishedSet(join(ROOT, 'testdata/jepsen-etcd'));
  console.log(`Jepsen etcd:   ${etcd.agree}/${etcd.files} verdicts agree; median ${etcd.medianMs} ms for the set (${RUNS} runs)`);
  console.log(`  slowest files (median ms): ${JSON.stringify(etcd.slowest)}`);
  const writes: Record<string, unknown>[] = [];
  for (const mib of WRITERS > 0 ? [0, 256] : []) {
    const w = writesRun(mib);
    writes.push(w);
    console.log(`${WRITERS} concurrent writes + impossible read, cache ${mib ? `${mib} MiB` : 'default'}: ${JSON.stringify(w)}`);
  }
  const out = join(ROOT, 'bench/out');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'check.json'), JSON.stringify({ machine, porcupine, etcd, writes }, null, 2) + '\n');
  console.log(`wrote ${join(out, 'check.json')}`);
}

await main();
