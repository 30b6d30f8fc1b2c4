import { describe, expect, it } from 'vitest';
import { runCrossingScenario } from '../../sim/crossing/runner.js';

describe('baseline OM(1) among the replicas, same fabric and network model', () => {
  it('nominal message count: P(1 + R + R^2) input frames + 2RP output frames = 87 for P=3, R=4', () => {
    const s = runCrossingScenario({ mode: 'baseline', replicas: 4, rounds: 100, seed: 1 });
    expect(s.messagesPerRound).toBe(3 * (1 + 4 + 16) + 2 * 4 * 3);
    expect(s.hostWorkPerRound).toEqual({ total: 23, rxFrames: 12, txFrames: 6, voteOps: 5 });
  });

  it('crossing nominal message count: P^2 (R+1) input frames + 2RP output frames = 54 for P=3, R=3', () => {
    const s = runCrossingScenario({ mode: 'crossing', replicas: 3, rounds: 100, seed: 1 });
    expect(s.messagesPerRound).toBe(9 * 4 + 2 * 3 * 3);
    expect(s.hostWorkPerRound).toEqual({ total: 16, rxFrames: 9, txFrames: 3, voteOps: 4 });
  });

  for (const behavior of ['random', 'offset', 'silent', 'equivocate'] as const) {
    it(`one Byzantine replica of 4 (${behavior}, each position): agreement, validity, actuator output`, () => {
      for (let replica = 0; replica < 4; replica++) {
        const s = runCrossingScenario({ mode: 'baseline', replicas: 4, rounds: 200, seed: 30 + replica, faults: [{ kind: 'byzantineReplica', replica, behavior }] });
        expect(s.coverage.covered).toBe(true);
        expect([s.agreementViolations, s.validityViolations, s.actuator.wrongOutputs, s.actuator.omissions]).toEqual([0, 0, 0, 0]);
        expect(s.validityChecked).toBe(200);
      }
    });
  }

  it('a Byzantine sensor (commander), also with one equivocating plane: agreement', () => {
    for (const more of [[], [{ kind: 'planeEquivocate' as const, plane: 1 }]]) {
      const s = runCrossingScenario({ mode: 'baseline', replicas: 4, rounds: 300, seed: 12, faults: [{ kind: 'byzantineSensor', sensor: 0 }, ...more] });
      expect(s.coverage.covered).toBe(true);
      expect(s.agreementViolations).toBe(0);
    }
  });

  it('the baseline is slower and sends more than the crossing on the same seed', () => {
    const c = runCrossingScenario({ mode: 'crossing', rounds: 500, seed: 77 });
    const b = runCrossingScenario({ mode: 'baseline', rounds: 500, seed: 77 });
    expect(c.messagesPerRound).toBeLessThan(b.messagesPerRound);
    expect(c.latencyNs.p50).toBeLessThan(b.latencyNs.p50);
    expect(c.latencyNs.p50).toBeGreaterThanOrEqual(c.latencyNs.floor);
    expect(b.latencyNs.p50).toBeGreaterThanOrEqual(b.latencyNs.floor);
  });
});
