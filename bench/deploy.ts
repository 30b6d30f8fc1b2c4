// Deployment benchmark (make bench-deploy [ARGS=--quick]): three nicraft daemons on loopback (model
// backend, real processes, UDP planes, WAL with fdatasync) against a three-member etcd cluster
// (Debian's etcd-server, started and stopped here on loopback ports), under the same closed-loop
// workload from one Node process: the same number of clients, each with one operation in flight,
// the same keys, value size and read/write mix.
//
// Fairness:
//   * alternating runs: nicraft, etcd, nicraft, etcd, ... (DEPLOY_BENCH_REPS, at least 3 each), a
//     fresh cluster per run; per configuration the medians over the runs and the spread (min..max);
//   * the same client distribution: every client talks to the leader only (nicraft: the pool's
//     clients follow the leader hint; etcd: the client is given the leader's endpoint only);
//   * durability: both acknowledge a write once a majority of members fdatasync'ed it (nicraft:
//     durable replies, the WAL's group-commit fdatasync on every member; etcd: its WAL fdatasync per
//     raft batch on every member); both reads are linearizable (nicraft: lease read at the leader,
//     ReadIndex when the lease is not valid, answered once the read index is applied and durable on a
//     quorum; etcd: its default linearizable reads, ReadIndex).
//
// Configurations: clients 16, 64, 256 x value bytes 64, 1024 x read share 0, 0.5, 0.95 (--quick:
// 16 and 64 clients, 64 B, 50% reads). bench/out/deploy.json: runs[] (every run) and summary[] (per
// configuration, medians and spreads of both systems, the ratios).
//
//   DEPLOY_BENCH_SECONDS (10; quick 6)  DEPLOY_BENCH_WARMUP (2; quick 1)  DEPLOY_BENCH_REPS (3)
//   DEPLOY_BENCH_KEYS (16)  DEPLOY_BENCH_CLIENTS / _VALUE_BYTES / _READ_SHARE (comma lists: override the grid)
import { SeededRand } from '../ctrl/rand.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { MAX_PAYLOAD_LIMIT_BYTES } from '../ctrl/daemon/config.js';
import { ROOT, freeBasePort, tcpFree, writeLayout, LocalCluster, type NodeStatus } from '../ctrl/deploy/cluster.js';
import { ClientPool, type PoolClient } from '../ctrl/deploy/udp-client.js';
import { PUT_OVERHEAD_BYTES, Status } from '../ctrl/app/kv.js';

const QUICK = process.argv.includes('--quick') || process.env.DEPLOY_BENCH_QUICK === '1';
for (const a of process.argv.slice(2)) if (a !== '--quick') { console.error(`bench-deploy: unknown argument ${a} (allowed: --quick)`); process.exit(2); }
const num = (name: string, dflt: number): number => {
  const v = process.env[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) { console.error(`bench-deploy: ${name}=${v}: must be a non-negative number`); process.exit(2); }
  return n;
};
const list = (name: string, dflt: number[], what: { min: number; max: number; integer: boolean }): number[] => {
  const v = process.env[name];
  if (v === undefined) return dflt;
  const xs = v.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || x < what.min || x > what.max || (what.integer && !Number.isInteger(x)))) {
    console.error(`bench-deploy: ${name}=${v}: must be a comma list of ${what.integer ? 'integers' : 'numbers'} from ${what.min} to ${what.max}`);
    process.exit(2);
  }
  return xs;
};
const SECONDS = num('DEPLOY_BENCH_SECONDS', QUICK ? 6 : 10);
const WARMUP = num('DEPLOY_BENCH_WARMUP', QUICK ? 1 : 2);
const REPS = Math.max(1, Math.round(num('DEPLOY_BENCH_REPS', 3)));
const KEYS = num('DEPLOY_BENCH_KEYS', 16);
/** node config overrides of the nicraft daemons (JSON, e.g. '{"nic":{"ackCount":1}}'; experiments) */
const NODE_OVERRIDES: Record<string, unknown> = (() => {
  const v = process.env.DEPLOY_BENCH_NODE_CONFIG;
  if (!v) return {};
  try { return JSON.parse(v) as Record<string, unknown>; } catch (e) { console.error(`bench-deploy: DEPLOY_BENCH_NODE_CONFIG: not JSON (${(e as Error).message})`); process.exit(2); }
})();
const GRID = {
  clients: list('DEPLOY_BENCH_CLIENTS', QUICK ? [16, 64] : [16, 64, 256], { min: 1, max: 4096, integer: true }),
  valueBytes: list('DEPLOY_BENCH_VALUE_BYTES', QUICK ? [64] : [64, 1024], { min: 0, max: 65536, integer: true }),
  readShare: list('DEPLOY_BENCH_READ_SHARE', QUICK ? [0.5] : [0, 0.5, 0.95], { min: 0, max: 1, integer: false }),
};
interface Workload { clients: number; valueBytes: number; readShare: number }
// per-run workload (set before each run)
let CLIENTS = 16;
let VALUE_BYTES = 64;
let READ_SHARE = 0.5;

