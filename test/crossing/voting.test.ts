import { describe, expect, it } from 'vitest';
import { noBehaviors, type ReplicaBehavior } from '../../sim/crossing/sim.js';
import { mkSim } from './helpers.js';

describe('actuator voting (f+1 of 2f+1 replicas, each output confirmed by 2 of 3 planes)', () => {
  it("a Byzantine replica's output is outvoted, whatever it sends on each plane", () => {
    const lies: ReplicaBehavior[] = [
      { active: () => true, output: (_r, _p, c) => c + 500, relay: () => undefined },
      { active: () => true, output: (_r, p, c) => c + p + 1, relay: () => undefined },
      { active: () => true, output: () => undefined, relay: () => undefined },
    ];
    for (const lie of lies)
      for (let byz = 0; byz < 3; byz++) {
        const beh = noBehaviors(3, 1, 3);
        beh.replicas[byz] = lie;
        const sim = mkSim({ beh, reading: () => 300 });
        for (let k = 0; k < 20; k++) {
          const res = sim.runRound();
          const correct = res.outputs.filter((o) => o !== undefined);
          expect(correct.length).toBe(2);
          expect(res.accepted[0]).toBe(correct[0]);
        }
      }
  });

  it('a plane that corrupts outputs cannot make the actuator accept a wrong value', () => {
    const beh = noBehaviors(3, 1, 3);
    beh.planes[0]!.push({ egress: (f, e) => (e.to === 'actuator' ? [{ frame: { ...f, value: 999 } }] : null) });
    beh.replicas[2] = { active: () => true, output: () => 999, relay: () => undefined };
    const sim = mkSim({ beh, reading: () => 300 });
    for (let k = 0; k < 10; k++) {
      const res = sim.runRound();
      expect(res.accepted[0]).toBe(res.outputs[0]);
      expect(res.accepted[0]).not.toBe(999);
    }
  });
});
