// The seeded randomness every driver injects (simulation, tests, the daemon with a logged seed):
// mulberry32, a small fast 32-bit generator. The control core never draws on its own: it gets a
// `Rand` (ctrl/core/types.ts) from its driver.
import type { Rand } from './core/types.js';

export class SeededRand implements Rand {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** uniform in [0, 1) */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** uniform integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
