// A leader appends its own removal, compacts below it, and loses its quorum before the removal
// commits (campaign seed 407012, test/fuzz/removal-compact.test.ts replays it). Its snapshot must
// record the configuration at the snapshot's index, not the latest one: with the uncommitted
// removal baked into the snapshot, the node is no voter in "the last committed configuration"
// either, so it never stands (the B3 rule of Core.electionVoters does not apply), while its log,
// the longest, makes it refuse every other candidate; with one more voter restarted (recovering,
// refusing all votes) no election could ever succeed.
import { describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

const te = new TextEncoder();

function scenario(compact: boolean): { h: Harness; snapVoters?: number[] } {
  const h = new Harness({ quiet: true, seed: 7 });
  h.addNodes(3);
  h.addNodes(1); // node 4, added by a configuration change
  h.step(1, { kind: 'campaign' });
  h.stabilize();
  h.step(1, { kind: 'confChange', op: 'add', node: 4 });
  h.stabilize();
  h.tick(200, 100);
  const c1 = (): NonNullable<ReturnType<Harness['node']>['core']> => h.node(1).core!;
  expect(c1().role).toBe('leader');
  expect(c1().status().voters).toEqual([1, 2, 3, 4]);
  const committed = c1().status().commit;
  expect(h.node(4).core!.status().commit).toBe(committed);

  // the leader, cut off from the others, appends its own removal (uncommitted) and compacts
  h.partition([[1], [2, 3, 4]]);
  h.step(1, { kind: 'confChange', op: 'remove', node: 1 });
  h.stabilize();
  expect(c1().status()).toMatchObject({ role: 'leader', lastIndex: committed + 1, commit: committed, voters: [2, 3, 4] });
  let snapVoters: number[] | undefined;
  if (compact) {
    h.step(1, { kind: 'compact', index: committed, data: te.encode(`snap@${committed}`) });
    h.stabilize();
    snapVoters = h.node(1).storage.load().snapshot?.voters;
  }
  // another voter restarts: recovering (amnesia guard), it refuses every vote until a leader shows up
  h.crash(2);
  h.restart(2);
  h.stabilize();
  expect(h.node(2).core!.status().recovering).toBe(true);
  // the isolated leader steps down (check quorum); then the network heals
  h.tick(3000, 100);
  expect(c1().role).not.toBe('leader');
  h.cut.clear();
  h.tick(30_000, 100);
  return { h, snapVoters };
}

describe('a leader that compacted below its own uncommitted removal (seed 407012)', () => {
  for (const compact of [false, true]) {
    it(`${compact ? 'with' : 'without'} the compaction: it stands again, the removal commits and the others elect a leader`, () => {
      const { h, snapVoters } = scenario(compact);
      const st = [1, 2, 3, 4].map((id) => h.node(id).core!.status());
      const leaders = st.filter((s) => s.role === 'leader');
      expect(leaders.length, st.map((s) => `${s.role} t${s.term} last=${s.lastIndex} commit=${s.commit} voters=${s.voters}`).join('; ')).toBe(1);
      expect(leaders[0]!.voters).toEqual([2, 3, 4]);
      expect(h.node(1).core!.role).not.toBe('leader');
      // the removal (and the new leader's no-op) committed at 2, 3 and 4
      for (const s of st.slice(1)) {
        expect(s.voters).toEqual([2, 3, 4]);
        expect(s.recovering).toBe(false);
        expect(s.commit).toBeGreaterThanOrEqual(st[0]!.lastIndex);
      }
      h.checkSafety();
      // the snapshot holds the configuration at its index (node 1 still a voter there)
      if (compact) expect(snapVoters).toEqual([1, 2, 3, 4]);
    });
  }
});
