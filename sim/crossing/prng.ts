// The crossing simulator's randomness: the project's one seeded generator (ctrl/rand.ts), under the
// names the crossing code uses. Seeds may be 64-bit (bigint or decimal string): they are folded.
import { SeededRand, forkSeed } from '../../ctrl/rand.js';

export class Prng extends SeededRand {
  /** An independent stream derived from this seed and a label (does not advance this stream). */
  override fork(label: string | number): Prng {
    return new Prng(forkSeed(this.seed, label));
  }
  nextU32(): number {
    return this.uint32();
  }
  /** Uniform float in [0, 1). */
  nextFloat(): number {
    return this.next();
  }
  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return this.int(n);
  }
}
