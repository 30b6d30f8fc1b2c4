// Porcupine-style linearizability checking: Wing & Gong's search over a doubly linked list of
// call/return events, with Lowe's memoisation of (linearized set, model state), and
// P-compositionality (each partition of the history is checked on its own). See docs/checker.md.
//
// The search of one partition is a resumable object (PartitionSearch): a scheduler gives every
// partition time slices in turn, so one hard key cannot starve the others, and stops at the first
// violation. This file schedules on one thread; pool.ts runs the same searches on worker threads.
import { freemem, totalmem } from 'node:os';
import { SeededRand } from '../../ctrl/rand.js';
import type { Model } from './models.js';
import type { Operation } from './types.js';

export type Verdict = 'linearizable' | 'not linearizable' | 'unknown';

export interface FrontierOp {
  op: Operation;
  /** Why it cannot be placed after the longest prefix. */
  reason: string;
  /** True when the model itself rejects it in the prefix's final state. */
  rejected: boolean;
}

/** One step of a linearization: the operation and the model state before and after it. */
export interface LinStep {
  op: Operation;
  before: string;
  after: string;
}

export interface PartitionReport {
  key: string;
  verdict: Verdict;
  ops: Operation[];
  /** Longest linearizable prefix found, in linearization order. */
  prefix: Operation[];
  /** The prefix with the state before and after each operation. */
  steps: LinStep[];
  /** Model state before the first operation, printed. */
  initialState: string;
  /** Model state after the prefix, printed. */
  stateAfterPrefix: string;
  /** Operations that could come next in real time, none of which can be placed. */
  frontier: FrontierOp[];
}

export interface CheckResult {
  verdict: Verdict;
  /** Number of partitions and how many were searched (search stops at the first violation). */
  partitions: number;
  searched: number;
  /** The first non-linearizable partition (or, for unknown, one that ran out of time). */
  failing?: PartitionReport;
  /** Partitions still open when the time limit was reached (unknown verdicts only). */
  unfinished?: string[];
  elapsedMs: number;
  /** Search steps taken, over all partitions. */
  steps: number;
  /** Cache generations dropped (evictions) over all partitions. */
  evictions: number;
  /** Threads that searched (1: this thread only; more: worker threads joined). */
  threads?: number;
  /** Anything that went wrong on the way (a worker that stopped). */
  note?: string;
}

/** Progress of a running check (for a progress bar). */
export interface CheckProgress {
  partitions: number;
  done: number;
  steps: number;
  elapsedMs: number;
}

export interface CheckOptions {
  /** Time limit for the whole call; the search stops cooperatively and answers unknown. */
  timeoutMs?: number;
  /** Absolute deadline in performance.now() terms (overrides timeoutMs). */
  deadline?: number;
  /** Memory for the search caches, bytes, over all partitions (default: defaultCacheBytes()). */
  cacheBytes?: number;
  /** Called now and then while the check runs. */
  onProgress?: (p: CheckProgress) => void;
}

const MiB = 1024 * 1024;

/**
 * Default memory for the search caches: a quarter of the machine's memory or half of what is free,
 * whichever is less, at least 64 MiB. (`nicraft check --cache-mb` overrides it.)
 */
export function defaultCacheBytes(): number {
  return Math.max(64 * MiB, Math.floor(Math.min(totalmem() / 4, freemem() / 2)));
}

/** Shared account of the bytes the caches of one check hold. */
export class CacheBudget {
  used = 0;
  constructor(readonly limit: number) {}
}

/** Largest number of entries one cache table may hold (typed-array limits). */
const MAX_TABLE_ENTRIES = 1 << 28;

/**
 * One generation of Lowe's cache: an open hash table with chaining, all in typed arrays. An entry
 * is (hash, state id, bitset of linearized operations).
 */
class Table {
  heads: Int32Array;
  mask: number;
  link: Int32Array;
  hashes: Int32Array;
  sids: Int32Array;
  pool: Uint32Array;
  count = 0;

  constructor(
    readonly words: number,
    capacity: number,
  ) {
    // Chained buckets: a power of two of them, between capacity/2 and capacity (load 1 to 2).
    let buckets = 1;
    while (buckets * 2 <= capacity) buckets *= 2;
    this.heads = new Int32Array(buckets).fill(-1);
    this.mask = buckets - 1;
    this.link = new Int32Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.sids = new Int32Array(capacity);
    this.pool = new Uint32Array(capacity * words);
  }