interface Summary {
  opsPerSec: number;
  ops: number;
  errors: number;
  /** failed operations by reason (nicraft: the outcome's kind and reason, or the reply's status; etcd: the error's message) */
  errorsByReason: Record<string, number>;
  latencyUs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  byOp: Record<string, { ops: number; p50: number; p99: number }>;
}

/** one operation: null when it succeeded, else why it failed */
type Op = (kind: 'get' | 'put', key: string, value: string) => Promise<string | null>;

/** The same closed loop for both systems: `clients` workers, one operation in flight each. */
async function closedLoop(workers: Op[]): Promise<Summary> {
  const mk = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  const all = mk();
  const per = { get: mk(), put: mk() };
  let errors = 0;
  const errorsByReason: Record<string, number> = {};
  let measured = 0;
  const t0 = performance.now();
  const from = t0 + WARMUP * 1000;
  const end = from + SECONDS * 1000;
  await Promise.all(workers.map(async (op, w) => {
    const r = new SeededRand((w + 1) * 0x9e3779b1);
    const rand = (): number => r.next();
    let n = 0;
    while (performance.now() < end) {
      const key = `k${Math.floor(rand() * KEYS)}`;
      const kind = rand() < READ_SHARE ? 'get' : 'put';
      const prefix = `${w}.${++n}.`;
      const value = prefix + 'x'.repeat(Math.max(0, VALUE_BYTES - prefix.length));
      const a = performance.now();
      const failed = await op(kind, key, value);
      const b = performance.now();
      if (failed !== null) {
        errors++;
        const why = `${kind}: ${failed.replace(/\d+/g, 'N')}`;   // numbers (times, counts) out: one line per reason
        errorsByReason[why] = (errorsByReason[why] ?? 0) + 1;
        continue;
      }
      if (a >= from && b <= end) {
        const us = Math.max(1, Math.round((b - a) * 1000));
        all.recordValue(us);
        per[kind].recordValue(us);
        measured++;
      }
    }
  }));
  const sum = (h: hdr.Histogram) => ({ p50: h.getValueAtPercentile(50), p90: h.getValueAtPercentile(90), p99: h.getValueAtPercentile(99), p999: h.getValueAtPercentile(99.9), max: h.maxValue, mean: Math.round(h.mean) });
  return {
    opsPerSec: Math.round(measured / SECONDS),
    ops: measured,
    errors,
    errorsByReason,
    latencyUs: sum(all),
    byOp: Object.fromEntries((['get', 'put'] as const).map((k) => [k, { ops: per[k].totalCount, p50: per[k].getValueAtPercentile(50), p99: per[k].getValueAtPercentile(99) }])),
  };
}

// ---- nicraft ---------------------------------------------------------------------------------------

/** The node overrides with nic.maxPayloadBytes set (the other nic fields kept). */
function withMaxPayload(o: Record<string, unknown>, bytes: number): Record<string, unknown> {
  const nic = (o.nic ?? {}) as Record<string, unknown>;
  return { ...o, nic: { ...nic, maxPayloadBytes: bytes } };
}

