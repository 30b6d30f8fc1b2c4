// Deployment benchmark (make bench-deploy): three nicraft daemons on loopback (model backend, real
// processes, UDP planes, WAL with fdatasync) against a three-member etcd cluster (Debian's
// etcd-server, started and stopped here on loopback ports), under the same closed-loop workload:
// the same number of clients, each with one operation in flight, the same keys, value size and
// read/write mix, from one Node process. Throughput and latency percentiles of both, side by side,
// in bench/out/deploy.json (keys nicraft and etcd: opsPerSec, latencyUs.{p50,p90,p99,p999,max}).
//
// Both systems acknowledge a write once a majority has it on disk (nicraft: durable replies,
// fdatasync per batch; etcd: its WAL fsync) and both reads are linearizable (nicraft: through the
// log; etcd: quorum reads, its default).
//
//   DEPLOY_BENCH_CLIENTS (16)  DEPLOY_BENCH_SECONDS (10)  DEPLOY_BENCH_WARMUP (2)
//   DEPLOY_BENCH_VALUE_BYTES (64)  DEPLOY_BENCH_READ_SHARE (0.5)  DEPLOY_BENCH_KEYS (16)
import { SeededRand } from '../ctrl/rand.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { ROOT, freeBasePort, writeLayout, LocalCluster, type NodeStatus } from '../ctrl/deploy/cluster.js';
import { ClientPool, type PoolClient } from '../ctrl/deploy/udp-client.js';
import { Status } from '../ctrl/app/kv.js';

const CLIENTS = Number(process.env.DEPLOY_BENCH_CLIENTS ?? 16);
const SECONDS = Number(process.env.DEPLOY_BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.DEPLOY_BENCH_WARMUP ?? 2);
const VALUE_BYTES = Number(process.env.DEPLOY_BENCH_VALUE_BYTES ?? 64);
const READ_SHARE = Number(process.env.DEPLOY_BENCH_READ_SHARE ?? 0.5);
const KEYS = Number(process.env.DEPLOY_BENCH_KEYS ?? 16);

interface Summary {
  opsPerSec: number;
  ops: number;
  errors: number;
  latencyUs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  byOp: Record<string, { ops: number; p50: number; p99: number }>;
}

type Op = (kind: 'get' | 'put', key: string, value: string) => Promise<boolean>;

/** The same closed loop for both systems: `clients` workers, one operation in flight each. */
async function closedLoop(workers: Op[]): Promise<Summary> {
  const mk = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  const all = mk();
  const per = { get: mk(), put: mk() };
  let errors = 0;
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
      const ok = await op(kind, key, value);
      const b = performance.now();
      if (!ok) { errors++; continue; }
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
    latencyUs: sum(all),
    byOp: Object.fromEntries((['get', 'put'] as const).map((k) => [k, { ops: per[k].totalCount, p50: per[k].getValueAtPercentile(50), p99: per[k].getValueAtPercentile(99) }])),
  };
}

// ---- nicraft ---------------------------------------------------------------------------------------

