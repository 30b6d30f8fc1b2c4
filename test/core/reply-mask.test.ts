// followerReplyMask (REPLY_MASK for follower replies, docs/architecture.md "Follower replies"): the
// followers of a leader partition the eight residues of client id mod 8, the leader replies for
// none (all of them alone), a node outside the voters for none.
import { describe, expect, it } from 'vitest';
import { followerReplyMask } from '../../ctrl/core/quorum.js';

describe('followerReplyMask', () => {
  it('partitions the residues among the followers, for every leader of 1..7 voters', () => {
    for (let n = 1; n <= 7; n++) {
      const voters = Array.from({ length: n }, (_, k) => k + 1);
      for (const leader of voters) {
        const masks = voters.map((v) => followerReplyMask(v, leader, voters));
        const sum = masks.reduce((a, b) => a | b, 0);
        expect(sum).toBe(0xff);
        for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) expect(masks[a]! & masks[b]!).toBe(0);
        expect(followerReplyMask(leader, leader, voters)).toBe(n === 1 ? 0xff : 0);
        // balanced: every follower gets floor(8 / f) or ceil(8 / f) residues
        const f = n - 1;
        if (f > 0) for (const v of voters.filter((x) => x !== leader)) {
          const bits = [...Array(8).keys()].filter((r) => (followerReplyMask(v, leader, voters) >> r) & 1).length;
          expect(bits === Math.floor(8 / f) || bits === Math.ceil(8 / f)).toBe(true);
        }
      }
    }
    expect(followerReplyMask(4, 1, [1, 2, 3])).toBe(0);
    expect(followerReplyMask(2, 1, [1, 2, 3])).toBe(0x55);
    expect(followerReplyMask(3, 1, [1, 2, 3])).toBe(0xaa);
  });
});
