// Runs a crossing (or baseline) scenario and checks it: agreement among correct replicas,
// validity for correct sensors, the actuators' vote. Returns a summary; formatSummary() prints it.

import { Prng } from './prng.js';
import { netModel, nsToPs, psToNs } from './netmodel.js';
import { CrossingSim, type RoundResult, type Behaviors } from './sim.js';
import { buildBehaviors, classify, type Coverage } from './faults.js';
import { type Scenario, type ScenarioInput, parseScenario } from './scenario.js';
import { Samples, percentile } from './stats.js';
import type { Value } from '../../ctrl/crossing/rule.js';

export interface Violation {
  kind: 'agreement' | 'validity' | 'actuator';
  round: number;
  sensor?: number;
  detail: string;
}

export interface CrossingSummary {
  name: string;
  mode: Scenario['mode'];
  planes: number;
  replicas: number;
  sensors: number;
  actuators: number;
  rounds: number;
  seed: string;
  slotNs: number;
  coverage: Coverage;
  readings: number;
  agreementViolations: number;
  validityChecked: number;
  validityViolations: number;
  conflictsDetected: number;
  actuator: { wrongOutputs: number; omissions: number };
  /** frames on links per round (each link traversal counts once) */
  messagesPerRound: number;
  /** of which on cross-links between plane switches */
  crossLinkFramesPerRound: number;
  /** frames the switches dropped because an egress buffer was full (the frame world's count) */
  bufferDrops: number;
  /** sensor send (last sensor's slot start) -> actuator 0 accept; exact nearest-rank percentiles */
  latencyNs: { p50: number; p99: number; min: number; max: number; floor: number; samples: number };
  /** per correct replica host per round */
  hostWorkPerRound: { total: number; rxFrames: number; txFrames: number; voteOps: number };
  /** covered => no violation; uncovered runs are reported, not judged */
  ok: boolean;
  firstViolations: Violation[];
}

export interface RunOptions {
  /** override scenario rounds */
  rounds?: number;
  /** called after every round (tests, traces) */
  onRound?: (r: RoundResult) => void;
  /** replace the behaviours built from the scenario's faults (tests) */
  behaviors?: Behaviors;
  /** keep at most this many violation records (default 10) */
  keepViolations?: number;
}

const same = (a: Value | undefined, b: Value | undefined): boolean => a === b;

