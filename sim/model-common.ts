// What the two ModelNic runtimes share (sim/model-world.ts: the Raft control plane on ModelNics;
// sim/model-cluster.ts: the cluster runtime chain mode and the KV-over-chain world use): the `Nic` a
// node's host drives (operations posted with the host latency, reads that advance the world), the
// ordered queues of frames in flight, timers and posts, and the network's small pure helpers.
import type { ModelNic } from '../ctrl/nic/model.js';
import { COUNTER_ADDRS, countersOf, type HostFrame, type Nic, type RxFrame, type TxFrame } from '../ctrl/nic/nic.js';
import { Csr, type CounterName } from '../ctrl/wire/wire.gen.js';
import type { SeededRand } from '../ctrl/rand.js';
import type { FaultSpec } from './cluster.js';
import { ByteSlab } from '../ctrl/nic/model/bytes.js';

/** copies of the frames hosts post to their NIC's log (ctrl/nic/model/bytes.ts: no backing store of their own) */
const POSTED_LOG = new ByteSlab();

/** A frame in flight to a NIC's port or a client: due at cycle `at`, ordered by (at, seq). */
export interface Pending { at: number; seq: number; frame: Uint8Array; macError: boolean }
/** A host operation posted to its NIC: applied at cycle `due`, in posting order. */
export interface Post { due: number; seq: number; fn: () => void }
export interface Timer { at: number; seq: number; fn: () => void }

/** The 48-bit destination MAC of a frame, as a number. */
export function macOf(f: Uint8Array): number {
  return ((f[0]! * 256 + f[1]!) * 256 + f[2]!) * 16777216 + ((f[3]! << 16) | (f[4]! << 8) | f[5]!);
}

/** Inserts a frame in flight in (at, seq) order. */
export function insertSorted(q: Pending[], p: Pending): void {
  let i = q.length;
  while (i > 0 && (q[i - 1]!.at > p.at || (q[i - 1]!.at === p.at && q[i - 1]!.seq > p.seq))) i--;
  q.splice(i, 0, p);
}

/** Inserts a timer after every timer due at or before it (timers are few). */
export function insertTimer(timers: Timer[], t: Timer): void {
  let i = timers.length;
  while (i > 0 && timers[i - 1]!.at > t.at) i--;
  timers.splice(i, 0, t);
}

/** Runs the posts of a queue due by `cycle` (the queue is in due order), removing them. */
export function applyDuePosts(q: Post[], cycle: number): void {
  let k = 0;
  while (k < q.length && q[k]!.due <= cycle) k++;
  if (k === 0) return;
  for (const p of q.splice(0, k)) p.fn();
}

/** A partition fault cuts the link src -> dst (one way: from the first group only). */
export function blocks(f: Extract<FaultSpec, { kind: 'partition' }>, src: number, dst: number): boolean {
  let a = -1;
  let b = -1;
  f.groups.forEach((g, i) => {
    if (g.includes(src)) a = i;
    if (g.includes(dst)) b = i;
  });
  if (a < 0 || b < 0 || a === b) return false;
  return f.oneWay ? a === 0 : true;
}

/** The faults that act on one frame on one link (drop, duplicate, delay, corrupt, partition). */
export type LinkFault = Extract<FaultSpec, { kind: 'drop' | 'duplicate' | 'corrupt' | 'delay' | 'partition' }>;

/**
 * What the link faults did to a frame: dropped (by a partition or a drop fault), or its copies, delay and
 * bits; with the duplicate, delay and corrupt faults that acted on it (before a drop, too).
 */
export type LinkOutcome = { duplicated: number; delayed: number; corrupted: number } & (
  | { dropped: 'partition' | 'fault' }
  | { dropped?: undefined; copies: number; extraPs: number; data: Uint8Array; macError: boolean });

/**
 * The link faults' outcomes a world counted (each ModelNic world keeps one and names its own counters
 * from it): the duplicate, delay and corrupt faults that acted, the frames a partition dropped and the
 * frames a drop fault dropped.
 */
export interface LinkTally { duplicated: number; delayed: number; corrupted: number; partition: number; fault: number }

export function newLinkTally(): LinkTally {
  return { duplicated: 0, delayed: 0, corrupted: 0, partition: 0, fault: 0 };
}

/** Counts an outcome of applyLinkFaults in a tally; true when the frame was dropped. */
export function tallyLinkOutcome(t: LinkTally, o: LinkOutcome): o is Extract<LinkOutcome, { dropped: 'partition' | 'fault' }> {
  t.duplicated += o.duplicated;
  t.delayed += o.delayed;
  t.corrupted += o.corrupted;
  if (!o.dropped) return false;
  if (o.dropped === 'partition') t.partition++;
  else t.fault++;
  return true;
}

/** The duplicate, delay and corrupt faults that acted on a frame so far (none: null). */
function faultCounts(o: { duplicated: number; delayed: number; corrupted: number } | null): { duplicated: number; delayed: number; corrupted: number } {
  return { duplicated: o?.duplicated ?? 0, delayed: o?.delayed ?? 0, corrupted: o?.corrupted ?? 0 };
}

/**
 * The link faults active at cycle `now` applied to a frame src -> dst on `plane`, in list order (the
 * ModelNic worlds' network; the C++ fabric's is native/faults.h): a fault with `prob` < 1 acts when a
 * draw from `rand` is below it; a corruption flips one drawn bit of a copy and marks an FCS error.
 * `delayPs` gives a delay fault's delay with its jitter drawn (each world keeps its own draw, so that
 * its seeds replay). Faults of other kinds in `faults` are passed over; `plane` undefined or negative:
 * every plane. null: no fault acted (one copy, no delay, the frame as it is); called for every copy of
 * every frame, so that case allocates nothing.
 */
