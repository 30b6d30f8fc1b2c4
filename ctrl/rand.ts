// The one seeded generator of the TypeScript side (the C++ side has native/rng.h): every driver,
// simulator, campaign, load generator and randomized test draws from a SeededRand made from a seed it
// prints, so any run can be replayed. mulberry32: a small, fast 32-bit generator. The control core
// never draws on its own: it gets a `Rand` (ctrl/core/types.ts) from its driver.
import type { Rand } from './core/types.js';

/** FNV-1a over a label's UTF-16 code units, 32 bits: names the stream of a fork. */
function fnv1a32(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Folds a 64-bit (or larger) seed given as a bigint or decimal string into 32 bits. */
export function seed32(seed: number | bigint | string): number {
  if (typeof seed === 'number') return seed >>> 0;
  const b = BigInt(seed);
  return Number((b ^ (b >> 32n)) & 0xffffffffn) >>> 0;
}

export class SeededRand implements Rand {
  private s: number;
  /** The seed this stream started from (32 bits). */
  readonly seed: number;
  constructor(seed: number | bigint | string) {
    this.seed = seed32(seed);
    this.s = this.seed || 1;
  }
  /** uniform 32-bit unsigned integer */
  uint32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** uniform in [0, 1) */
  next(): number {
    return this.uint32() / 4294967296;
  }
  /** uniform integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** true with probability p; p >= 1 and p <= 0 draw nothing (a certain event consumes no randomness) */
  chance(p: number): boolean {
    if (p >= 1) return true;
    if (p <= 0) return false;
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  /**
   * An independent stream for a named purpose, derived from this stream's seed and the label only
   * (it does not advance this stream, so adding a fork does not change the draws of the others).
   */
  fork(label: string | number): SeededRand {
    return new SeededRand(forkSeed(this.seed, label));
  }
}

/** The seed of the stream `label` under `seed` (SeededRand.fork). */
export function forkSeed(seed: number, label: string | number): number {
  const l = typeof label === 'number' ? label >>> 0 : fnv1a32(label);
  let z = (seed ^ Math.imul(l, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
