// Randomized campaigns with combined faults inside the covered set. Prints the base seed;
// replay with SEED=<seed> npx vitest run test/crossing/random.test.ts
import { describe, expect, it } from 'vitest';
import { Prng } from '../../sim/crossing/prng.js';
import { runCrossingScenario } from '../../sim/crossing/runner.js';
import { classify } from '../../sim/crossing/faults.js';
import { parseScenario, type Fault, type ScenarioInput } from '../../sim/crossing/scenario.js';

const BASE = process.env.SEED ?? String(Date.now() % 1_000_000_007);
const CAMPAIGNS = Number(process.env.CAMPAIGNS ?? 40);

/** A random scenario inside the covered set (F1 or F2, each with 0..1 Byzantine replica). */
function covered(rng: Prng): ScenarioInput {
  const planes = rng.chance(0.8) ? 3 : 2;
  const sensors = 1 + rng.nextInt(3);
  const faults: Fault[] = [];
  const planeKinds = planes === 3 ? (['planeDrop', 'planeDelay', 'planeCorrupt', 'planeEquivocate'] as const) : (['planeDrop', 'planeDelay'] as const);
  const targets = ['all', 'downlinks', 'relays', 'outputs'] as const;
  if (rng.chance(0.5)) {
    // F1: one faulty plane with 1..3 fault kinds, sensors correct
    const plane = rng.nextInt(planes);
    for (let i = 1 + rng.nextInt(3); i > 0; i--)
      faults.push({ kind: rng.pick(planeKinds), plane, targets: rng.pick(targets), per: rng.pick(['frame', 'slot'] as const), probability: rng.pick([0.1, 0.5, 1]) } as Fault);
  } else {
    // F2: Byzantine sensors + at most one lost downlink port per replica (or a clean plane crash)
    for (let s = 0; s < sensors; s++) if (rng.chance(0.6)) faults.push({ kind: 'byzantineSensor', sensor: s, delta: 1 + rng.nextInt(60), probability: rng.pick([0.3, 1]) } as Fault);
    if (rng.chance(0.3)) faults.push({ kind: 'planeDrop', plane: rng.nextInt(planes), targets: 'all', per: 'slot', probability: rng.pick([0.2, 1]) } as Fault);
    else
      for (let r = 0; r < 3; r++)
        if (rng.chance(0.5))
          faults.push({ kind: rng.pick(['planeDrop', 'planeDelay'] as const), plane: rng.nextInt(planes), targets: 'downlinks', replicas: [r], probability: rng.pick([0.3, 1]) } as Fault);
  }
  if (rng.chance(0.5))
    faults.push({ kind: 'byzantineReplica', replica: rng.nextInt(3), behavior: rng.pick(['random', 'offset', 'silent', 'equivocate'] as const) } as Fault);
  return { mode: 'crossing', planes, replicas: 3, sensors, actuators: 1 + rng.nextInt(2), rounds: 150, seed: rng.nextU32(), faults };
}

describe(`randomized covered-set campaigns (SEED=${BASE})`, () => {
  it(`${CAMPAIGNS} random scenarios: agreement, validity, actuator outputs hold`, () => {
    console.log(`crossing random campaigns: SEED=${BASE}`);
    const rng = new Prng(BigInt(BASE));
    for (let i = 0; i < CAMPAIGNS; i++) {
      const sc = covered(rng);
      const parsed = parseScenario(sc);
      expect(classify(parsed).covered, `generator left the covered set: ${JSON.stringify(sc)}`).toBe(true);
      const s = runCrossingScenario(parsed);
      const where = `SEED=${BASE} campaign ${i}: ${JSON.stringify(sc)} -> ${JSON.stringify(s.firstViolations.slice(0, 3))}`;
      expect([s.agreementViolations, s.validityViolations, s.actuator.wrongOutputs, s.actuator.omissions], where).toEqual([0, 0, 0, 0]);
    }
  }, 120_000);

  it('the same seed gives the same run (determinism)', () => {
    const sc = covered(new Prng(BigInt(BASE) + 1n));
    expect(runCrossingScenario(sc)).toEqual(runCrossingScenario(sc));
  });
});
