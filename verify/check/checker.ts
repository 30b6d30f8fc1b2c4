// Porcupine-style linearizability checking: Wing & Gong's search over a doubly linked list of
// call/return events, with Lowe's memoisation of (linearized set, model state), and
// P-compositionality (each partition of the history is checked on its own). See docs/checker.md.
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

export interface PartitionReport {
  key: string;
  verdict: Verdict;
  ops: Operation[];
  /** Longest linearizable prefix found, in linearization order. */
  prefix: Operation[];
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
  /** The first non-linearizable partition (or, for unknown, the one that ran out of time). */
  failing?: PartitionReport;
  elapsedMs: number;
  /** Search steps taken, over all partitions. */
  steps: number;
}

export interface CheckOptions {
  /** Time limit for the whole call; the search stops cooperatively and answers unknown. */
  timeoutMs?: number;
  /** Absolute deadline in performance.now() terms (overrides timeoutMs). */
  deadline?: number;
}

/** Entries kept before the cache is emptied (it only prunes repeats; the search stays exact). */
export const CACHE_BUDGET_BYTES = 256 * 1024 * 1024;

/**
 * Lowe's cache of visited (linearized set, state) pairs: an open hash table with chaining whose
 * bitsets live in one pooled Uint32Array (no object per entry).
 */
class VisitedCache<S> {
  private heads: Int32Array;
  private mask: number;
  private link: Int32Array;
  private hashes: Int32Array;
  private pool: Uint32Array;
  private states: S[] = [];
  private count = 0;
  private readonly maxEntries: number;
  clears = 0;

  constructor(
    private readonly words: number,
    private readonly equal: (a: S, b: S) => boolean,
  ) {
    const size = 1 << 12;
    this.heads = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    this.link = new Int32Array(size);
    this.hashes = new Int32Array(size);
    this.pool = new Uint32Array(size * words);
    this.maxEntries = Math.max(1 << 16, Math.floor(CACHE_BUDGET_BYTES / (words * 4 + 64)));
  }

  /** Adds (bits, state) unless present; returns true when it was new. */
  add(hash: number, bits: Uint32Array, state: S): boolean {
    const words = this.words;
    const pool = this.pool;
    for (let i = this.heads[hash & this.mask]!; i !== -1; i = this.link[i]!) {
      if (this.hashes[i] !== hash || !this.equal(this.states[i]!, state)) continue;
      let same = true;
      const base = i * words;
      for (let w = 0; w < words; w++) {
        if (pool[base + w] !== bits[w]) {
          same = false;
          break;
        }
      }
      if (same) return false;
    }
    if (this.count >= this.maxEntries) this.clear();
    if (this.count === this.link.length) this.grow();
    const i = this.count++;
    this.pool.set(bits, i * words);
    this.hashes[i] = hash;
    this.states[i] = state;
    const b = hash & this.mask;
    this.link[i] = this.heads[b]!;
    this.heads[b] = i;
    return true;
  }

  private grow(): void {
    const size = this.link.length * 2;
    const link = new Int32Array(size);
    const hashes = new Int32Array(size);
    hashes.set(this.hashes);
    const pool = new Uint32Array(size * this.words);
    pool.set(this.pool);
    const heads = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let i = 0; i < this.count; i++) {
      const b = hashes[i]! & mask;
      link[i] = heads[b]!;
      heads[b] = i;
    }
    this.link = link;
    this.hashes = hashes;
    this.pool = pool;
    this.heads = heads;
    this.mask = mask;
  }

  private clear(): void {
    this.heads.fill(-1);
    this.states = [];
    this.count = 0;
    this.clears++;
  }
}

