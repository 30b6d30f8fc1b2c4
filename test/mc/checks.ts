// Shared checks of the model-checker tests: an exhaustive search and random walks at a bound, each
// printing its figures (and the walks their seed) and failing with the violation and its trace.
import { expect } from 'vitest';
import type { Bound } from '../../verify/mc/cli.js';
import { randomWalks, search } from '../../verify/mc/search.js';

/** Exhaustive to `depth`: no violation, complete, more than `minStates` states. */
export function expectExhaustiveClean(name: string, bound: Bound, depth: number, minStates: number): void {
  const r = search(bound, { maxDepth: depth, timeLimitMs: 120_000 });
  console.log(`mc ${name}: ${r.states} states, depth ${r.depth}, ${(r.ms / 1000).toFixed(1)} s, ${r.violation ? `VIOLATION ${r.violation.property}: ${r.violation.detail}` : 'no violation'}`);
  expect(r.violation).toBeUndefined();
  expect(r.complete).toBe(true);
  expect(r.states).toBeGreaterThan(minStates);
}

/** Random walks (seed from SEED, default 1): no violation, at least `minLeaderChanges` walks with a leader change and one with reads answered in two terms. */
export function expectWalksClean(name: string, bound: Bound, walks: number, minLeaderChanges: number): void {
  const seed = Number(process.env.SEED ?? 1);
  const r = randomWalks(bound, { walks, depth: 300, seed });
  console.log(`mc ${name}, random walks (seed ${seed}; replay: SEED=${seed}): ${r.walks} walks, ${r.steps} steps, ${r.leaderChanges} with a leader change, ${r.readsAcrossTerms} with reads answered in two terms, ${(r.ms / 1000).toFixed(1)} s`);
  expect(r.violation, r.violation ? `${r.violation.property}: ${r.violation.detail} (trace ${JSON.stringify(r.violation.trace)})` : '').toBeUndefined();
  expect(r.leaderChanges).toBeGreaterThan(minLeaderChanges);
  expect(r.readsAcrossTerms).toBeGreaterThan(0);
}
