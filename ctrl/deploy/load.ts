// The load generator (`nicraft load`): closed-loop KV clients over UDP, each one operation at a
// time, recording a Jepsen-style history (HistoryRecorder, checkable with `nicraft check`) and
// latency histograms (hdr-histogram-js).
//
// Workload: `keys` contended keys <prefix>k0..<prefix>k{keys-1}; a share `readShare` of gets; the writes are, with
// mix 'mixed', put 50%, cas 20% (expecting the value the client last saw), append 20%, delete
// 10%; with mix 'put', puts only. Appends go to per-client keys a<client>.<n> (a new key every 8
// appends, so values stay under the NIC's 256-byte payload), and every acknowledged append is
// remembered: `verifyAppends` checks they are all present later (after restarts).
//
// Every run names its keys with a fresh prefix (`l<time><random>.`, or --key-prefix), so that the
// history of one run starts from absent keys and checks as linearizable on a cluster that already
// holds data (earlier runs, `nicraft kv put k1 hello`). Clients draw from SeededRand streams forked
// from one seed that the run reports (--seed replays the same choices; timing still varies).
import * as hdr from 'hdr-histogram-js';
import type { Outcome } from '../app/client.js';
import type { KvCommand } from '../app/kv.js';
import { PUT_OVERHEAD_BYTES, Status } from '../app/kv.js';
import { HistoryRecorder, type JsonHistory, type JsonValue } from '../app/history.js';
import type { ClientPool, PoolClient } from './udp-client.js';
import { SeededRand } from '../rand.js';

export interface LoadOptions {
  clients: number;
  durationS: number;
  keys: number;
  readShare: number;
  mix: 'mixed' | 'put';
  /** bytes of each put/cas value (the unique prefix is padded); at most 200 */
  valueBytes: number;
  /** operations completed in the first warmupS seconds count in the history, not in the figures */
  warmupS: number;
  /** the choices of every client come from this seed (default: drawn, and reported) */
  seed?: number;
  /** called about once a second */
  onSecond?: (s: { second: number; ops: number; ok: number; indeterminate: number }) => void;
  /** called with the latency (us) of every completed operation in the measured window */
  onLatency?: (us: number, op: string) => void;
}

export const DEFAULT_LOAD: LoadOptions = { clients: 8, durationS: 10, keys: 8, readShare: 0.5, mix: 'mixed', valueBytes: 16, warmupS: 0 };

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  clients: number;
  durationS: number;
  /** the seed of the clients' choices (--seed replays them) */
  seed: number;
  /** the prefix of every key of the run */
  keyPrefix: string;
  /** completed with a reply (ok, or cas compare failed) / failed (certainly not executed) / indeterminate */
  ops: { total: number; completed: number; failed: number; indeterminate: number };
  /** completed operations per second in the measured window */
  opsPerSec: number;
  /** latency of completed operations, microseconds */
  latencyUs: LatencySummary;
  byOp: Record<string, LatencySummary>;
  /** completed gets by who answered: the leader, or a replica under its read lease (readFrom 'any') */
  readPaths: { leader: number; replica: number };
}

const te = new TextEncoder();
const td = new TextDecoder();

function newHist(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

function summary(h: hdr.Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    count: h.totalCount, p50: h.getValueAtPercentile(50), p90: h.getValueAtPercentile(90), p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9), max: h.maxValue, mean: Math.round(h.mean),
  };
}

/** A prefix no earlier run used: the time in ms and 24 random bits, base 36. */
export function freshKeyPrefix(): string {
  return `l${Date.now().toString(36)}${Math.floor(Math.random() * 0x1000000).toString(36)}.`;
}

/** The history and the acknowledged appends of one or more load runs (and their final reads). */
export class Workload {
  /** Prefix of every key this workload touches (fresh per workload unless given). */
  readonly keyPrefix: string;
  constructor(keyPrefix?: string) {
    this.keyPrefix = keyPrefix ?? freshKeyPrefix();
  }
  /** The name of contended key k. */
  key(k: number): string {
    return `${this.keyPrefix}k${k}`;
  }
  readonly recorder = new HistoryRecorder({ model: 'kv' });
  /** append key -> the appended tokens acknowledged, in order */
  readonly ackedAppends = new Map<string, string[]>();
  /** append keys that got any append attempt (acknowledged or not) */
  readonly appendKeys = new Set<string>();
  private counter = 0;
  outcomes = { ok: 0, fail: 0, indeterminate: 0 };

  history(): JsonHistory {
    return this.recorder.toHistory();
  }
  historyJson(): string {
    return this.recorder.toJSON();
  }
  nextValue(client: number, bytes: number): string {
    const v = `${client}.${++this.counter}`;
    return v.length >= bytes ? v : v + '.'.repeat(bytes - v.length);
  }

