// The crossing mode on the cluster's network model: the frame world (native/frame_world.cpp)
// times every frame with the fabric's link and switch model, cross-links included; the crossing
// agents, the replicas and the faults run in TypeScript (sim/crossing/sim.ts).
import { describe, expect, it } from 'vitest';
import { AT_ENDPOINT, AT_SWITCH, FrameWorld, type Arrival } from '../../sim/frame-world.js';
import { DEFAULT_NETWORK, hopPs } from '../../sim/cluster.js';
import { downN, netModel, type NetConfig } from '../../sim/crossing/netmodel.js';
import { runCrossingScenario } from '../../sim/crossing/runner.js';
import { mkSim } from './helpers.js';

function withWorld<T>(w: FrameWorld, fn: (w: FrameWorld) => T): T {
  try {
    return fn(w);
  } finally {
    w.destroy();
  }
}

/** Runs the world until nothing is left, collecting every arrival (no reactions). */
function drain(w: FrameWorld): Arrival[] {
  const out: Arrival[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    if (w.run(Number.MAX_SAFE_INTEGER, (a) => out.push(a)) === 0 && w.nextPs >= Number.MAX_SAFE_INTEGER) return out;
  }
  throw new Error('the world did not drain');
}

const models: Array<[string, Partial<NetConfig>]> = [
  ['defaults (the cluster\'s)', {}],
  ['store-and-forward', { switching: 'store-and-forward' }],
  ['25 Gb/s, no RS-FEC, 1 µs switch, 1500-byte frames', { linkGbps: 25, nicTxNs: 20, nicRxNs: 30, switchNs: 1000, frameBytes: 1500 }],
];

