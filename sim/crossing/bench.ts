// The crossing-vs-baseline benchmark: same seed, same network model (the cluster's, in the frame
// world: native/frame_world.cpp), same application, nominal (fault-free) rounds; plus the same
// comparison with one equivocating plane and with switch jitter.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { runCrossingScenario, type CrossingSummary } from './runner.js';
import type { ScenarioInput } from './scenario.js';
import { netModel } from './netmodel.js';
import { DEFAULT_NETWORK } from '../cluster.js';

export interface BenchOptions {
  rounds?: number;
  seed?: number;
  out?: string;
  log?: (line: string) => void;
}

export interface BenchEntry {
  messagesPerRound: number;
  latencyNs: { p50: number; p99: number };
  hostWorkPerRound: number;
  hostWorkBreakdown: { rxFrames: number; txFrames: number; voteOps: number };
  replicas: number;
  networkFloorNs: number;
  agreementViolations: number;
  validityViolations: number;
}

const entry = (s: CrossingSummary): BenchEntry => ({
  messagesPerRound: s.messagesPerRound,
  latencyNs: { p50: s.latencyNs.p50, p99: s.latencyNs.p99 },
  hostWorkPerRound: s.hostWorkPerRound.total,
  hostWorkBreakdown: {
    rxFrames: s.hostWorkPerRound.rxFrames,
    txFrames: s.hostWorkPerRound.txFrames,
    voteOps: s.hostWorkPerRound.voteOps,
  },
  replicas: s.replicas,
  networkFloorNs: s.latencyNs.floor,
  agreementViolations: s.agreementViolations,
  validityViolations: s.validityViolations,
});

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const ratio = (c: BenchEntry, b: BenchEntry) => ({
  messages: r3(c.messagesPerRound / b.messagesPerRound),
  latencyP50: r3(c.latencyNs.p50 / b.latencyNs.p50),
  latencyP99: r3(c.latencyNs.p99 / b.latencyNs.p99),
  hostWork: r3(c.hostWorkPerRound / b.hostWorkPerRound),
});

export function runBench(opts: BenchOptions = {}) {
  const rounds = opts.rounds ?? 10_000;
  const seed = opts.seed ?? 20230601;
  const log = opts.log ?? ((l: string) => console.log(l));
  const common = { planes: 3 as const, sensors: 1, actuators: 1, rounds, seed, slotNs: 10_000 };
  const run = (s: ScenarioInput): BenchEntry => entry(runCrossingScenario(s));

  const crossing = run({ ...common, name: 'bench-crossing', mode: 'crossing', replicas: 3 });
  const baseline = run({ ...common, name: 'bench-baseline', mode: 'baseline', replicas: 4 });
  const baseline3 = run({ ...common, name: 'bench-baseline-3', mode: 'baseline', replicas: 3 });
  const direct = run({ ...common, name: 'bench-direct', mode: 'direct', replicas: 3 });
  const eq = [{ kind: 'planeEquivocate' as const, plane: 1 }];
  const crossingF = run({ ...common, name: 'bench-crossing-faulty-plane', mode: 'crossing', replicas: 3, faults: eq });
  const baselineF = run({ ...common, name: 'bench-baseline-faulty-plane', mode: 'baseline', replicas: 4, faults: eq });
  const jitter = { jitterNs: 100 };
  const crossingJ = run({ ...common, name: 'bench-crossing-jitter', mode: 'crossing', replicas: 3, network: jitter });
  const baselineJ = run({ ...common, name: 'bench-baseline-jitter', mode: 'baseline', replicas: 4, network: jitter });
  const m = netModel();
  const ns = (ps: number): number => ps / 1000;

  const result = {
    config: {
      ...common,
      crossingReplicas: 3,
      baselineReplicas: 4,
      network:
        `the cluster's link and switch model (docs/network-model.md) in the frame world (native/frame_world.cpp): ` +
        `100 Gb/s, ${m.frameBytes}-byte frames (${ns(m.wirePs)} ns on the wire), NIC MAC/PHY ${DEFAULT_NETWORK.nicTxNs} ns tx + ` +
        `${DEFAULT_NETWORK.nicRxNs} ns rx, ${DEFAULT_NETWORK.cableNs} ns cable, ${DEFAULT_NETWORK.switchNs} ns cut-through switch, ` +
        `cross-links between the plane switches (crossing mode), no jitter, ${ns(m.hostPs)} ns host turnaround`,
      percentiles: 'exact nearest-rank over all rounds (sorted samples)',
      latency: 'sensor send -> actuator accepts f+1 matching outputs',
      messages: 'frames on links per round, each link traversal counted once',
      hostWork: 'per correct replica host per round: frames received + frames sent + vote operations',
    },
    seed,
    crossing,
    baseline,
    ratio: ratio(crossing, baseline),
    extra: {
      baselineWith3Replicas: baseline3,
      ratioVsBaselineWith3Replicas: ratio(crossing, baseline3),
      directNoCrossLinks: direct,
      oneEquivocatingPlane: { crossing: crossingF, baseline: baselineF, ratio: ratio(crossingF, baselineF) },
      switchJitter100ns: { crossing: crossingJ, baseline: baselineJ, ratio: ratio(crossingJ, baselineJ) },
    },
  };

  const out = opts.out ?? 'bench/out/crossing.json';
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');

  const row = (name: string, e: BenchEntry): string =>
    `${name.padEnd(38)}${String(e.replicas).padStart(4)}${e.messagesPerRound.toFixed(1).padStart(10)}${e.latencyNs.p50.toFixed(1).padStart(11)}${e.latencyNs.p99.toFixed(1).padStart(11)}${e.hostWorkPerRound.toFixed(1).padStart(11)}${String(e.agreementViolations + e.validityViolations).padStart(7)}`;
  log(`crossing vs OM(1) baseline: ${rounds} rounds each, seed ${seed}, 3 planes, 1 sensor, 1 actuator, on the cluster's network model (frame world)`);
  log(`${'run'.padEnd(38)}${'R'.padStart(4)}${'msgs/rnd'.padStart(10)}${'p50 ns'.padStart(11)}${'p99 ns'.padStart(11)}${'host/rnd'.padStart(11)}${'viol'.padStart(7)}`);
  log(row('crossing', crossing));
  log(row('baseline OM(1)', baseline));
  log(row('baseline OM(1), 3 replicas', baseline3));
  log(row('direct (no cross-links, ablation)', direct));
  log(row('crossing, plane 1 equivocating', crossingF));
  log(row('baseline, plane 1 equivocating', baselineF));
  log(row('crossing, switch jitter U[0,100] ns', crossingJ));
  log(row('baseline, switch jitter U[0,100] ns', baselineJ));
  const rt = result.ratio;
  log(
    `ratio crossing/baseline: messages ${rt.messages}, latency p50 ${rt.latencyP50}, p99 ${rt.latencyP99}, host work ${rt.hostWork}`,
  );
  const rf = result.extra.oneEquivocatingPlane.ratio;
  log(`ratio with one equivocating plane: messages ${rf.messages}, latency p50 ${rf.latencyP50}, p99 ${rf.latencyP99}, host work ${rf.hostWork}`);
  const rj = result.extra.switchJitter100ns.ratio;
  log(`ratio with switch jitter: messages ${rj.messages}, latency p50 ${rj.latencyP50}, p99 ${rj.latencyP99}, host work ${rj.hostWork}`);
  log(`wrote ${out}`);
  return result;
}