  /** Runs one command, recording it. Returns the outcome. */
  async run(c: PoolClient, process: number, cmd: KvCommand): Promise<Outcome> {
    const rec = this.recorder;
    let id: number;
    let expect: JsonValue | undefined;
    switch (cmd.op) {
      case 'get': id = rec.invoke(process, { op: 'get', key: cmd.key }); break;
      case 'put': id = rec.invoke(process, { op: 'put', key: cmd.key, value: td.decode(cmd.value) }); break;
      case 'append': id = rec.invoke(process, { op: 'append', key: cmd.key, value: td.decode(cmd.value) }); this.appendKeys.add(cmd.key); break;
      case 'delete': id = rec.invoke(process, { op: 'delete', key: cmd.key }); break;
      case 'cas':
        expect = cmd.expected === null ? null : td.decode(cmd.expected);
        id = rec.invoke(process, { op: 'cas', key: cmd.key, value: [expect, td.decode(cmd.value)] });
        break;
    }
    const o = await c.invoke(cmd);
    if (o.kind === 'ok') {
      const st = o.reply.status;
      if (st === Status.STALE) { rec.info(id); this.outcomes.indeterminate++; return o; }
      this.outcomes.ok++;
      if (cmd.op === 'get') rec.ok(id, st === Status.OK && o.reply.value ? td.decode(o.reply.value) : null);
      else if (cmd.op === 'cas' && st !== Status.OK) rec.fail(id);
      else {
        rec.ok(id);
        if (cmd.op === 'append') {
          const l = this.ackedAppends.get(cmd.key) ?? [];
          l.push(td.decode(cmd.value));
          this.ackedAppends.set(cmd.key, l);
        }
      }
    } else if (o.kind === 'failed') {
      this.outcomes.fail++;
      // certainly not executed; a cas recorded as 'fail' would claim "compare failed"
      if (cmd.op === 'cas') rec.info(id);
      else rec.fail(id);
    } else {
      this.outcomes.indeterminate++;
      rec.info(id);
    }
    return o;
  }
}

/** Runs the closed-loop load for opts.durationS seconds over `pool`. */
export async function runLoad(pool: ClientPool, opts: Partial<LoadOptions> = {}, w = new Workload()): Promise<LoadResult> {
  const o: LoadOptions = { ...DEFAULT_LOAD, ...opts };
  const maxValue = pool.maxPayloadBytes - PUT_OVERHEAD_BYTES;
  if (o.valueBytes > maxValue) throw new RangeError(`valueBytes: at most ${maxValue} (a value must fit the NICs' ${pool.maxPayloadBytes}-byte payload: nic.maxPayloadBytes)`);
  const seed = o.seed ?? Math.floor(Math.random() * 0x100000000);
  const root = new SeededRand(seed);
  const all = newHist();
  const byOp = new Map<string, hdr.Histogram>();
  const t0 = performance.now();
  const measureFrom = t0 + o.warmupS * 1000;
  const end = t0 + (o.warmupS + o.durationS) * 1000;
  let measured = 0;
  let second = 0;
  let secOps = 0;
  let secOk = 0;
  let secInd = 0;
  const counts = { total: 0, completed: 0, failed: 0, indeterminate: 0 };
  const readPaths = { leader: 0, replica: 0 };
  const ticker = setInterval(() => {
    o.onSecond?.({ second: ++second, ops: secOps, ok: secOk, indeterminate: secInd });
    secOps = secOk = secInd = 0;
  }, 1000);

  const worker = async (k: number): Promise<void> => {
    const c = pool.client();
    const seen = new Map<string, string | null>();
    let appendKey = '';
    let appendsOnKey = 8;
    let appendN = 0;
    const r = root.fork(k);
    const rand = (): number => r.next();
    try {
      while (performance.now() < end) {
        const key = w.key(Math.floor(rand() * o.keys));
        const x = rand();
        let cmd: KvCommand;
        let kind: string;
        if (x < o.readShare) { cmd = { op: 'get', key }; kind = 'get'; }
        else {
          const y = o.mix === 'put' ? 0 : (x - o.readShare) / (1 - o.readShare);
          if (y < 0.5) {
            const v = w.nextValue(c.id, o.valueBytes);
            cmd = { op: 'put', key, value: te.encode(v) }; kind = 'put';
          } else if (y < 0.7) {
            const exp = seen.get(key) ?? null;
            const v = w.nextValue(c.id, o.valueBytes);
            cmd = { op: 'cas', key, expected: exp === null ? null : te.encode(exp), value: te.encode(v) }; kind = 'cas';
          } else if (y < 0.9) {
            if (appendsOnKey >= 8) { appendKey = `${w.keyPrefix}a${c.id}.${appendN++}`; appendsOnKey = 0; }
            appendsOnKey++;
            cmd = { op: 'append', key: appendKey, value: te.encode(`${w.nextValue(c.id, 0)};`) }; kind = 'append';
          } else { cmd = { op: 'delete', key }; kind = 'delete'; }
        }
        const start = performance.now();
        const out = await w.run(c, c.id, cmd);
        const now = performance.now();
        counts.total++;
        secOps++;
        if (out.kind === 'ok') {
          counts.completed++;
          secOk++;
          if (cmd.op === 'get' && out.path !== 'follower') readPaths[out.path]++;
          if (cmd.op === 'get') seen.set(key, out.reply.status === Status.OK && out.reply.value ? td.decode(out.reply.value) : null);
          else if (cmd.op === 'put') seen.set(key, td.decode(cmd.value));
          else if (cmd.op === 'cas') seen.set(key, out.reply.status === Status.OK ? td.decode(cmd.value) : out.reply.value ? td.decode(out.reply.value) : null);
          else if (cmd.op === 'delete') seen.set(key, null);
          if (start >= measureFrom && now <= end) {
            measured++;
            const us = Math.max(1, Math.round((now - start) * 1000));
            all.recordValue(us);
            let h = byOp.get(kind);
            if (!h) byOp.set(kind, (h = newHist()));
            h.recordValue(us);
            o.onLatency?.(us, kind);
          }
        } else if (out.kind === 'failed') counts.failed++;
        else { counts.indeterminate++; secInd++; }
      }
    } finally {
      c.close();
    }
  };
  await Promise.all(Array.from({ length: o.clients }, (_, k) => worker(k)));
  clearInterval(ticker);
  const windowS = Math.max(1e-3, (Math.min(performance.now(), end) - measureFrom) / 1000);
  return {
    clients: o.clients,
    durationS: o.durationS,
    seed,
    keyPrefix: w.keyPrefix,
    ops: counts,
    opsPerSec: measured / windowS,
    latencyUs: summary(all),
    byOp: Object.fromEntries([...byOp.entries()].map(([k, h]) => [k, summary(h)])),
    readPaths,
  };
}

