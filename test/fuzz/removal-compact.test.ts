// Campaign seed 407012 (ModelNic; the only failure of seeds 400000..~407500 at b9bb5a8): no client
// operation committed after the faults. n2 led term 1 with voters 1,2,3,4 (n4 the added spare),
// appended "remove n2" at index 6 (its voters 1,3,4 from then on), compacted at 5 while 6 was still
// uncommitted (plane 0, the only plane, down), and then lost its quorum. Its snapshot recorded the
// latest voters (1,3,4) instead of those at index 5, so its "last committed configuration" no longer
// held it either: it never stood for election, and, its log the longest, refused n3 and n4; n1,
// restarted after a power loss, was recovering and refused every vote. The snapshot now records the
// configuration at its index (test/core/removal-compact.test.ts has the directed case).
import { describe, expect, it } from 'vitest';
import { runSeed } from '../../verify/fuzz/campaign.js';
import type { CoreStatus } from '../../ctrl/core/raft.js';

describe('campaign seed 407012', () => {
  it('the leader that compacted below its own uncommitted removal stands again; the cluster commits after the faults', () => {
    let atCompact: Partial<CoreStatus> | undefined;
    let snapVoters: number[] | undefined;
    const r = runSeed(407012, {
      outDir: 'build/fuzz-out/removal-compact', traceOnFailure: false,
      instrument: (b, at) => {
        // just after the compaction of the leader (508.4 us), before it lost its quorum (about 512 us)
        at(509, () => {
          const c = b.replica(1)?.core;
          if (!c) return;
          const s = c.status();
          atCompact = { role: s.role, lastIndex: s.lastIndex, commit: s.commit, voters: s.voters };
          snapVoters = (c as unknown as { snapshot?: { index: number; voters: number[] } }).snapshot?.voters;
        });
      },
    });
    console.log(`seed 407012: ${r.summary}`);
    // the scenario: n2 leads with its own removal at 6 appended, not committed, and a snapshot at 5
    expect(atCompact).toEqual({ role: 'leader', lastIndex: 6, commit: 5, voters: [1, 3, 4] });
    expect(r.failures).toEqual([]);
    expect(r.stats.recoveryUs).toBeDefined();
    // (the snapshot at 5 holds the configuration at 5)
    expect(snapVoters).toEqual([1, 2, 3, 4]);
  }, 60_000);
});
