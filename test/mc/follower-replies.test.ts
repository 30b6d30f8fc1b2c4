// The model checker with follower replies (issue 17 item 2): REQs flagged FOLLOWER_REPLY, the cores
// write REPLY_MASK when they turn their NIC's fast path on, and every REPLY a fake NIC sends at
// delivery is checked like an application ('reply safety': the entry any node applies at that
// index, and held by every later leader through leader completeness). Exhaustive at the warm bound
// (elections need a freeze-and-sync) to depth 6. With 3 nodes every follower NIC has QUORUM 2, so it
// also commits an entry of its term it took fresh from the leader at once (follower commit).
import { describe, expect, it } from 'vitest';
import { WARM_BOUND } from '../../verify/mc/cli.js';
import { mcFigures } from '../../verify/mc/world.js';
import { fakeNicFigures } from '../../verify/mc/fakenic.js';
import { expectExhaustiveClean } from './checks.js';

describe('model checker, follower replies', () => {
  it('exhaustive at the warm bound with follower replies: no violation (reply safety included), replies checked', () => {
    mcFigures.repliesChecked = 0;
    fakeNicFigures.followerCommits = 0;
    const b = { ...WARM_BOUND, followerReplies: true, maxDepth: 6 };
    expectExhaustiveClean('follower replies', b, b.maxDepth, 1000);
    console.log(`mc follower replies: ${mcFigures.repliesChecked} NIC replies checked, ${fakeNicFigures.followerCommits} follower commits (QUORUM 2)`);
    expect(mcFigures.repliesChecked).toBeGreaterThan(0);
    expect(fakeNicFigures.followerCommits).toBeGreaterThan(0);
  }, 180_000);
});