  get capacity(): number {
    return this.link.length;
  }

  static bytesPerEntry(words: number): number {
    return 16 + 4 * words;
  }

  bytes(): number {
    return this.capacity * Table.bytesPerEntry(this.words);
  }

  find(hash: number, sid: number, bits: Uint32Array): number {
    const words = this.words;
    const pool = this.pool;
    for (let i = this.heads[hash & this.mask]!; i !== -1; i = this.link[i]!) {
      if (this.hashes[i] !== hash || this.sids[i] !== sid) continue;
      const base = i * words;
      let w = 0;
      while (w < words && pool[base + w] === bits[w]) w++;
      if (w === words) return i;
    }
    return -1;
  }

  /** Adds an entry (the caller checked it is absent and that there is room). */
  insert(hash: number, sid: number, from: Uint32Array, fromBase: number): void {
    const i = this.count++;
    const words = this.words;
    for (let w = 0; w < words; w++) this.pool[i * words + w] = from[fromBase + w]!;
    this.hashes[i] = hash;
    this.sids[i] = sid;
    const b = hash & this.mask;
    this.link[i] = this.heads[b]!;
    this.heads[b] = i;
  }

  grow(capacity: number): void {
    const old = this;
    const t = new Table(this.words, capacity);
    t.hashes.set(old.hashes.subarray(0, old.count));
    t.sids.set(old.sids.subarray(0, old.count));
    t.pool.set(old.pool.subarray(0, old.count * old.words));
    for (let i = 0; i < old.count; i++) {
      const b = t.hashes[i]! & t.mask;
      t.link[i] = t.heads[b]!;
      t.heads[b] = i;
    }
    t.count = old.count;
    this.heads = t.heads;
    this.mask = t.mask;
    this.link = t.link;
    this.hashes = t.hashes;
    this.sids = t.sids;
    this.pool = t.pool;
  }

  clear(): void {
    this.heads.fill(-1);
    this.count = 0;
  }
}

/**
 * Lowe's cache of visited (linearized set, state) pairs, bounded by a memory budget. Two
 * generations: new entries go to the young table; a hit in the old table is copied to the young
 * one (so what the search keeps revisiting survives); when the budget is reached the old
 * generation is dropped and the young one becomes old. The cache only prunes repeats: whatever
 * it forgets, the search stays exact (it may explore a configuration again).
 *
 * States are interned to small integers (one table entry holds no object); the intern table is
 * rebuilt from the surviving generation when a generation is dropped.
 */
export class VisitedCache<S> {
  private young: Table;
  private old: Table;
  private interned = new Map<number, number[]>();
  /** Primitive states (strings, numbers, null) are interned by value. */
  private readonly primitive: Map<S, number> | undefined;
  private stateOf: S[] = [];
  private hashOf: number[] = [];
  private readonly maxEntries: number;
  private charged = 0;
  evictions = 0;

  constructor(
    private readonly words: number,
    private readonly hashState: (s: S) => number,
    private readonly equal: (a: S, b: S) => boolean,
    private readonly budget: CacheBudget,
    primitiveStates = false,
  ) {
    if (primitiveStates) this.primitive = new Map();
    const per = Table.bytesPerEntry(words);
    // Two generations, each of at most half the budget.
    this.maxEntries = Math.max(1 << 12, Math.min(Math.floor(budget.limit / 2 / per), MAX_TABLE_ENTRIES, Math.floor((2 ** 32 - 1) / words)));
    this.young = new Table(words, 1 << 10);
    this.old = new Table(words, 1 << 4);
    this.charge();
  }

  private charge(): void {
    const now = this.young.bytes() + this.old.bytes() + this.stateOf.length * 48;
    this.budget.used += now - this.charged;
    this.charged = now;
  }

  /** Gives back this cache's memory (the search is over). */
  release(): void {
    this.budget.used -= this.charged;
    this.charged = 0;
    this.young = new Table(this.words, 1);
    this.old = new Table(this.words, 1);
    this.interned.clear();
    this.primitive?.clear();
    this.stateOf = [];
    this.hashOf = [];
  }