export function runCrossingScenario(input: Scenario | ScenarioInput, opts: RunOptions = {}): CrossingSummary {
  const sc: Scenario = parseScenario(input);
  const rounds = opts.rounds ?? sc.rounds;
  const root = new Prng(typeof sc.seed === 'string' ? BigInt(sc.seed) : sc.seed);
  const net = netModel(sc.network);
  const sim = new CrossingSim(
    {
      mode: sc.mode,
      planes: sc.planes,
      replicas: sc.replicas,
      sensors: sc.sensors,
      actuators: sc.actuators,
      slotPs: nsToPs(sc.slotNs),
      net,
      seed: root.fork('sim').seed,
      app: sc.app,
    },
    opts.behaviors ?? buildBehaviors(sc, root.fork('faults')),
  );
  const coverage = classify(sc);
  const byzReplica = new Set(sc.faults.flatMap((f) => (f.kind === 'byzantineReplica' ? [f.replica] : [])));
  const correctReplicas = [...Array(sc.replicas).keys()].filter((r) => !byzReplica.has(r));
  const keep = opts.keepViolations ?? 10;

  let readings = 0, agreementViolations = 0, validityChecked = 0, validityViolations = 0, conflicts = 0;
  let wrongOutputs = 0, omissions = 0, frames = 0, rx = 0, tx = 0, ops = 0;
  const lat = new Samples();
  let world = { linkFrames: 0, crossFrames: 0, bufferDrops: 0 };
  const violations: Violation[] = [];
  const note = (v: Violation): void => {
    if (violations.length < keep) violations.push(v);
  };

  try {
    for (let k = 0; k < rounds; k++) {
      const res = sim.runRound();
      opts.onRound?.(res);
      frames += res.frames;
      for (const r of correctReplicas) {
        rx += res.hostRx[r]!;
        tx += res.hostTx[r]!;
        ops += res.hostOps[r]!;
      }
      if (res.latencyPs !== undefined) lat.push(res.latencyPs);
      for (const rd of res.readings) {
        readings++;
        const defined = correctReplicas.map((r) => rd.decisions[r]);
        conflicts += correctReplicas.filter((r) => rd.conflicts[r]).length;
        if (!defined.every((d) => same(d, defined[0]))) {
          agreementViolations++;
          note({ kind: 'agreement', round: k, sensor: rd.sensor, detail: `decisions ${JSON.stringify(defined)}` });
        }
        if (rd.sensorCorrect) {
          validityChecked++;
          if (!defined.every((d) => d === rd.trueValue)) {
            validityViolations++;
            note({ kind: 'validity', round: k, sensor: rd.sensor, detail: `sent ${rd.trueValue}, decided ${JSON.stringify(defined)}` });
          }
        }
      }
      const outs = correctReplicas.map((r) => res.outputs[r]);
      const unanimous = outs.every((o) => o === outs[0]);
      res.accepted.forEach((acc, a) => {
        if (acc === undefined) {
          omissions++;
          note({ kind: 'actuator', round: k, detail: `actuator ${a} accepted nothing; correct outputs ${JSON.stringify(outs)}` });
        } else if (unanimous ? acc !== outs[0] : !outs.includes(acc)) {
          wrongOutputs++;
          note({ kind: 'actuator', round: k, detail: `actuator ${a} accepted ${acc}; correct outputs ${JSON.stringify(outs)}` });
        }
      });
    }
  } finally {
    world = sim.world.counters();
    sim.destroy();
  }

  const sorted = lat.sorted();
  const nRep = Math.max(1, correctReplicas.length);
  const round3 = (x: number): number => Math.round(x * 1000) / 1000;
  const violationsTotal = agreementViolations + validityViolations + wrongOutputs + omissions;
  return {
    name: sc.name,
    mode: sc.mode,
    planes: sc.planes,
    replicas: sc.replicas,
    sensors: sc.sensors,
    actuators: sc.actuators,
    rounds,
    seed: String(sc.seed),
    slotNs: sc.slotNs,
    coverage,
    readings,
    agreementViolations,
    validityChecked,
    validityViolations,
    conflictsDetected: conflicts,
    actuator: { wrongOutputs, omissions },
    messagesPerRound: round3(frames / rounds),
    crossLinkFramesPerRound: round3(world.crossFrames / rounds),
    bufferDrops: world.bufferDrops,
    latencyNs: {
      p50: psToNs(percentile(sorted, 50)),
      p99: psToNs(percentile(sorted, 99)),
      min: psToNs(sorted.length ? sorted[0]! : NaN),
      max: psToNs(sorted.length ? sorted[sorted.length - 1]! : NaN),
      floor: psToNs(sim.win.floorPs),
      samples: sorted.length,
    },
    hostWorkPerRound: {
      total: round3((rx + tx + ops) / rounds / nRep),
      rxFrames: round3(rx / rounds / nRep),
      txFrames: round3(tx / rounds / nRep),
      voteOps: round3(ops / rounds / nRep),
    },
    ok: !coverage.covered || violationsTotal === 0,
    firstViolations: violations,
  };
}

export function formatSummary(s: CrossingSummary): string {
  const L: string[] = [];
  L.push(`scenario ${s.name}: mode=${s.mode} planes=${s.planes} replicas=${s.replicas} sensors=${s.sensors} actuators=${s.actuators} seed=${s.seed}`);
  L.push(`  fault set        ${s.coverage.faultClass} (${s.coverage.covered ? 'covered' : 'NOT covered'}): ${s.coverage.reason}`);
  L.push(`  rounds           ${s.rounds} (${s.readings} readings, slot ${s.slotNs} ns)`);
  L.push(`  agreement viol.  ${s.agreementViolations}`);
  L.push(`  validity viol.   ${s.validityViolations} of ${s.validityChecked} readings from correct sensors`);
  L.push(`  actuator         wrong ${s.actuator.wrongOutputs}, omitted ${s.actuator.omissions}`);
  if (s.conflictsDetected) L.push(`  conflicts        ${s.conflictsDetected} detected (2-plane rule)`);
  L.push(`  messages/round   ${s.messagesPerRound} (cross-links ${s.crossLinkFramesPerRound}; buffer drops ${s.bufferDrops})`);
  L.push(`  latency (ns)     p50 ${s.latencyNs.p50}  p99 ${s.latencyNs.p99}  min ${s.latencyNs.min}  max ${s.latencyNs.max}  (network floor ${s.latencyNs.floor}; ${s.latencyNs.samples} samples)`);
  const h = s.hostWorkPerRound;
  L.push(`  host work/round  ${h.total} = rx ${h.rxFrames} + tx ${h.txFrames} + votes ${h.voteOps} (per correct replica)`);
  L.push(`  result           ${s.coverage.covered ? (s.ok ? 'OK' : 'VIOLATIONS in a covered fault set') : 'not judged (outside the covered set)'}`);
  for (const v of s.firstViolations.slice(0, 5)) L.push(`    ${v.kind} @round ${v.round}${v.sensor !== undefined ? ` sensor ${v.sensor}` : ''}: ${v.detail}`);
  return L.join('\n');
}
