// The same campaigns on RTL NICs (Verilated, in the C++ fabric through sim/raft-host.ts): the same
// drawn schedules (the swarm, draw 2), as far as the fabric supports the fault kinds (no host clock
// drift there); the campaign's own clients at the fabric's external client ports.
// Every seed with frame authentication on and the network attacker (docs/fuzz.md; FUZZ_ATTACK=0: off).
// RTL_SEEDS=n scales (default 10), RTL_FROM=s moves the range, SEED=s replays one seed.
// The simulation libraries (default, PLANES=2, PLANES=3) are the ones `make build` prebuilds.
import { beforeAll, describe, it } from 'vitest';
import { libraryPath } from '../../native/build.js';
import { runSeeds, seedRange } from './helpers.js';

const TOTAL = Number(process.env.RTL_SEEDS ?? 10);
const FROM = Number(process.env.RTL_FROM ?? 1);
/** frame authentication and the network attacker in every seed (FUZZ_ATTACK=0: off, the campaigns before issue 16 item 5) */
const ATTACK = process.env.FUZZ_ATTACK !== '0';
const CASES = 2;
const T = 240_000;

beforeAll(() => {
  libraryPath();
  libraryPath({ params: { PLANES: 2 } });
  libraryPath({ params: { PLANES: 3 } });
}, 900_000);

describe('fault campaigns, RTL NICs', () => {
  const per = Math.ceil(TOTAL / CASES);
  for (let c = 0; c < CASES; c++) {
    const from = FROM + c * per;
    const n = Math.max(0, Math.min(per, TOTAL - c * per));
    if (n === 0) continue;
    it(process.env.SEED ? `seed ${process.env.SEED}` : `seeds ${from}..${from + n - 1}`, () => {
      runSeeds(seedRange(from, n), { rtl: true, attack: ATTACK }, 'RTL');
    }, T);
    if (process.env.SEED) break;
  }
});
