// Fault campaigns with follower replies on in every seed (issue 17 item 2; the swarm draws them in
// half of its seeds from a stream of their own, test/fuzz/model.test.ts and rtl.test.ts): writes'
// first attempts are flagged FOLLOWER_REPLY, the cores write REPLY_MASK, follower NICs answer at
// their commit index, and every history (those answers included) is checked for linearizability.
// SEEDS=n scales, FROM=s moves the range, SEED=s replays one.
import { describe, expect, it } from 'vitest';
import { runSeeds, seedRange } from './helpers.js';
import { drawSchedule } from '../../verify/fuzz/schedule.js';

const N = Number(process.env.SEEDS ?? 4);
const FROM = Number(process.env.FROM ?? 7001);

describe('follower replies in the fault campaigns', () => {
  it('the draw of follower replies leaves every other draw of a seed as it was', () => {
    for (const seed of [1, 2, 3, 17, 5001, 208042]) {
      for (const draw of [1, 2] as const) {
        const on = drawSchedule(seed, { draw, followerReplies: true });
        const off = drawSchedule(seed, { draw, followerReplies: false });
        const { followerReplies, ...w } = on.workload;
        expect(followerReplies).toBe(true);
        expect(JSON.stringify({ ...on, workload: w })).toBe(JSON.stringify(off));
      }
    }
  });

  it(`ModelNic world, seeds ${FROM}..${FROM + N - 1}: linearizable, and follower NICs answered writes`, () => {
    const rs = runSeeds(seedRange(FROM, N), { followerReplies: true }, 'ModelNic, follower replies');
    let byFollower = 0;
    for (const r of rs) byFollower += r.stats.reads?.writesByFollower ?? 0;
    console.log(`follower replies: ${byFollower} writes answered by a follower NIC`);
    if (!process.env.SEED) expect(byFollower).toBeGreaterThan(20);
  }, 240_000);
});
