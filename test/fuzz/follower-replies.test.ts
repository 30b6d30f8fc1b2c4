// Fault campaigns with follower replies (issue 17 item 2): writes' first attempts are flagged
// FOLLOWER_REPLY, the cores write REPLY_MASK, follower NICs answer at their commit index, and every
// history (those answers included) is checked for linearizability. The swarm draws them per seed
// with --draw 3 only (from a stream of their own: a draw-3 schedule is the draw-2 one plus follower
// replies), so every seed reported or pinned with draws 1 and 2 runs as before. Forced on here:
// ModelNic and RTL worlds. SEEDS=n scales, FROM=s moves the range, SEED=s replays one.
import { describe, expect, it } from 'vitest';
import { runSeeds, seedRange } from './helpers.js';
import { drawSchedule } from '../../verify/fuzz/schedule.js';

const N = Number(process.env.SEEDS ?? 4);
const FROM = Number(process.env.FROM ?? 7001);
const RTL_N = Number(process.env.RTL_SEEDS ?? 1);

describe('follower replies in the fault campaigns', () => {
  it('draw 3 is draw 2 plus follower replies (in about half the seeds) and the ACK gap; draws 1 and 2 have neither unless forced', () => {
    let on = 0, gaps = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const v2 = drawSchedule(seed, { draw: 2 });
      const v3 = drawSchedule(seed, { draw: 3 });
      expect(v2.workload.followerReplies).toBeUndefined();
      expect(v2.nic?.ackGapCycles).toBeUndefined();
      expect(drawSchedule(seed, { draw: 1 }).workload.followerReplies).toBeUndefined();
      const { followerReplies, ...w } = v3.workload;
      if (followerReplies) on++;
      const { ackGapCycles, ...nic } = v3.nic!;
      if (ackGapCycles !== undefined) gaps++;
      expect(JSON.stringify({ ...v3, draw: 2, nic, workload: w })).toBe(JSON.stringify(v2));
      const forced = drawSchedule(seed, { draw: 2, followerReplies: true });
      expect(forced.workload.followerReplies).toBe(true);
    }
    expect(on).toBeGreaterThan(10);
    expect(on).toBeLessThan(30);
    expect(gaps, 'draw-3 seeds with an ACK gap (4 of the 6 choices are on)').toBeGreaterThan(15);
  });

  it(`ModelNic world, seeds ${FROM}..${FROM + N - 1}: linearizable, and follower NICs answered writes`, () => {
    const rs = runSeeds(seedRange(FROM, N), { followerReplies: true }, 'ModelNic, follower replies');
    let byFollower = 0;
    for (const r of rs) byFollower += r.stats.reads?.writesByFollower ?? 0;
    console.log(`follower replies (ModelNic): ${byFollower} writes answered by a follower NIC`);
    if (!process.env.SEED) expect(byFollower).toBeGreaterThan(20);
  }, 240_000);

  it(`RTL world, ${RTL_N} seed(s) from ${FROM} (300 us of faults): linearizable, and follower NICs answered writes`, () => {
    const rs = runSeeds(seedRange(FROM, RTL_N), { rtl: true, followerReplies: true, faultUs: 300 }, 'RTL, follower replies');
    let byFollower = 0;
    for (const r of rs) byFollower += r.stats.reads?.writesByFollower ?? 0;
    console.log(`follower replies (RTL): ${byFollower} writes answered by a follower NIC`);
    if (!process.env.SEED) expect(byFollower).toBeGreaterThan(0);
  }, 240_000);
});
