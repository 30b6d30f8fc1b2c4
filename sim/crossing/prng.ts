// Seeded, deterministic PRNG for the crossing simulator.
// splitmix64 (BigInt, used only for seeding and forking) expands a 64-bit seed into the
// 128-bit state of xoshiro128** (32-bit arithmetic with Math.imul: fast and exact in JS).
// No Math.random, no clocks: the same seed gives the same stream on every platform.

const MASK64 = (1n << 64n) - 1n;

/** One splitmix64 step: returns [next state, output]. */
export function splitmix64(state: bigint): [bigint, bigint] {
  const s = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  z = z ^ (z >> 31n);
  return [s, z];
}

/** FNV-1a 64-bit hash of a label, used to fork independent sub-streams. */
function fnv1a64(label: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < label.length; i++) {
    h ^= BigInt(label.charCodeAt(i));
    h = (h * 0x100000001b3n) & MASK64;
  }
  return h;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  readonly seed: bigint;

  constructor(seed: number | bigint | string) {
    const s = typeof seed === 'string' ? BigInt(seed) : BigInt(seed);
    this.seed = s & MASK64;
    let st = this.seed;
    let a: bigint;
    let b: bigint;
    [st, a] = splitmix64(st);
    [st, b] = splitmix64(st);
    this.s0 = Number(a & 0xffffffffn);
    this.s1 = Number(a >> 32n);
    this.s2 = Number(b & 0xffffffffn);
    this.s3 = Number(b >> 32n);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // xoshiro must not be all-zero
  }

  /** An independent stream derived from this seed and a label (does not advance this stream). */
  fork(label: string): Prng {
    const [, z] = splitmix64(this.seed ^ fnv1a64(label));
    return new Prng(z);
  }

  /** xoshiro128**: next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** True with probability p. p >= 1 never draws (so a certain fault consumes no randomness). */
  chance(p: number): boolean {
    if (p >= 1) return true;
    if (p <= 0) return false;
    return this.nextFloat() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.nextInt(xs.length)]!;
  }
}