  /** Interns a state: its id (and its hash in hashOf). */
  private intern(s: S): number {
    if (this.primitive) {
      let id = this.primitive.get(s);
      if (id === undefined) {
        id = this.stateOf.length;
        this.stateOf.push(s);
        this.hashOf.push(this.hashState(s));
        this.primitive.set(s, id);
      }
      return id;
    }
    const h = this.hashState(s);
    let bucket = this.interned.get(h);
    if (bucket) {
      for (const id of bucket) if (this.equal(this.stateOf[id]!, s)) return id;
    } else this.interned.set(h, (bucket = []));
    const id = this.stateOf.length;
    this.stateOf.push(s);
    this.hashOf.push(h);
    bucket.push(id);
    return id;
  }

  /** Adds (bits, state) unless present; returns true when it was new. */
  add(bitsHash: number, bits: Uint32Array, state: S): boolean {
    if (this.young.count === this.young.capacity) this.room(); // renumbers states: first
    const sid = this.intern(state);
    const sh = this.hashOf[sid]!;
    const hash = bitsHash ^ Math.imul(sh ^ (sh >>> 15), 0x85ebca6b);
    const young = this.young;
    if (young.find(hash, sid, bits) !== -1) return false;
    const seen = this.old.count > 0 && this.old.find(hash, sid, bits) !== -1;
    young.insert(hash, sid, bits, 0); // new, or promoted from the old generation
    return !seen;
  }

  /** Makes room for one entry in the young table: grow it, or drop the old generation. */
  private room(): void {
    const y = this.young;
    if (y.count < y.capacity) return;
    const per = Table.bytesPerEntry(this.words);
    const affordable = y.capacity + Math.floor((this.budget.limit - this.budget.used) / per);
    const cap = Math.min(this.maxEntries, y.capacity * 2, affordable);
    if (cap >= y.capacity + 1024) {
      y.grow(cap);
      this.charge();
      return;
    }
    // Full and no room to grow: drop the old generation; the young one becomes old.
    const dropped = this.old;
    this.old = y;
    dropped.clear();
    this.young = dropped.capacity >= 1 << 10 ? dropped : new Table(this.words, 1 << 10);
    this.evictions++;
    this.reintern();
    this.charge();
  }

  /** Keeps only the interned states the surviving generation refers to (renumbered). */
  private reintern(): void {
    const t = this.old;
    const map = new Int32Array(this.stateOf.length).fill(-1);
    const states: S[] = [];
    const hashes: number[] = [];
    this.interned.clear();
    this.primitive?.clear();
    for (let i = 0; i < t.count; i++) {
      const sid = t.sids[i]!;
      let n = map[sid]!;
      if (n === -1) {
        n = map[sid] = states.length;
        states.push(this.stateOf[sid]!);
        hashes.push(this.hashOf[sid]!);
        if (this.primitive) this.primitive.set(this.stateOf[sid]!, n);
        else {
          let bucket = this.interned.get(this.hashOf[sid]!);
          if (!bucket) this.interned.set(this.hashOf[sid]!, (bucket = []));
          bucket.push(n);
        }
      }
      t.sids[i] = n;
    }
    this.stateOf = states;
    this.hashOf = hashes;
  }
}

/** Zobrist keys from the project's seeded generator (ctrl/rand.ts). */
function zobrist(n: number, seed: number): Int32Array {
  const z = new Int32Array(n);
  const r = new SeededRand(seed);
  for (let i = 0; i < n; i++) z[i] = r.uint32() | 0;
  return z;
}

/**
 * Event order: by time; at equal times calls come before returns, so two operations whose
 * intervals only touch (one returns at t, the other is invoked at t) count as concurrent.
 * Timestamps cannot tell which happened first, so the checker assumes nothing (Porcupine does
 * the same). Ties among calls or among returns keep history order.
 */
function sortEvents(ops: Operation[]): Int32Array {
  const n = ops.length;
  const ev = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) ev[i] = i;
  const time = (e: number): number => (e & 1 ? ops[e >> 1]!.ret : ops[e >> 1]!.call);
  ev.sort((a, b) => {
    const ta = time(a);
    const tb = time(b);
    if (ta !== tb) return ta < tb ? -1 : 1;
    const ka = a & 1;
    const kb = b & 1;
    if (ka !== kb) return ka - kb; // call (0) first
    return a - b;
  });
  return ev;
}

/** The clock is read every this many steps. */
export const CHECK_EVERY = 1024;

export type SearchStatus = 'linearizable' | 'not linearizable' | 'paused';

