// The model checker with follower reads under leases (issue 19): common clocks, from a cluster whose
// leader has its leases out. Exhaustive at FOLLOWER_READS_BOUND (lease renewals at every clock step,
// a write, follower reads, a crash and a restart, election timeouts); random walks reach what the
// exhaustive search cannot in seconds: a leader change with follower reads answered before and after
// it. Every read is checked for read safety (its index covers everything committed when it arrived),
// with the other properties. The mutation check (test/mc/mutation.test.ts) shows it failing:
// 'follower-lease-majority' (leases without QUORUM = every voter) breaks read safety in 6 steps.
import { describe, expect, it } from 'vitest';
import { FOLLOWER_READS_BOUND } from '../../verify/mc/cli.js';
import { expectExhaustiveClean, expectWalksClean } from './checks.js';

const WALK_BOUND = { ...FOLLOWER_READS_BOUND, requests: 3, maxTerm: 8, timeouts: 20, drops: 1, reads: 8 };

describe('model checker, follower reads under leases', () => {
  it('exhaustive at the follower-reads bound: no violation (read safety included)', () => {
    expectExhaustiveClean('follower reads', FOLLOWER_READS_BOUND, FOLLOWER_READS_BOUND.maxDepth, 1000);
  }, 180_000);

  it('random walks: leader changes with follower reads answered in two terms, no violation', () => {
    expectWalksClean('follower reads', WALK_BOUND, 250, 50);
  }, 180_000);
});