/** Reads every key the workload touched once (recorded): lost writes show up in the check. */
export async function finalReads(pool: ClientPool, w: Workload, keys: number): Promise<{ ok: number; notOk: number }> {
  const c = pool.client();
  let ok = 0;
  let notOk = 0;
  const all = [...Array.from({ length: keys }, (_, k) => w.key(k)), ...[...w.appendKeys].sort()];
  try {
    for (const key of all) {
      const out = await w.run(c, c.id, { op: 'get', key });
      if (out.kind === 'ok') ok++;
      else notOk++;
    }
  } finally {
    c.close();
  }
  return { ok, notOk };
}

/**
 * Every acknowledged append must be in its key's value, in the order acknowledged; returns the
 * problems found (empty: all present). Reads through `pool` (recorded too).
 */
export async function verifyAppends(pool: ClientPool, w: Workload): Promise<string[]> {
  const c = pool.client();
  const problems: string[] = [];
  try {
    for (const [key, tokens] of w.ackedAppends) {
      const out = await w.run(c, c.id, { op: 'get', key });
      if (out.kind !== 'ok') { problems.push(`${key}: read ${out.kind}`); continue; }
      const v = out.reply.value ? td.decode(out.reply.value) : '';
      let at = 0;
      for (const t of tokens) {
        const i = v.indexOf(t, at);
        if (i < 0) { problems.push(`${key}: acknowledged append ${JSON.stringify(t)} missing (value ${JSON.stringify(v)})`); break; }
        at = i + t.length;
      }
    }
  } finally {
    c.close();
  }
  return problems;
}

export function formatLoad(r: LoadResult): string {
  const l = r.latencyUs;
  const lines = [
    `load: ${r.clients} clients, ${r.durationS} s: ${r.ops.total} ops (${r.ops.completed} completed, ${r.ops.failed} failed, ${r.ops.indeterminate} indeterminate)`,
    `  keys        ${r.keyPrefix}*   seed ${r.seed} (--seed ${r.seed} --key-prefix ${r.keyPrefix} to replay the choices)`,
    `  throughput  ${r.opsPerSec.toFixed(0)} ops/s`,
    `  latency     p50 ${l.p50} us   p90 ${l.p90} us   p99 ${l.p99} us   p99.9 ${l.p999} us   max ${l.max} us   (${l.count} samples)`,
  ];
  for (const [k, s] of Object.entries(r.byOp)) lines.push(`    ${k.padEnd(7)} ${String(s.count).padStart(7)} ops   p50 ${s.p50} us   p99 ${s.p99} us`);
  if (r.readPaths.leader + r.readPaths.replica > 0) lines.push(`  gets        ${r.readPaths.leader} answered by the leader, ${r.readPaths.replica} by a replica under its read lease`);
  return lines.join('\n');
}
