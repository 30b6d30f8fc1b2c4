// Fault campaigns with follower reads on in every seed (issue 19; the swarm draws them in half of
// its seeds, test/fuzz/model.test.ts): gets from any replica through the client library, reads
// without the log at any replica, clock drift within the bound, every history checked for
// linearizability. A smaller count than the campaign's target (1,000 ModelNic and 50 RTL seeds:
// `nice npx nicraft fuzz --seeds 1000 --follower-reads on`, docs/fuzz.md). SEEDS=n scales, FROM=s
// moves the range, SEED=s replays one.
import { describe, expect, it } from 'vitest';
import { runSeeds, seedRange } from './helpers.js';

const N = Number(process.env.SEEDS ?? 12);
const FROM = Number(process.env.FROM ?? 5001);

describe('fault campaigns with follower reads, ModelNic world', () => {
  it(`seeds ${FROM}..${FROM + N - 1}: linearizable, and replicas answered reads under their leases`, () => {
    const rs = runSeeds(seedRange(FROM, N), { followerReads: true }, 'ModelNic, follower reads');
    let follower = 0;
    let byReplica = 0;
    for (const r of rs) {
      follower += r.stats.reads?.follower ?? 0;
      byReplica += r.stats.reads?.getsByReplica ?? 0;
    }
    console.log(`follower reads: ${follower} reads without the log at a follower, ${byReplica} client gets answered by a replica`);
    if (!process.env.SEED) expect(follower + byReplica).toBeGreaterThan(30);
  }, 240_000);
});