/**
 * The search of one partition, resumable: `run` works until it has a verdict, the deadline
 * passes, `maxSteps` more steps were taken or `stop()` says so, and can be called again.
 */
export class PartitionSearch<S> {
  readonly n: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly bits: Uint32Array;
  private readonly z1: Int32Array;
  private h1 = 0;
  private cache: VisitedCache<S> | undefined;
  private readonly stackOp: Int32Array;
  private stackState: S[];
  private top = 0;
  private state: S;
  private entry: number;
  /** Local indices of the longest linearizable prefix seen, in order. */
  best: number[] = [];
  steps = 0;
  status: SearchStatus = 'paused';
  /**
   * With recordPartial: for each operation, the longest partial linearization found that
   * contains it (local indices, in order), as Porcupine's visualisation shows them.
   */
  readonly partialOf: Array<number[] | undefined> | undefined;
  private readonly partialLen: Int32Array | undefined;

  constructor(
    private readonly model: Model<S>,
    readonly ops: Operation[],
    readonly key: string,
    budget: CacheBudget,
    recordPartial = false,
  ) {
    const n = (this.n = ops.length);
    if (recordPartial) {
      this.partialOf = new Array<number[] | undefined>(n);
      this.partialLen = new Int32Array(n);
    }
    // Nodes: call of op k = 2k, its return = 2k+1, head = 2n. -1 = none.
    const head = 2 * n;
    this.next = new Int32Array(2 * n + 1).fill(-1);
    this.prev = new Int32Array(2 * n + 1).fill(-1);
    const order = sortEvents(ops);
    let last = head;
    for (let i = 0; i < order.length; i++) {
      const e = order[i]!;
      this.next[last] = e;
      this.prev[e] = last;
      last = e;
    }
    const words = (n + 31) >>> 5;
    this.bits = new Uint32Array(words);
    this.z1 = zobrist(n, 0x2545f491);
    this.stackOp = new Int32Array(n);
    this.stackState = new Array<S>(n);
    this.state = model.init(key);
    this.entry = this.next[head]!;
    if (n === 0) this.status = 'linearizable';
    else this.cache = new VisitedCache<S>(words, model.hash, model.equal, budget, model.primitiveStates === true);
  }

  get evictions(): number {
    return this.cache?.evictions ?? 0;
  }

  /** Length of the longest linearizable prefix so far. */
  get depth(): number {
    return this.best.length;
  }

  run(deadline: number, maxSteps = Infinity, stop?: () => boolean): SearchStatus {
    if (this.status !== 'paused') return this.status;
    const model = this.model;
    const ops = this.ops;
    const next = this.next;
    const prev = this.prev;
    const bits = this.bits;
    const z1 = this.z1;
    const cache = this.cache!;
    const stackOp = this.stackOp;
    const stackState = this.stackState;
    const head = 2 * this.n;
    let { h1, top, state, entry, steps } = this;
    const stepLimit = steps + maxSteps;
    let status: SearchStatus = 'paused';

    while (next[head] !== -1) {
      if (++steps % CHECK_EVERY === 0 && (performance.now() > deadline || steps >= stepLimit || stop?.())) break;
      if ((entry & 1) === 0) {
        // A call: try to linearize this operation now.
        const k = entry >> 1;
        const ns = model.step(state, ops[k]!);
        if (ns !== undefined) {
          const w = k >>> 5;
          const m = 1 << (k & 31);
          bits[w]! |= m;
          const nh1 = h1 ^ z1[k]!;
          if (cache.add(nh1, bits, ns)) {
            stackOp[top] = k;
            stackState[top] = state;
            top++;
            if (top > this.best.length) this.best = Array.from(stackOp.subarray(0, top));
            if (this.partialLen) this.recordPartial(top);
            state = ns;
            h1 = nh1;
            // lift: unlink the call and its return
            const r = entry + 1;
            next[prev[entry]!] = next[entry]!;
            prev[next[entry]!] = prev[entry]!;
            next[prev[r]!] = next[r]!;
            if (next[r] !== -1) prev[next[r]!] = prev[r]!;
            entry = next[head]!;
            continue;
          }
          bits[w]! &= ~m;
        }
        entry = next[entry]!;
      } else {
        // A return before every pending operation was placed: backtrack.
        if (top === 0) {
          status = 'not linearizable';
          break;
        }
        top--;
        const k = stackOp[top]!;
        state = stackState[top]!;
        stackState[top] = undefined as S;
        bits[k >>> 5]! &= ~(1 << (k & 31));
        h1 ^= z1[k]!;
        // unlift: relink the return, then the call (reverse order of lift)
        const c = 2 * k;
        const r = c + 1;
        next[prev[r]!] = r;
        if (next[r] !== -1) prev[next[r]!] = r;
        next[prev[c]!] = c;
        prev[next[c]!] = c;
        entry = next[c]!;
      }
    }
    if (next[head] === -1 && status === 'paused') {
      status = 'linearizable';
      this.best = Array.from(stackOp.subarray(0, top));
    }
    Object.assign(this, { h1, top, state, entry, steps });
    this.status = status;
    if (status !== 'paused') this.release();
    return status;
  }