async function runNicraft(dir: string, overrides: Record<string, unknown> = {}): Promise<Summary & { breakdown: unknown }> {
  const base = await freeBasePort(3, 2);
  writeLayout(dir, { replicas: 3, planes: 2, backend: 'model', basePort: base, overrides });
  const lc = new LocalCluster(dir);
  await lc.startAll();
  const leader = await lc.waitLeader();
  const before = await Promise.all(lc.ids.map((id) => lc.status(id)));
  const pool = await ClientPool.open(lc.cluster, { attemptTimeoutMs: 1000, maxAttempts: 10 });
  const te = new TextEncoder();
  try {
    const clients: PoolClient[] = Array.from({ length: CLIENTS }, () => pool.client());
    const workers: Op[] = clients.map((c) => async (kind, key, value) => {
      const o = await c.invoke(kind === 'get' ? { op: 'get', key } : { op: 'put', key, value: te.encode(value) });
      return o.kind === 'ok' && (o.reply.status === Status.OK || o.reply.status === Status.NOT_FOUND);
    });
    const r = await closedLoop(workers);
    const after = await Promise.all(lc.ids.map((id) => lc.status(id)));
    return { ...r, breakdown: breakdown(before, after, leader) };
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
    const wall = (a as unknown as { uptimeMs: number }).uptimeMs - (b as unknown as { uptimeMs: number }).uptimeMs;
    return {
      node: a.id, leader: a.id === leader, role: a.role,
      fsyncs: syncs, fsyncUsMean: syncs ? Math.round(d('storage', 'syncNs') / syncs / 1000) : 0,
      fsyncShareOfWall: +(d('storage', 'syncNs') / 1e6 / wall).toFixed(3),
      driverBusyShareOfWall: +(d('driver', 'busyNs') / 1e6 / wall).toFixed(3),
      hostBatches: d('driver', 'hostBatches'), hostFrames: d('driver', 'hostFrames'),
      controlMessagesIn: d('replica', 'controlRx'), controlMessagesOut: d('replica', 'messagesSent'),
      readys: d('replica', 'readys'), replies: d('replica', 'replies'),
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
  const base = await freeBasePort(3, 2);
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
    const etcd = new Etcd3({ hosts: [1, 2, 3].map(client) });
    try {
      // ready: a write goes through once the members elected a leader
      const until = Date.now() + 30_000;
      for (;;) {
        try { await etcd.put('ready').value('1'); break; } catch (e) {
          if (Date.now() > until) throw new Error(`etcd did not become ready: ${(e as Error).message}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      const workers: Op[] = Array.from({ length: CLIENTS }, () => async (kind, key, value) => {
        try {
          if (kind === 'get') await etcd.get(key).string();
          else await etcd.put(key).value(value);
          return true;
        } catch {
          return false;
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

const work = mkdtempSync(join(tmpdir(), 'nicraft-bench-deploy-'));
const workload = { clients: CLIENTS, seconds: SECONDS, warmupSeconds: WARMUP, valueBytes: VALUE_BYTES, readShare: READ_SHARE, keys: KEYS, closedLoop: true };
console.log(`bench-deploy: ${CLIENTS} closed-loop clients, ${SECONDS} s (+${WARMUP} s warm-up), ${VALUE_BYTES}-byte values, ${READ_SHARE * 100}% gets over ${KEYS} keys`);
const nicraft = await runNicraft(join(work, 'nicraft'));
// the same with replies at commit (the NIC quorum, in RAM): what durable replies cost
const atCommit = process.env.DEPLOY_BENCH_SKIP_COMMIT_REPLIES === '1' ? undefined : await runNicraft(join(work, 'nicraft-commit'), { durableReplies: false });
const version = etcdVersion();
let etcd: (Summary & { version: string }) | { unavailable: string };
if (version) {
  etcd = await runEtcd(join(work, 'etcd'));
} else {
  etcd = { unavailable: 'etcd is not installed (Debian package etcd-server; `make deps` installs it with apt-get): only nicraft was measured' };
  console.log(`bench-deploy: ${etcd.unavailable}`);
}
rmSync(work, { recursive: true, force: true });

const row = (name: string, s: Summary) =>
  `  ${name.padEnd(22)} ${String(s.opsPerSec).padStart(8)} ops/s   p50 ${String(s.latencyUs.p50).padStart(6)} us   p99 ${String(s.latencyUs.p99).padStart(7)} us   p99.9 ${String(s.latencyUs.p999).padStart(7)} us   errors ${s.errors}`;
console.log(row('nicraft (model NIC)', nicraft));
if (atCommit) console.log(row('  replies at commit', atCommit));
if ('opsPerSec' in etcd) console.log(row(`etcd ${etcd.version}`, etcd));
if ('opsPerSec' in etcd) console.log(`  ratio nicraft/etcd: throughput ${(nicraft.opsPerSec / etcd.opsPerSec).toFixed(2)}x, p50 ${(nicraft.latencyUs.p50 / etcd.latencyUs.p50).toFixed(2)}x, p99 ${(nicraft.latencyUs.p99 / etcd.latencyUs.p99).toFixed(2)}x`);
const out = {
  workload,
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version, note: 'every process (3 servers, the client) on one machine, loopback only' },
  nicraft: { system: 'nicraft: 3 daemons, model NIC backend, 2 UDP planes, durable replies, fdatasync per batch', ...nicraft },
  ...(atCommit ? { nicraftRepliesAtCommit: { system: 'nicraft as above with durableReplies: false (a reply once the NICs of a quorum hold the entry; survives any minority crash, not the loss of every node at once)', ...atCommit } } : {}),
  etcd: 'opsPerSec' in etcd ? { system: `etcd ${etcd.version}: 3 members, etcd3 (gRPC) client, linearizable reads`, ...etcd } : etcd,
};
const file = join(ROOT, 'bench/out/deploy.json');
mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
console.log(`bench-deploy: wrote ${file}`);
