// Exhaustive single-fault placements, through the simulator (switch policing, windows, timing).
// Covered fault set exercised here:
//   F1  one faulty plane (any of its rows/relays, per replica and per destination plane), sensors correct
//   F2  Byzantine sensor (values/silence/late/edge per plane), planes correct except at most one
//       lost downlink port per replica
//   F3  one Byzantine replica of 3, with F1 or F2 (outvoted at the actuators)
import { describe, expect, it } from 'vitest';
import { noBehaviors } from '../../sim/crossing/sim.js';
import { runCrossingScenario } from '../../sim/crossing/runner.js';
import type { Fault } from '../../sim/crossing/scenario.js';
import type { Value } from '../../ctrl/crossing/rule.js';
import { A, B, C, mkSim, tablePlane, tableSensor, lostPorts, tuples, type RelayEntry, type SensorEntry } from './helpers.js';

const agree = (ds: (Value | undefined)[]): boolean => ds.every((d) => d === ds[0]);

describe('F2: Byzantine sensor, every pattern over {A, B, silent, late, edge}^3, x every lost port per replica', () => {
  it('agreement holds for all 125 patterns (replica r+1 has lost its port on plane r; replica 0 none)', () => {
    const dom: SensorEntry[] = [A, B, 'silent', 'late', 'edge'];
    let n = 0;
    for (const pattern of tuples(dom, 3)) {
      const beh = noBehaviors(3, 1, 4);
      beh.sensors[0] = tableSensor(pattern);
      for (let p = 0; p < 3; p++) beh.planes[p]!.push(lostPorts([p + 1]));
      const sim = mkSim({ replicas: 4, beh });
      const rd = sim.runRound().readings[0]!;
      expect(agree(rd.decisions), `pattern ${JSON.stringify(pattern)} -> ${JSON.stringify(rd.decisions)}`).toBe(true);
      // the agreed value is the majority of what the planes accepted ('edge' is accepted, 'late' is not)
      const acc = pattern.map((e) => (e === 'edge' ? A : typeof e === 'number' ? e : null));
      const expected = acc[0] === acc[1] || acc[0] === acc[2] ? acc[0] : acc[1] === acc[2] ? acc[1] : null;
      expect(rd.decisions[0]).toBe(expected);
      n++;
    }
    expect(n).toBe(125);
  });

  it('without cross-links (direct mode) the same lost ports break agreement: what the crossing adds', () => {
    const beh = noBehaviors(3, 1, 4);
    beh.sensors[0] = tableSensor([A, B, A]);
    for (let p = 0; p < 3; p++) beh.planes[p]!.push(lostPorts([p + 1]));
    const direct = mkSim({ replicas: 4, beh, mode: 'direct' }).runRound().readings[0]!;
    expect(agree(direct.decisions)).toBe(false);
    const crossing = mkSim({ replicas: 4, beh, mode: 'crossing' }).runRound().readings[0]!;
    expect(agree(crossing.decisions)).toBe(true);
  });
});

describe('F1: one faulty plane, exhaustive over what it delivers and relays', () => {
  // Every replica gets a distinct row from the faulty plane: all 64 rows over {A,B,C,none}^3.
  // Relays to each other plane: A, B, C, none, late (past the cross-link window), or two
  // different relays (B first, then A: "different things for different replicas" through a
  // correct plane). 6^2 relay choices x 3 faulty planes x sensor value A or silent.
  const rowDom: Value[] = [A, B, C, null];
  const rows = [...tuples(rowDom, 3)];
  const relayDom: RelayEntry[] = [A, B, C, null, 'late', { first: B, then: A }];

  for (let f = 0; f < 3; f++) {
    it(`plane ${f} faulty: agreement and validity for all 64 rows x 36 relay choices x {sensor A, sensor silent}`, () => {
      let rounds = 0;
      for (const sensorSilent of [false, true]) {
        for (const rel of tuples(relayDom, 2)) {
          const relays: RelayEntry[] = [null, null, null];
          let i = 0;
          for (let q = 0; q < 3; q++) if (q !== f) relays[q] = rel[i++]!;
          const beh = noBehaviors(3, 1, rows.length);
          beh.planes[f]!.push(tablePlane(rows, relays));
          if (sensorSilent) beh.sensors[0] = tableSensor(['silent', 'silent', 'silent']);
          const rd = mkSim({ replicas: rows.length, beh }).runRound().readings[0]!;
          // the table really reached the replicas: row f as specified, column f as relayed (first wins)
          const relayed = (e: RelayEntry): Value => (e === 'late' ? null : e !== null && typeof e === 'object' ? e.first : e);
          rows.forEach((row, r) => {
            expect(rd.views![r]![f]).toEqual(row);
            for (let q = 0; q < 3; q++) if (q !== f) expect(rd.views![r]![q]![f]).toBe(relayed(relays[q]!));
          });
          const want = sensorSilent ? null : A; // a crashed (silent) sensor is decided "no value" by all
          const bad = rd.decisions.findIndex((d) => d !== want);
          expect(bad, `faulty ${f}, relays ${JSON.stringify(relays)}, replica ${bad} row ${JSON.stringify(rows[bad])}`).toBe(-1);
          rounds++;
        }
      }
      expect(rounds).toBe(72);
    }, 60_000);
  }
});

describe('F1 through the fault kinds of the scenarios: each plane x {drop, delay, corrupt, equivocate} x targets x per', () => {
  const kinds = ['planeDrop', 'planeDelay', 'planeCorrupt', 'planeEquivocate'] as const;
  const targets = ['all', 'downlinks', 'relays', 'outputs'] as const;
  for (const kind of kinds) {
    it(`${kind}: agreement, validity and actuator output hold on every plane, every target, per frame and per slot`, () => {
      for (let plane = 0; plane < 3; plane++)
        for (const t of targets)
          for (const per of ['frame', 'slot'] as const)
            for (const probability of [0.5, 1]) {
              const faults: Fault[] = [{ kind, plane, targets: t, per, probability } as Fault];
              const s = runCrossingScenario({ rounds: 60, seed: 11 + plane, faults });
              expect(s.coverage.covered).toBe(true);
              const tag = `${kind} plane ${plane} ${t} ${per} p=${probability}`;
              expect([s.agreementViolations, s.validityViolations, s.actuator.wrongOutputs, s.actuator.omissions], tag).toEqual([0, 0, 0, 0]);
            }
    });
  }
});

describe('F3: one Byzantine replica of 3 is outvoted at the actuators', () => {
  for (const behavior of ['random', 'offset', 'silent', 'equivocate'] as const) {
    it(`byzantineReplica ${behavior} at each position, alone and with a faulty plane or a Byzantine sensor`, () => {
      for (let replica = 0; replica < 3; replica++) {
        const extra: Fault[][] = [[], [{ kind: 'planeEquivocate', plane: (replica + 1) % 3 } as Fault], [{ kind: 'byzantineSensor', sensor: 0 } as Fault]];
        for (const more of extra) {
          const s = runCrossingScenario({ rounds: 150, seed: 5 + replica, actuators: 2, faults: [{ kind: 'byzantineReplica', replica, behavior }, ...more] });
          expect(s.coverage.covered).toBe(true);
          expect([s.agreementViolations, s.validityViolations, s.actuator.wrongOutputs, s.actuator.omissions]).toEqual([0, 0, 0, 0]);
        }
      }
    });
  }
});