  private recordPartial(top: number): void {
    const len = this.partialLen!;
    let copy: number[] | undefined;
    for (let i = 0; i < top; i++) {
      const k = this.stackOp[i]!;
      if (len[k]! < top) {
        copy ??= Array.from(this.stackOp.subarray(0, top));
        this.partialOf![k] = copy;
        len[k] = top;
      }
    }
  }

  /** Frees the cache and the stack (after a verdict, or when the search is abandoned). */
  release(): void {
    this.cache?.release();
    this.stackState = [];
  }
}

/** Replays a linearization and finds the operations that could come next in real time. */
export function explain<S>(
  model: Model<S>,
  ops: Operation[],
  key: string,
  best: number[],
  verdict: Verdict,
): PartitionReport {
  const init = model.init(key);
  let state = init;
  const placed = new Uint8Array(ops.length);
  const steps: LinStep[] = [];
  for (const k of best) {
    const ns = model.step(state, ops[k]!);
    if (ns === undefined) break; // cannot happen: the prefix was found by the search
    steps.push({ op: ops[k]!, before: model.describeState(state), after: model.describeState(ns) });
    state = ns;
    placed[k] = 1;
  }
  const frontier: FrontierOp[] = [];
  if (verdict !== 'linearizable') {
    let minRet = Infinity;
    for (let k = 0; k < ops.length; k++) if (!placed[k] && ops[k]!.ret < minRet) minRet = ops[k]!.ret;
    for (let k = 0; k < ops.length; k++) {
      const op = ops[k]!;
      if (placed[k] || op.call > minRet) continue;
      const rejected = model.step(state, op) === undefined;
      frontier.push({
        op,
        rejected,
        reason: rejected ? model.whyNot(state, op) : 'every continuation after it fails',
      });
    }
    // Show the operations the model rejects first.
    frontier.sort((a, b) => Number(b.rejected) - Number(a.rejected) || a.op.call - b.op.call);
  }
  return {
    key,
    verdict,
    ops,
    prefix: steps.map((s) => s.op),
    steps,
    initialState: model.describeState(init),
    stateAfterPrefix: model.describeState(state),
    frontier,
  };
}

/** Partitions with their keys. */
export function partitions<S>(model: Model<S>, ops: Operation[]): Array<{ key: string; ops: Operation[] }> {
  return model.partition(ops).map((p) => ({ key: p[0]?.key ?? '', ops: p }));
}

/** First time slice of each partition, ms; later rounds double it (up to MAX_SLICE_MS). */
export const FIRST_SLICE_MS = 20;
const MAX_SLICE_MS = 500;

interface Part {
  key: string;
  ops: Operation[];
}

/**
 * The partitions of one history searched in turns on this thread: each call of `step` runs one
 * time slice of the next open partition (a search is created on its first turn); slices double
 * after each full round. Every open partition gets the same share of time, so none starves.
 */
export class RoundRobin<S> {
  /** Open partitions, in turn order (not yet started ones are plain parts). */
  readonly open: Array<PartitionSearch<S> | Part> = [];
  steps = 0;
  evictions = 0;
  searched = 0;
  done = 0;
  violation: PartitionSearch<S> | undefined;
  private slice = FIRST_SLICE_MS;
  private leftInRound: number;

  constructor(
    private readonly model: Model<S>,
    parts: Part[],
    private readonly budget: CacheBudget,
  ) {
    this.open.push(...parts);
    this.leftInRound = parts.length;
  }