export function applyLinkFaults(faults: readonly FaultSpec[], now: number, src: number, dst: number, plane: number,
  frame: Uint8Array, rand: SeededRand, delayPs: (f: Extract<FaultSpec, { kind: 'delay' }>) => number): LinkOutcome | null {
  let out: { copies: number; extraPs: number; data: Uint8Array; macError: boolean; duplicated: number; delayed: number; corrupted: number } | null = null;
  for (const f of faults) {
    if (now < f.at || (f.until !== undefined && now >= f.until)) continue;
    if (f.kind === 'partition') {
      if (f.plane !== undefined && f.plane >= 0 && f.plane !== plane) continue;
      if (blocks(f, src, dst)) return { dropped: 'partition', ...faultCounts(out) };
      continue;
    }
    if (f.kind !== 'drop' && f.kind !== 'duplicate' && f.kind !== 'delay' && f.kind !== 'corrupt') continue;
    if (f.plane !== undefined && f.plane >= 0 && f.plane !== plane) continue;
    if (f.from && !f.from.includes(src)) continue;
    if (f.to && !f.to.includes(dst)) continue;
    if (f.prob !== undefined && f.prob < 1 && rand.next() >= f.prob) continue;
    if (f.kind === 'drop') return { dropped: 'fault', ...faultCounts(out) };
    out ??= { copies: 1, extraPs: 0, data: frame, macError: false, duplicated: 0, delayed: 0, corrupted: 0 };
    switch (f.kind) {
      case 'duplicate':
        out.copies = 2;
        out.duplicated++;
        break;
      case 'delay':
        out.extraPs += delayPs(f);
        out.delayed++;
        break;
      case 'corrupt': {
        const c = out.data.slice();
        const bit = rand.int(c.length * 8);
        c[bit >> 3] = c[bit >> 3]! ^ (1 << (bit & 7));
        out.data = c;
        out.macError = true;
        out.corrupted++;
        break;
      }
    }
  }
  return out;
}

/**
 * The `Nic` a node's host drives in a ModelNic runtime: writes, log writes and host frames are posted
 * (the runtime applies them after the host latency); reads wait for what was posted before them, read
 * the ModelNic, and bring the rest of the world to the cycle the read ran the NIC to. The runtime owns
 * time and frames: step, reset, pushRx and pullTx are refused.
 */
export abstract class PostedModelNic implements Nic {
  /** @internal the operations posted and not applied yet */
  posts: Post[] = [];
  abstract readonly planes: number;
  abstract readonly cycle: number;
  /** the ModelNic the node has now */
  abstract get inner(): ModelNic;
  /** posts an operation (the runtime drops it while the node is down) */
  protected abstract post(fn: () => void): void;
  /** runs the world until every operation posted so far reached the NIC */
  protected abstract waitPosted(): void;
  /** brings the world to the cycle a read ran the NIC to */
  protected abstract catchUp(): void;
  /** whether a read reaches the NIC (false: the node is down, reads give zeros) */
  protected readable(): boolean { return true; }
  /** the class name in error messages */
  protected abstract readonly what: string;

  reset(): void { throw new Error(`${this.what}.reset: a runtime's NIC resets only by a crash`); }
  step(_cycles: number): void { throw new Error(`${this.what}.step: the runtime owns time (use the host's timers)`); }
  readCsr(addr: number): number { return this.readCsrs([addr])[0]!; }
  readCsrs(addrs: readonly number[]): number[] {
    this.waitPosted();
    if (!this.readable()) return addrs.map(() => 0);
    const v = this.inner.readCsrs(addrs);
    this.catchUp();
    return v;
  }
  writeCsr(addr: number, value: number): void {
    this.post(() => this.inner.writeCsr(addr, value));
  }
  readCounters(): Record<CounterName, bigint> {
    return countersOf(this.readCsrs(COUNTER_ADDRS));
  }
  clearCounters(): void { this.post(() => this.inner.writeCsr(Csr.COUNTERS_CTR_CLEAR, 1)); }
  abstract sendHost(frames: Uint8Array | readonly Uint8Array[]): void;
  abstract pollHost(): HostFrame[];
  logRead(index: number): Uint8Array { return this.logReadMany([index])[0]!; }
  logReadMany(indices: readonly number[]): Uint8Array[] {
    this.waitPosted();
    if (!this.readable()) return indices.map(() => new Uint8Array(0));
    const out = indices.map((i) => this.inner.logRead(i));
    this.catchUp();
    return out;
  }
  logWrite(index: number, frame: Uint8Array): void {
    const copy = POSTED_LOG.copy(frame);
    this.post(() => this.inner.logWrite(index, copy));
  }
  flush(): void {
    this.waitPosted();
    if (!this.readable()) return;
    this.inner.flush();
    this.catchUp();
  }
  pushRx(_plane: number, _frames: ReadonlyArray<Uint8Array | RxFrame>): void {
    throw new Error(`${this.what}.pushRx: frames reach a runtime's NIC through the network`);
  }
  pullTx(_plane: number): TxFrame[] {
    throw new Error(`${this.what}.pullTx: frames leave a runtime's NIC through the network`);
  }
  close(): void { /* owned by the runtime */ }
}
