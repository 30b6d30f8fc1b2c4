// The model checker with follower reads under leases (issue 19): common clocks, from a cluster whose
// leader has its leases out. Exhaustive at FOLLOWER_READS_BOUND (lease renewals at every clock step,
// a write, follower reads, a crash and a restart, election timeouts); random walks reach what the
// exhaustive search cannot in seconds: a leader change with follower reads answered before and after
// it. Every read is checked for read safety (its index covers everything committed when it arrived),
// with the other properties. The mutation check (test/mc/mutation.test.ts) shows it failing:
// 'follower-lease-majority' (leases without QUORUM = every voter) breaks read safety in 6 steps.
import { describe, expect, it } from 'vitest';
import { FOLLOWER_READS_BOUND } from '../../verify/mc/cli.js';
import { randomWalks, search } from '../../verify/mc/search.js';

const WALK_BOUND = { ...FOLLOWER_READS_BOUND, requests: 3, maxTerm: 8, timeouts: 20, drops: 1, reads: 8 };

describe('model checker, follower reads under leases', () => {
  it('exhaustive at the follower-reads bound: no violation (read safety included)', () => {
    const r = search(FOLLOWER_READS_BOUND, { maxDepth: FOLLOWER_READS_BOUND.maxDepth, timeLimitMs: 120_000 });
    console.log(`mc follower reads: ${r.states} states, depth ${r.depth}, ${(r.ms / 1000).toFixed(1)} s, ${r.violation ? `VIOLATION ${r.violation.property}: ${r.violation.detail}` : 'no violation'}`);
    expect(r.violation).toBeUndefined();
    expect(r.complete).toBe(true);
    expect(r.states).toBeGreaterThan(1000);
  }, 180_000);

  it('random walks: leader changes with follower reads answered in two terms, no violation', () => {
    const seed = Number(process.env.SEED ?? 1);
    const r = randomWalks(WALK_BOUND, { walks: 250, depth: 300, seed });
    console.log(`mc follower reads, random walks (seed ${seed}; replay: SEED=${seed}): ${r.walks} walks, ${r.steps} steps, ${r.leaderChanges} with a leader change, ${r.readsAcrossTerms} with follower reads answered in two terms, ${(r.ms / 1000).toFixed(1)} s`);
    expect(r.violation, r.violation ? `${r.violation.property}: ${r.violation.detail} (trace ${JSON.stringify(r.violation.trace)})` : '').toBeUndefined();
    expect(r.leaderChanges).toBeGreaterThan(50);
    expect(r.readsAcrossTerms).toBeGreaterThan(0);
  }, 180_000);
});