async function runNicraft(dir: string, overrides: Record<string, unknown> = {}): Promise<Summary & { breakdown: unknown; storage: unknown }> {
  const base = await freeBasePort(3, 2);
  writeLayout(dir, { replicas: 3, planes: 2, backend: 'model', basePort: base, overrides });
  const lc = new LocalCluster(dir);
  await lc.startAll();
  const leader = await lc.waitLeader();
  const before = await Promise.all(lc.ids.map((id) => lc.status(id)));
  const pool = await ClientPool.open(lc.cluster, { attemptTimeoutMs: 1000, maxAttempts: 10 }); // the payload size from cluster.yaml
  const te = new TextEncoder();
  try {
    const clients: PoolClient[] = Array.from({ length: CLIENTS }, () => pool.client());
    const workers: Op[] = clients.map((c) => async (kind, key, value) => {
      const o = await c.invoke(kind === 'get' ? { op: 'get', key } : { op: 'put', key, value: te.encode(value) });
      if (o.kind !== 'ok') return `${o.kind}: ${o.reason}`;
      if (o.reply.status === Status.OK || o.reply.status === Status.NOT_FOUND) return null;
      return `status ${Object.entries(Status).find(([, v]) => v === o.reply.status)?.[0] ?? o.reply.status}`;
    });
    const r = await closedLoop(workers);
    const after = await Promise.all(lc.ids.map((id) => lc.status(id)));
    const bd = breakdown(before, after, leader) as Array<Record<string, number | boolean> | null>;
    const ld = bd.find((b) => b?.leader);
    return { ...r, breakdown: bd, storage: ld ? { fsyncsPerSec: ld.fsyncsPerSec, entriesPerFsync: ld.entriesPerFsync, localReads: ld.localReads } : null };
  } finally {
    pool.close();
    await lc.stopAll();
  }
}

/** Where the time goes in each node, over the run (from the status endpoints). */
function breakdown(before: Array<NodeStatus | undefined>, after: Array<NodeStatus | undefined>, leader: number): unknown {
  return after.map((a, i) => {
    const b = before[i];
    if (!a || !b) return null;
    const d = (g: string, k: string): number => Number((a.counters[g] as Record<string, number>)[k]) - Number((b.counters[g] as Record<string, number>)[k]);
    const syncs = d('storage', 'syncs');
    const gsyncs = d('storage', 'groupSyncs');
    const wall = (a as unknown as { uptimeMs: number }).uptimeMs - (b as unknown as { uptimeMs: number }).uptimeMs;
    const reads = (x: NodeStatus) => (x.counters as Record<string, Record<string, number> | undefined>).reads;
    return {
      node: a.id, leader: a.id === leader, role: a.role,
      fsyncs: syncs, fsyncsPerSec: Math.round((syncs * 1000) / wall), entriesPerFsync: syncs ? +(d('storage', 'records') / syncs).toFixed(2) : 0,
      groupFsyncs: gsyncs, groupFsyncUsMean: gsyncs ? Math.round(d('storage', 'groupSyncNs') / gsyncs / 1000) : 0,
      syncFsyncUsMean: syncs - gsyncs > 0 ? Math.round(d('storage', 'syncNs') / (syncs - gsyncs) / 1000) : 0,
      eventLoopFsyncShareOfWall: +(d('storage', 'syncNs') / 1e6 / wall).toFixed(3),
      localReads: reads(a) && reads(b) ? { lease: reads(a)!.lease! - reads(b)!.lease!, quorum: reads(a)!.quorum! - reads(b)!.quorum!, refused: reads(a)!.refused! - reads(b)!.refused! } : null,
      datagramsOutPerSec: Math.round(((a.planes.reduce((x, p) => x + (p.txDatagrams ?? p.txFrames), 0) - b.planes.reduce((x, p) => x + (p.txDatagrams ?? p.txFrames), 0)) * 1000) / wall),
      datagramsInPerSec: Math.round(((a.planes.reduce((x, p) => x + p.rxFrames, 0) - b.planes.reduce((x, p) => x + p.rxFrames, 0)) * 1000) / wall),
      driverBusyShareOfWall: +(d('driver', 'busyNs') / 1e6 / wall).toFixed(3),
      hostBatches: d('driver', 'hostBatches'), hostFrames: d('driver', 'hostFrames'),
      controlMessagesIn: d('replica', 'controlRx'), controlMessagesOut: d('replica', 'messagesSent'),
      readys: d('replica', 'readys'), replies: d('replica', 'replies'),
      // REQs the NIC punted at the leader, answered NOT_LEADER naming itself (busy: ask again here), and REQs at a non-leader redirected
      busyReplies: d('replica', 'busyReplies'), redirects: d('replica', 'redirects'),
      // the NIC's punts to the host by reason, since the daemon started (not over the run: the start's election is in them)
      puntsSinceStart: (a.counters.replica as Record<string, unknown>).punts,
    };
  });
}

