import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario, ScenarioError } from '../../sim/crossing/scenario.js';
import { classify } from '../../sim/crossing/faults.js';
import { runCrossingScenario } from '../../sim/crossing/runner.js';

const dir = join(import.meta.dirname, '../../sim/scenarios');
const files = readdirSync(dir).filter((f) => /^crossing-.*\.yaml$/.test(f));

const issues = (obj: unknown): string[] => {
  try {
    parseScenario(obj);
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues;
    throw e;
  }
  return [];
};

describe('crossing scenarios', () => {
  it('ships the required scenario files', () => {
    for (const f of ['crossing-nominal.yaml', 'crossing-byzantine-sensor.yaml', 'crossing-faulty-plane.yaml', 'crossing-baseline.yaml'])
      expect(files).toContain(f);
  });

  for (const f of files) {
    it(`${f} validates and runs as documented (200 rounds)`, () => {
      const sc = loadScenario(join(dir, f));
      const s = runCrossingScenario(sc, { rounds: 200 });
      if (f === 'crossing-uncovered.yaml') {
        expect(classify(sc).covered).toBe(false);
        expect(s.agreementViolations).toBeGreaterThan(0);
      } else {
        expect(classify(sc).covered).toBe(true);
        expect(s.ok).toBe(true);
        expect(s.agreementViolations + s.validityViolations).toBe(0);
      }
    });
  }

  it('errors name the bad field and the allowed values', () => {
    expect(issues({ planes: 4 })).toEqual(['planes: allowed values: 2 | 3']);
    expect(issues({ mode: 'leader' })[0]).toMatch(/^mode: .*'crossing' \| 'baseline' \| 'direct'/);
    expect(issues({ faults: [{ kind: 'planeMelt', plane: 0 }] })[0]).toMatch(/^faults\[0\]\.kind: .*'byzantineSensor' \| 'planeDrop' \| 'planeDelay' \| 'planeCorrupt' \| 'planeEquivocate' \| 'byzantineReplica'/);
    expect(issues({ faults: [{ kind: 'planeDrop', plane: 5 }] })).toEqual(['faults[0].plane: plane 5 out of range: allowed 0..2']);
    expect(issues({ faults: [{ kind: 'planeDrop', plane: 0, targets: 'sideways' }] })[0]).toMatch(/^faults\[0\]\.targets: .*'all' \| 'downlinks' \| 'relays' \| 'outputs'/);
    expect(issues({ faults: [{ kind: 'byzantineSensor', sensor: 0, perPlane: ['ok', 'loud', 'ok'] }] })[0]).toMatch(/^faults\[0\]\.perPlane\[1\]: .*'ok' \| 'silent'/);
    expect(issues({ rounds: 10, colour: 'red' })[0]).toMatch(/^\(scenario\): Unrecognized key.*colour/);
    expect(issues({ replicas: 2, faults: [{ kind: 'byzantineReplica', replica: 2 }] })).toEqual(['faults[0].replica: replica 2 out of range: allowed 0..1']);
    // the network block takes the cluster's fields (docs/network-model.md)
    expect(issues({ network: { switching: 'magic' } })[0]).toMatch(/^network\.switching: .*'cut-through' \| 'store-and-forward'/);
    expect(issues({ network: { phyNs: 100 } })[0]).toMatch(/^network: Unrecognized key.*phyNs/);
    expect(issues({ net: {} })[0]).toMatch(/^\(scenario\): Unrecognized key.*net/);
  });

  it('defaults: 3 replicas in crossing mode, 4 in the baseline', () => {
    expect(parseScenario({}).replicas).toBe(3);
    expect(parseScenario({ mode: 'baseline' }).replicas).toBe(4);
  });

  it('a slot too short for the network model is refused with the minimum', () => {
    expect(() => runCrossingScenario({ slotNs: 500 })).toThrow(/slotNs 500 is too short .* need >= \d+/);
  });
});