describe('the frame world: the cluster\'s link and switch model, with cross-links', () => {
  for (const [name, cfg] of models) {
    it(`the crossing's arithmetic equals the native model and the cluster's hop: ${name}`, () => {
      const m = netModel(cfg);
      withWorld(new FrameWorld({ planes: 3, endpoints: 2, crossLinks: true, network: m.network }), (w) => {
        expect(w.model(m.frameBytes)).toEqual({ wirePs: m.wirePs, upPs: m.upPs, crossPs: m.crossPs, downPs: m.downPs });
        // endpoint -> switch -> endpoint is the cluster's hop between two NICs
        expect(m.upPs + m.downPs).toBe(hopPs({ ...DEFAULT_NETWORK, ...m.network }, m.frameBytes, false, false));
        // the lookahead is the least of the three link kinds
        expect(w.counters().lookaheadPs).toBe(Math.min(m.upPs, m.crossPs, m.downPs - m.wirePs + w.model(60).wirePs));
      });
    });
  }

  it('a frame crosses: endpoint 0 -> switch 0 -> cross-link -> switch 1 -> endpoint 1, timed hop by hop', () => {
    const m = netModel();
    withWorld(new FrameWorld({ planes: 2, endpoints: 2, crossLinks: true }), (w) => {
      const got: Arrival[] = [];
      w.sendUplink(1_000_000, 0, 0, 7);
      w.run(Number.MAX_SAFE_INTEGER, (a) => got.push(a));
      expect(got).toEqual([{ kind: AT_SWITCH, t: 1_000_000 + m.upPs, plane: 0, node: 0, port: 0, tag: 7, len: 60 }]);
      // switch 0 relays it to switch 1, which sees it on its cross-link port from 0 (E + 0)
      const t1 = got[0]!.t;
      w.sendEgress(t1, 0, w.crossPort(1), 8);
      const x = drain(w);
      expect(x).toEqual([{ kind: AT_SWITCH, t: t1 + m.crossPs, plane: 1, node: 0, port: w.crossPort(0), tag: 8, len: 60 }]);
      w.sendEgress(x[0]!.t, 1, 1, 9);
      expect(drain(w)).toEqual([{ kind: AT_ENDPOINT, t: x[0]!.t + m.downPs, plane: 1, node: 1, port: 1, tag: 9, len: 60 }]);
      const c = w.counters();
      expect([c.linkFrames, c.crossFrames, c.atSwitch, c.atEndpoint]).toEqual([3, 1, 2, 1]);
      const st = w.stats();
      expect([st['plane0.x1.egress_frames'], st['plane1.x0.egress_frames'], st['plane1.e1.egress_frames']]).toEqual([1, 0, 1]);
    });
  });

  it('without cross-links nothing can cross: a cross-link port is refused, and no cross-link is counted', () => {
    withWorld(new FrameWorld({ planes: 2, endpoints: 2, crossLinks: false }), (w) => {
      w.sendEgress(0, 0, w.crossPort(1), 1);
      expect(() => w.run(Number.MAX_SAFE_INTEGER, () => {})).toThrow(/switch 0 port 3 is a cross-link, and cross-links are off/);
      expect(Object.keys(w.stats()).some((k) => /\.x\d\./.test(k))).toBe(false);
    });
  });

  it('an egress port serializes frames in ready order and drops what its buffer cannot hold, counted', () => {
    const m = netModel({ egressBufferBytes: 120 });   // two 60-byte frames
    withWorld(new FrameWorld({ planes: 1, endpoints: 2, crossLinks: false, network: m.network }), (w) => {
      for (let k = 0; k < 5; k++) w.sendEgress(100_000 + k, 0, 1, k);   // five frames, 1 ps apart
      const got = drain(w);
      expect(got.map((a) => [a.tag, a.t])).toEqual([[0, 100_000 + m.downPs], [1, 100_000 + m.downPs + m.wirePs]]);
      const st = w.stats();
      expect([st['plane0.e1.egress_drops'], st['drop.buffer'], st['plane0.e1.egress_peak_bytes']]).toEqual([3, 3, 120]);
    });
  });

  it('a send before the frontier (the earliest arrival already delivered) is refused', () => {
    withWorld(new FrameWorld({ planes: 1, endpoints: 2, crossLinks: false }), (w) => {
      w.sendUplink(5_000_000, 0, 0, 1);
      w.run(Number.MAX_SAFE_INTEGER, () => {});
      w.sendEgress(1_000, 0, 1, 2);
      expect(() => w.run(Number.MAX_SAFE_INTEGER, () => {})).toThrow(/before the world's frontier/);
    });
  });

  it('bad configuration names the field', () => {
    expect(() => new FrameWorld({ planes: 9, endpoints: 2, crossLinks: true })).toThrow(/planes must be 1\.\.8/);
    expect(() => netModel({ cableNs: 0, switchNs: 0 })).toThrow(/switchNs/);
  });
});

describe('crossing and baseline on the frame world', () => {
  const P = 3;
  const runs = [
    { mode: 'crossing' as const, replicas: 3, planes: 3 as const, msgs: P * P * 4 + 2 * 3 * P, cross: P * (P - 1) },
    { mode: 'crossing' as const, replicas: 3, planes: 2 as const, msgs: 2 * 2 * 4 + 2 * 3 * 2, cross: 2 },
    { mode: 'direct' as const, replicas: 3, planes: 3 as const, msgs: P + P * 3 + 2 * 3 * P, cross: 0 },
    { mode: 'baseline' as const, replicas: 4, planes: 3 as const, msgs: P * (1 + 4 + 16) + 2 * 4 * P, cross: 0 },
    { mode: 'baseline' as const, replicas: 3, planes: 3 as const, msgs: P * (1 + 3 + 9) + 2 * 3 * P, cross: 0 },
  ];
  for (const r of runs) {
    it(`fault-free rounds take exactly the network floor: ${r.mode}, ${r.planes} planes, ${r.replicas} replicas; ${r.msgs} frames, ${r.cross} on cross-links`, () => {
      const s = runCrossingScenario({ mode: r.mode, planes: r.planes, replicas: r.replicas, rounds: 50, seed: 3 });
      expect([s.latencyNs.min, s.latencyNs.max]).toEqual([s.latencyNs.floor, s.latencyNs.floor]);
      expect(s.messagesPerRound).toBe(r.msgs);
      expect(s.crossLinkFramesPerRound).toBe(r.cross);
      expect(s.bufferDrops).toBe(0);
    });
  }

  it('store-and-forward switches add one wire time per switch on the path (3 for crossing and the baseline, 2 direct)', () => {
    const w = netModel().wirePs / 1000;
    for (const [mode, switches] of [['crossing', 3], ['baseline', 3], ['direct', 2]] as const) {
      const ct = runCrossingScenario({ mode, rounds: 5, seed: 1 });
      const sf = runCrossingScenario({ mode, rounds: 5, seed: 1, network: { switching: 'store-and-forward' } });
      expect(sf.latencyNs.p50 - ct.latencyNs.p50).toBeCloseTo(switches * w, 6);
      expect(sf.latencyNs.floor).toBe(sf.latencyNs.p50);
    }
  });

  it('switch jitter spreads the latency between the floor and the floor plus the jitter on the path; the rule still holds', () => {
    const jitterNs = 100;
    const s = runCrossingScenario({ rounds: 400, seed: 5, network: { jitterNs }, faults: [{ kind: 'planeEquivocate', plane: 2 }] });
    expect([s.agreementViolations, s.validityViolations, s.actuator.wrongOutputs, s.actuator.omissions]).toEqual([0, 0, 0, 0]);
    const n = runCrossingScenario({ rounds: 400, seed: 5, network: { jitterNs } });
    expect(n.latencyNs.min).toBeGreaterThanOrEqual(n.latencyNs.floor);
    expect(n.latencyNs.p99).toBeGreaterThan(n.latencyNs.p50);
    // three switch forwardings on the path (sensor copy, relay, output), each adding at most jitterNs
    expect(n.latencyNs.max).toBeLessThanOrEqual(n.latencyNs.floor + 3 * jitterNs);
  });

  it('the crossing agents sit at the switches: each relay crosses once per reading and plane pair, policed at the far switch', () => {
    const sim = mkSim({ replicas: 3 });
    try {
      const m = netModel();
      const rd = sim.runRound();
      expect(rd.readings[0]!.decisions).toEqual([100, 100, 100]);
      const st = sim.world.stats();
      for (let p = 0; p < 3; p++)
        for (let q = 0; q < 3; q++) if (p !== q) expect(st[`plane${p}.x${q}.egress_frames`], `cross-link ${p}->${q}`).toBe(1);
      // replica 0 (endpoint 1) got, on each plane, its direct copy and the two relays
      for (let p = 0; p < 3; p++) expect(st[`plane${p}.e1.egress_frames`]).toBe(3);
      expect(sim.win.decidePs).toBe(sim.win.crossIngressPs + downN(m, 3) + m.guardPs);
    } finally {
      sim.destroy();
    }
  });
});