// ---- etcd ------------------------------------------------------------------------------------------

function etcdVersion(): string | undefined {
  const r = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return /etcd Version: (\S+)/.exec(r.stdout)?.[1] ?? r.stdout.trim().split('\n')[0];
}

async function runEtcd(dir: string): Promise<Summary & { version: string }> {
  const version = etcdVersion()!;
  // etcd's client (base+i) and peer (base+100+i) ports are TCP: freeBasePort checks the peer range
  // for UDP only (nicraft's second plane), so check all six here (an ephemeral port may hold one)
  let base = 0;
  for (let attempt = 0; attempt < 20 && base === 0; attempt++) {
    const b = await freeBasePort(3, 2);
    let ok = true;
    for (const p of [1, 2, 3, 101, 102, 103]) if (ok) ok = await tcpFree(b + p);
    if (ok) base = b;
  }
  if (base === 0) throw new Error('bench-deploy: no free TCP port range on loopback for etcd');
  const peer = (i: number) => `http://127.0.0.1:${base + 100 + i}`;
  const client = (i: number) => `127.0.0.1:${base + i}`;
  const initial = [1, 2, 3].map((i) => `e${i}=${peer(i)}`).join(',');
  const procs: ChildProcess[] = [];
  try {
    for (const i of [1, 2, 3]) {
      mkdirSync(join(dir, `e${i}`), { recursive: true });
      procs.push(spawn('etcd', [
        '--name', `e${i}`, '--data-dir', join(dir, `e${i}`, 'data'),
        '--listen-client-urls', `http://${client(i)}`, '--advertise-client-urls', `http://${client(i)}`,
        '--listen-peer-urls', peer(i), '--initial-advertise-peer-urls', peer(i),
        '--initial-cluster', initial, '--initial-cluster-state', 'new', '--initial-cluster-token', 'nicraft-bench',
        '--logger', 'zap', '--log-level', 'error',
      ], { stdio: ['ignore', 'ignore', 'inherit'] }));
    }
    process.env.GRPC_VERBOSITY ??= 'NONE'; // grpc-js logs every refused connection while the members start
    const { Etcd3 } = await import('etcd3');
    const all = new Etcd3({ hosts: [1, 2, 3].map(client) });
    let leaderHost: string | undefined;
    try {
      // ready: a write goes through once the members elected a leader
      const until = Date.now() + 30_000;
      for (;;) {
        try { await all.put('ready').value('1'); break; } catch (e) {
          if (Date.now() > until) throw new Error(`etcd did not become ready: ${(e as Error).message}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      // the same distribution as nicraft's: every client to the leader
      for (const i of [1, 2, 3]) {
        const one = new Etcd3({ hosts: client(i) });
        try {
          const st = await one.maintenance.status();
          if (st.leader === st.header.member_id) leaderHost = client(i);
        } finally { one.close(); }
      }
    } finally { all.close(); }
    if (!leaderHost) throw new Error('etcd: no member says it leads');
    const etcd = new Etcd3({ hosts: leaderHost });
    try {
      const workers: Op[] = Array.from({ length: CLIENTS }, () => async (kind, key, value) => {
        try {
          if (kind === 'get') await etcd.get(key).string();
          else await etcd.put(key).value(value);
          return null;
        } catch (e) {
          return (e as Error).message.split('\n')[0].slice(0, 120);
        }
      });
      return { ...(await closedLoop(workers)), version };
    } finally {
      etcd.close();
    }
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise<void>((res) => (p.exitCode !== null ? res() : p.once('exit', () => res())))));
  }
}

// ---- main ------------------------------------------------------------------------------------------

const median = (xs: number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
};
const spread = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

const version = process.env.DEPLOY_BENCH_ETCD === '0' ? undefined : etcdVersion();
if (process.env.DEPLOY_BENCH_ETCD === '0') console.log('bench-deploy: DEPLOY_BENCH_ETCD=0: only nicraft is measured');
else if (!version) console.log('bench-deploy: etcd is not installed (Debian package etcd-server; `make bench-deploy` installs it with apt-get): only nicraft is measured');
const configs: Workload[] = [];
for (const c of GRID.clients) for (const v of GRID.valueBytes) for (const r of GRID.readShare) configs.push({ clients: c, valueBytes: v, readShare: r });
const work = mkdtempSync(join(tmpdir(), 'nicraft-bench-deploy-'));
console.log(`bench-deploy${QUICK ? ' --quick' : ''}: ${configs.length} configurations x ${REPS} alternating runs per system, ${SECONDS} s each (+${WARMUP} s warm-up), ${KEYS} keys, closed loop, every client to the leader`);
type Run = { system: 'nicraft' | 'etcd'; rep: number; workload: Workload; nicMaxPayloadBytes?: number; opsPerSec: number; errors: number; errorsByReason: Record<string, number>; latencyUs: Summary['latencyUs']; byOp: Summary['byOp']; storage?: unknown; breakdown?: unknown };
const runs: Run[] = [];
const skipped: Array<{ workload: Workload; why: string }> = [];
/** the largest value a put may carry with the default NIC (MAX_PAYLOAD 256) */
const MAX_VALUE_BYTES = 256 - PUT_OVERHEAD_BYTES;
/** the largest value with the largest payload the NIC can be built for (nic.maxPayloadBytes) */
const MAX_VALUE_BYTES_LARGE = MAX_PAYLOAD_LIMIT_BYTES - PUT_OVERHEAD_BYTES;
let n = 0;
try {
  for (const w of configs) {
    CLIENTS = w.clients; VALUE_BYTES = w.valueBytes; READ_SHARE = w.readShare;
    // a put's payload (op, key, value) must fit the NIC's MAX_PAYLOAD (256 bytes by default): for
    // larger values the daemons' NICs are built with the largest (nic.maxPayloadBytes: frames up to
    // 1,518 bytes); values that fit neither are not run at all (for either system)
    if (w.valueBytes > MAX_VALUE_BYTES_LARGE) {
      skipped.push({ workload: w, why: `values of ${w.valueBytes} B do not fit the NIC's largest MAX_PAYLOAD (${MAX_PAYLOAD_LIMIT_BYTES} bytes; a put carries op, key and value): nicraft cannot run it, so neither system is measured` });
      console.log(`  ${String(w.clients).padStart(3)} clients ${String(w.valueBytes).padStart(4)} B ${String(w.readShare * 100).padStart(3)}% gets  skipped: ${skipped[skipped.length - 1]!.why}`);
      continue;
    }
    const overrides = w.valueBytes > MAX_VALUE_BYTES ? withMaxPayload(NODE_OVERRIDES, MAX_PAYLOAD_LIMIT_BYTES) : NODE_OVERRIDES;
    for (let rep = 1; rep <= REPS; rep++) {
      const r1 = await runNicraft(join(work, `n${++n}`), overrides);
      runs.push({ system: 'nicraft', rep, workload: w, nicMaxPayloadBytes: w.valueBytes > MAX_VALUE_BYTES ? MAX_PAYLOAD_LIMIT_BYTES : 256, opsPerSec: r1.opsPerSec, errors: r1.errors, errorsByReason: r1.errorsByReason, latencyUs: r1.latencyUs, byOp: r1.byOp, storage: r1.storage, breakdown: r1.breakdown });
      const st = r1.storage as { fsyncsPerSec: number; entriesPerFsync: number } | null;
      console.log(`  ${String(w.clients).padStart(3)} clients ${String(w.valueBytes).padStart(4)} B ${String(w.readShare * 100).padStart(3)}% gets  run ${rep}  nicraft ${String(r1.opsPerSec).padStart(6)} ops/s p50 ${String(r1.latencyUs.p50).padStart(6)} us p99 ${String(r1.latencyUs.p99).padStart(7)} us err ${r1.errors}${r1.errors ? ` ${JSON.stringify(r1.errorsByReason)}` : ''}${st ? `  leader: ${st.fsyncsPerSec} fsync/s, ${st.entriesPerFsync} entries/fsync` : ''}`);
      if (version) {
        const r2 = await runEtcd(join(work, `e${n}`));
        runs.push({ system: 'etcd', rep, workload: w, opsPerSec: r2.opsPerSec, errors: r2.errors, errorsByReason: r2.errorsByReason, latencyUs: r2.latencyUs, byOp: r2.byOp });
        console.log(`  ${' '.repeat(34)}run ${rep}  etcd    ${String(r2.opsPerSec).padStart(6)} ops/s p50 ${String(r2.latencyUs.p50).padStart(6)} us p99 ${String(r2.latencyUs.p99).padStart(7)} us err ${r2.errors}${r2.errors ? ` ${JSON.stringify(r2.errorsByReason)}` : ''}`);
      }
      rmSync(join(work, `n${n}`), { recursive: true, force: true });
      rmSync(join(work, `e${n}`), { recursive: true, force: true });
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const same = (a: Workload, b: Workload) => a.clients === b.clients && a.valueBytes === b.valueBytes && a.readShare === b.readShare;
const sysSummary = (rs: Run[]) => rs.length === 0 ? null : {
  runs: rs.length,
  opsPerSec: spread(rs.map((r) => r.opsPerSec)),
  p50Us: spread(rs.map((r) => r.latencyUs.p50)),
  p99Us: spread(rs.map((r) => r.latencyUs.p99)),
  errors: rs.reduce((a, r) => a + r.errors, 0),
};
const summary = configs.filter((w) => !skipped.some((k) => same(k.workload, w))).map((w) => {
  const nic = sysSummary(runs.filter((r) => r.system === 'nicraft' && same(r.workload, w)))!;
  const etc = sysSummary(runs.filter((r) => r.system === 'etcd' && same(r.workload, w)));
  const st = runs.filter((r) => r.system === 'nicraft' && same(r.workload, w)).map((r) => r.storage as { fsyncsPerSec: number; entriesPerFsync: number } | null).filter((x) => x);
  // failed operations (timed out after every attempt, or refused by the client) are not in the
  // throughput; a configuration with any is not a valid comparison, whatever its figures
  const errorsOf = (sys: 'nicraft' | 'etcd') => runs.filter((r) => r.system === sys && same(r.workload, w)).reduce((a, r) => a + r.errors, 0);
  const errors = { nicraft: errorsOf('nicraft'), etcd: errorsOf('etcd') };
  return {
    workload: w,
    errors,
    nicraft: { ...nic, leaderFsyncsPerSec: st.length ? median(st.map((x) => x!.fsyncsPerSec)) : null, leaderEntriesPerFsync: st.length ? median(st.map((x) => x!.entriesPerFsync)) : null },
    etcd: etc,
    ratio: etc ? { throughput: +(nic.opsPerSec.median / etc.opsPerSec.median).toFixed(2), p50: +(nic.p50Us.median / etc.p50Us.median).toFixed(2), p99: +(nic.p99Us.median / etc.p99Us.median).toFixed(2) } : null,
    target: etc && w.readShare === 0.5 && w.valueBytes === 64 && (w.clients === 16 || w.clients === 64)
      ? { throughputAtLeast1_5x: nic.opsPerSec.median >= 1.5 * etc.opsPerSec.median, p99NoHigher: nic.p99Us.median <= etc.p99Us.median, noErrors: errors.nicraft + errors.etcd === 0 }
      : undefined,
  };
});

const sp = (s: { median: number; min: number; max: number }) => `${s.median} (${s.min}..${s.max})`;
console.log('\nmedians over the runs (min..max):');
console.log('clients  value  gets | nicraft ops/s          p99 us                 | etcd ops/s             p99 us                 | thr x   p99 x | fsync/s  entries/fsync');
for (const s of summary) {
  const w = s.workload;
  console.log(`${String(w.clients).padStart(7)} ${String(w.valueBytes).padStart(6)} ${String(w.readShare * 100).padStart(4)}% | ${sp(s.nicraft.opsPerSec).padEnd(22)} ${sp(s.nicraft.p99Us).padEnd(22)} | ${(s.etcd ? sp(s.etcd.opsPerSec) : '-').padEnd(22)} ${(s.etcd ? sp(s.etcd.p99Us) : '-').padEnd(22)} | ${String(s.ratio?.throughput ?? '-').padStart(5)} ${String(s.ratio?.p99 ?? '-').padStart(6)} | ${String(s.nicraft.leaderFsyncsPerSec).padStart(7)} ${String(s.nicraft.leaderEntriesPerFsync).padStart(8)}`);
}
for (const s of summary) if (s.errors.nicraft + s.errors.etcd > 0) console.log(`WARNING: ${s.workload.clients} clients, ${s.workload.valueBytes} B, ${s.workload.readShare * 100}% gets: failed operations (nicraft ${s.errors.nicraft}, etcd ${s.errors.etcd}): not a valid comparison`);
for (const s of summary) if (s.target) console.log(`target at ${s.workload.clients} clients, 50% gets, 64 B: throughput >= 1.5x etcd: ${s.target.throughputAtLeast1_5x ? 'met' : 'NOT met'} (${s.ratio!.throughput}x); p99 <= etcd: ${s.target.p99NoHigher ? 'met' : 'NOT met'} (${s.ratio!.p99}x)${s.target.noErrors ? '' : '; INVALID: failed operations'}`);

const out = {
  quick: QUICK,
  settings: { seconds: SECONDS, warmupSeconds: WARMUP, repsPerSystem: REPS, keys: KEYS, closedLoop: true, order: 'alternating: nicraft, etcd, nicraft, etcd, ... per configuration', clientDistribution: 'every client to the leader (nicraft: leader hint; etcd: the leader endpoint only)' },
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version, note: 'every process (3 servers, the client) on one machine, loopback only, shared with other jobs' },
  systems: {
    nicraft: '3 daemons, model NIC backend, 2 UDP planes, durable replies (a quorum fdatasync\'ed), group-commit fdatasync of the WAL on every member, gets at the leader by lease read (ReadIndex without a lease)',
    etcd: version ? `etcd ${version}: 3 members, etcd3 (gRPC) client, WAL fdatasync per raft batch on every member, linearizable reads (ReadIndex)` : 'not installed',
  },
  runs,
  summary,
  skipped,
};
const file = join(ROOT, 'bench/out/deploy.json');
mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
console.log(`bench-deploy: wrote ${file}`);
// the report: a page of its own, and the section the cluster report (report.html) includes
const { deployPage, deploySvgs } = await import('./report/deploy.js');
const svgs = await deploySvgs(out as unknown as Parameters<typeof deploySvgs>[0]);
for (const [id, svg] of Object.entries(svgs)) writeFileSync(join(ROOT, 'bench/out', `${id}.svg`), svg);
writeFileSync(join(ROOT, 'bench/out/deploy.html'), deployPage(out as unknown as Parameters<typeof deployPage>[0], svgs));
console.log(`bench-deploy: wrote ${join(ROOT, 'bench/out/deploy.html')} (${Object.keys(svgs).map((k) => `${k}.svg`).join(', ')})`);
