// WOR fault campaign (verify/fuzz/wor.ts, docs/wor.md), ModelNic world, seeds 101..200 of the 200 in CI
// (two files so the two halves run side by side): the shared log, 2PC and write-once registers
// under replica, coordinator, participant and appender crashes, loss, partitions and bus faults;
// checks atomicity, prefix agreement, the WOR history's linearizability, replica agreement and
// liveness. SEED=s replays one seed; FUZZ_VERBOSE=1 prints every seed.
import { describe, it } from 'vitest';
import { runWorSeeds, worSeeds } from './campaign.js';

describe('WOR fault campaign, ModelNic world (part 2 of 2)', () => {
  it(process.env.SEED ? `seed ${process.env.SEED}` : 'seeds 101..200', async () => {
    await runWorSeeds(worSeeds(101, 100), 'part 2');
  }, 240_000);
});