interface SearchOutcome {
  verdict: Verdict;
  /** Local indices of the longest linearizable prefix, in order. */
  best: number[];
  steps: number;
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

const CHECK_EVERY = 1024;

function search<S>(model: Model<S>, ops: Operation[], deadline: number): SearchOutcome {
  const n = ops.length;
  if (n === 0) return { verdict: 'linearizable', best: [], steps: 0 };
  // Nodes: call of op k = 2k, its return = 2k+1, head = 2n. -1 = none.
  const head = 2 * n;
  const next = new Int32Array(2 * n + 1).fill(-1);
  const prev = new Int32Array(2 * n + 1).fill(-1);
  const order = sortEvents(ops);
  let last = head;
  for (let i = 0; i < order.length; i++) {
    const e = order[i]!;
    next[last] = e;
    prev[e] = last;
    last = e;
  }

  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const z1 = zobrist(n, 0x2545f491);
  let h1 = 0;
  const cache = new VisitedCache<S>(words, model.equal);

  const stackOp = new Int32Array(n);
  const stackState: S[] = new Array<S>(n);
  let top = 0;
  let best: number[] = [];
  let state = model.init();
  let entry = next[head]!;
  let steps = 0;

  while (next[head] !== -1) {
    if (++steps % CHECK_EVERY === 0 && performance.now() > deadline) {
      return { verdict: 'unknown', best, steps };
    }
    if ((entry & 1) === 0) {
      // A call: try to linearize this operation now.
      const k = entry >> 1;
      const ns = model.step(state, ops[k]!);
      if (ns !== undefined) {
        const w = k >>> 5;
        const m = 1 << (k & 31);
        bits[w]! |= m;
        const nh1 = h1 ^ z1[k]!;
        const sh = model.hash(ns);
        const hash = nh1 ^ Math.imul(sh ^ (sh >>> 15), 0x85ebca6b);
        const seen = !cache.add(hash, bits, ns);
        if (!seen) {
          stackOp[top] = k;
          stackState[top] = state;
          top++;
          if (top > best.length) best = Array.from(stackOp.subarray(0, top));
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
      if (top === 0) return { verdict: 'not linearizable', best, steps };
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
  return { verdict: 'linearizable', best: Array.from(stackOp.subarray(0, top)), steps };
}

/** Replays the prefix and finds the operations that could come next in real time. */
function explain<S>(model: Model<S>, ops: Operation[], best: number[], verdict: Verdict): PartitionReport {
  let state = model.init();
  const placed = new Uint8Array(ops.length);
  for (const k of best) {
    const ns = model.step(state, ops[k]!);
    if (ns === undefined) break; // cannot happen: the prefix was found by the search
    state = ns;
    placed[k] = 1;
  }
  let minRet = Infinity;
  for (let k = 0; k < ops.length; k++) if (!placed[k] && ops[k]!.ret < minRet) minRet = ops[k]!.ret;
  const frontier: FrontierOp[] = [];
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
  return {
    key: ops[0]?.key ?? '',
    verdict,
    ops,
    prefix: best.map((k) => ops[k]!),
    stateAfterPrefix: model.describeState(state),
    frontier,
  };
}

/** Checks a whole history: partitions it with the model and searches each partition. */
export function checkOperations<S>(model: Model<S>, ops: Operation[], opts: CheckOptions = {}): CheckResult {
  const t0 = performance.now();
  const deadline = opts.deadline ?? t0 + (opts.timeoutMs ?? Infinity);
  const parts = model.partition(ops);
  let steps = 0;
  let unknown: PartitionReport | undefined;
  let searched = 0;
  for (const part of parts) {
    searched++;
    const out = search(model, part, deadline);
    steps += out.steps;
    if (out.verdict === 'not linearizable') {
      return {
        verdict: 'not linearizable',
        partitions: parts.length,
        searched,
        failing: explain(model, part, out.best, out.verdict),
        elapsedMs: performance.now() - t0,
        steps,
      };
    }
    if (out.verdict === 'unknown') {
      // Out of time. Later partitions still get their first CHECK_EVERY steps: a small one
      // may still show a violation, which is definitive; otherwise the answer is unknown.
      unknown ??= explain(model, part, out.best, out.verdict);
    }
  }
  const result: CheckResult = {
    verdict: unknown ? 'unknown' : 'linearizable',
    partitions: parts.length,
    searched,
    elapsedMs: performance.now() - t0,
    steps,
  };
  if (unknown) result.failing = unknown;
  return result;
}