  /** Runs one slice; 'violation' (see .violation), 'open' (more to do) or 'empty' (all linearizable). */
  step(deadline: number, maxSliceMs = Infinity): 'violation' | 'open' | 'empty' {
    const o = this.open.shift();
    if (!o) return 'empty';
    let s: PartitionSearch<S>;
    if (o instanceof PartitionSearch) s = o;
    else {
      s = new PartitionSearch(this.model, o.ops, o.key, this.budget);
      this.searched++;
    }
    const before = s.steps;
    const ev = s.evictions;
    const status = s.run(Math.min(deadline, performance.now() + Math.min(this.slice, maxSliceMs)));
    this.steps += s.steps - before;
    this.evictions += s.evictions - ev;
    if (--this.leftInRound <= 0) {
      this.slice = Math.min(MAX_SLICE_MS, this.slice * 2);
      this.leftInRound = this.open.length + (status === 'paused' ? 1 : 0);
    }
    if (status === 'not linearizable') {
      this.violation = s;
      return 'violation';
    }
    if (status === 'linearizable') this.done++;
    else this.open.push(s);
    return this.open.length === 0 ? 'empty' : 'open';
  }

  /** Removes the open partition that has been searched least (to hand it to another thread). */
  take(): Part | undefined {
    if (this.open.length === 0) return undefined;
    let best = 0;
    const stepsOf = (x: PartitionSearch<S> | Part): number => (x instanceof PartitionSearch ? x.steps : -1);
    for (let i = 1; i < this.open.length; i++) if (stepsOf(this.open[i]!) < stepsOf(this.open[best]!)) best = i;
    const [x] = this.open.splice(best, 1);
    if (x instanceof PartitionSearch) x.release();
    this.leftInRound = Math.min(this.leftInRound, this.open.length);
    return { key: x!.key, ops: x!.ops };
  }

  add(p: Part): void {
    this.open.push(p);
  }

  /** The open partition furthest from done (for an "unknown" report), or undefined. */
  hardest(): { key: string; ops: Operation[]; best: number[] } | undefined {
    let worst: { key: string; ops: Operation[]; best: number[] } | undefined;
    for (const x of this.open) {
      const c = x instanceof PartitionSearch ? { key: x.key, ops: x.ops, best: x.best } : { key: x.key, ops: x.ops, best: [] };
      if (!worst || c.ops.length - c.best.length > worst.ops.length - worst.best.length) worst = c;
    }
    return worst;
  }

  release(): void {
    for (const x of this.open) if (x instanceof PartitionSearch) x.release();
  }
}

/**
 * Checks a whole history on this thread: partitions it with the model and searches the
 * partitions in turns (RoundRobin), stopping at the first violation. Every partition gets its
 * share of the time limit.
 */
export function checkOperations<S>(model: Model<S>, ops: Operation[], opts: CheckOptions = {}): CheckResult {
  const t0 = performance.now();
  const deadline = opts.deadline ?? t0 + (opts.timeoutMs ?? Infinity);
  const parts = partitions(model, ops);
  const rr = new RoundRobin(model, parts, new CacheBudget(opts.cacheBytes ?? defaultCacheBytes()));
  let lastProgress = t0;
  const finish = (verdict: Verdict, failing?: PartitionReport, unfinished?: string[]): CheckResult => {
    rr.release();
    const r: CheckResult = {
      verdict,
      partitions: parts.length,
      searched: rr.searched,
      elapsedMs: performance.now() - t0,
      steps: rr.steps,
      evictions: rr.evictions,
    };
    if (failing) r.failing = failing;
    if (unfinished) r.unfinished = unfinished;
    return r;
  };
  for (;;) {
    const st = rr.step(deadline);
    if (st === 'violation') {
      const v = rr.violation!;
      return finish('not linearizable', explain(model, v.ops, v.key, v.best, 'not linearizable'));
    }
    if (st === 'empty') return finish('linearizable');
    if (performance.now() >= deadline) {
      const w = rr.hardest()!;
      return finish('unknown', explain(model, w.ops, w.key, w.best, 'unknown'), rr.open.map((x) => x.key));
    }
    if (opts.onProgress && performance.now() - lastProgress > 100) {
      lastProgress = performance.now();
      opts.onProgress({ partitions: parts.length, done: rr.done, steps: rr.steps, elapsedMs: lastProgress - t0 });
    }
  }
}
