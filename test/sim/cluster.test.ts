// The cluster co-simulation (native/fabric.cpp, sim/cluster.ts, sim/scenario.ts):
// determinism, the network model to the cycle, multicast, buffer overflow, partitions, plane loss,
// crashes, and scenario validation.
import { beforeAll, describe, expect, it } from 'vitest';
import { libraryPath } from '../../native/build.js';
import { B2B_PAYLOAD_BYTES, B2bWorld } from '../../sim/b2b.js';
import {
  Cluster, DEFAULT_NETWORK, StaticHost, frameLen, hopPs, predictedLoneLatencyCycles, type ClusterConfig,
  type HostContext, type HostSoftware,
} from '../../sim/cluster.js';
import { NIC, withCluster } from './helpers.js';
import { ScenarioError, deterministicPart, parseScenario, runOnce } from '../../sim/scenario.js';
import { Csr, HDR_BYTES, MIN_FRAME_BYTES } from '../../ctrl/wire/wire.gen.js';

const BUILD = 900_000;

function counter(c: Cluster, node: number, lo: number): number {
  const [l, h] = c.nics[node]!.readCsrs([lo, lo + 4]);
  return l! + h! * 2 ** 32;
}


beforeAll(() => {
  libraryPath();
  libraryPath({ params: { PLANES: 2 } });
}, BUILD);

describe('determinism', () => {
  const sc = parseScenario({
    name: 'det', replicas: 3, planes: 1, seed: 7, durationUs: 40, warmupUs: 2, drainUs: 20,
    nic: { ackCount: 4, ackDelayCycles: 32 },
    workload: { ratePct: 30, clients: 2, retryUs: 8 },
    faults: [
      { kind: 'drop', atUs: 5, untilUs: 30, prob: 0.01 },
      { kind: 'delay', atUs: 5, untilUs: 30, prob: 0.05, delayNs: 50, jitterNs: 200 },
      { kind: 'corrupt', atUs: 10, untilUs: 20, prob: 0.01, to: [1] },
      { kind: 'duplicate', atUs: 10, untilUs: 20, prob: 0.01, from: ['c0'] },
    ],
  });

  it('the same seed gives byte-identical event logs and summaries; another seed does not', () => {
    const a = runOnce(sc);
    const b = runOnce(sc);
    const c = runOnce(sc, { seed: 8 });
    expect(a.events.length).toBeGreaterThan(20);
    expect(b.events.join('\n')).toBe(a.events.join('\n'));
    expect(JSON.stringify(deterministicPart(b.summary))).toBe(JSON.stringify(deterministicPart(a.summary)));
    expect(c.events.join('\n')).not.toBe(a.events.join('\n'));
    expect(a.summary.faultsInjected.drop).toBeGreaterThan(0);
    expect(a.summary.faultsInjected.corrupt).toBeGreaterThan(0);
    // the corrupted frames reached node 1's MAC with a bad FCS and were counted there
    expect(a.summary.drops.nic.n1!.MAC_ERROR).toBe(a.summary.faultsInjected.corrupt);
  }, 120_000);
});

describe('network model', () => {
  it('a lone request takes the model floor plus the NIC cycles, to the cycle', () => {
    // The NICs' own cycles, from the back-to-back world: leader REQ presented -> REPLY out.
    const w = new B2bWorld({ mode: 'leader', followers: 2, ackCount: 1, ackDelayCycles: 16, hbIntervalCycles: 1000, nicReply: true, maxRequests: 1 });
    let nicCycles: number;
    try {
      w.run(400);
      nicCycles = w.latency('clientReply').max;
      expect(w.latency('clientReply').count).toBe(1);
    } finally {
      w.destroy();
    }
    const net = DEFAULT_NETWORK;
    // one-beat requests in both worlds (B2B_PAYLOAD_BYTES, the back-to-back world's default: the NIC cycles
    // it measures are those of a one-beat REQ)
    withCluster({ replicas: 3, planes: 1, seed: 1, nic: NIC, workload: { maxRequests: 1, ratePct: 1, clients: 1, startCycle: 100, payloadBytes: B2B_PAYLOAD_BYTES } }, (c) => {
      // the TypeScript arithmetic and the native model agree
      expect(c.nativeHopPs(60, true, false)).toBe(hopPs(net, 60, true, false));
      expect(c.nativeHopPs(60, false, true)).toBe(hopPs(net, 60, false, true));
      c.run(2000);
      const lat = c.latency();
      expect(lat.count).toBe(1);
      expect(lat.min).toBe(predictedLoneLatencyCycles(net, B2B_PAYLOAD_BYTES, nicCycles));
    });
  }, 120_000);
});

describe('fabric', () => {
  it('multicast: the leader sends each APPEND once; the switch copies it to every follower', () => {
    withCluster({ replicas: 5, planes: 1, seed: 1, nic: NIC, workload: { maxRequests: 10, ratePct: 5, clients: 1 } }, (c) => {
      c.run(6000);
      const st = c.stats();
      expect(st.completed).toBe(10);
      const hbTx = counter(c, 0, Csr.COUNTERS_HEARTBEAT_TX_LO);
      const replies = counter(c, 0, Csr.COUNTERS_REPLY_TX_LO);
      const leaderTx = counter(c, 0, Csr.COUNTERS_TX_FRAMES_LO);
      expect(leaderTx).toBe(10 + hbTx + replies);   // 10 APPENDs, not 40
      expect(st['plane0.n0.up_frames']).toBe(leaderTx);
      for (let f = 1; f < 5; f++) {
        expect(st[`plane0.n${f}.egress_frames`], `follower ${f} gets every APPEND and heartbeat`).toBe(10 + hbTx);
        expect(counter(c, f, Csr.COUNTERS_APPEND_ACCEPTED_LO)).toBe(10);
      }
      expect(st['plane0.c0.egress_frames']).toBe(replies);
    });
  }, 120_000);

  it('finite egress buffers drop on overflow, counted per port', () => {
    const buf = 600;
    withCluster({
      replicas: 3, planes: 1, seed: 1, nic: { ...NIC, ackCount: 8 },
      network: { egressBufferBytes: buf },
      workload: { ratePct: 150, clients: 2, stopCycle: 5000 },
    }, (c) => {
      c.run(8000);
      const st = c.stats();
      expect(st['drop.buffer']).toBeGreaterThan(0);
      let perPort = 0;
      for (const [k, v] of Object.entries(st)) {
        if (k.endsWith('.egress_drops')) perPort += v;
        if (k.endsWith('.egress_peak_bytes')) expect(v).toBeLessThanOrEqual(buf);
      }
      expect(perPort).toBe(st['drop.buffer']);
      expect(st['plane0.n0.egress_drops']).toBeGreaterThan(0);   // 150% offered into the leader's port
      expect(st.completed).toBeLessThan(st.offered!);
    });
  }, 120_000);

  it('partitions: symmetric isolates the leader; one-way blocks one direction only', () => {
    withCluster({
      replicas: 3, planes: 1, seed: 1, nic: NIC, workload: { ratePct: 5, clients: 1, stopCycle: 4000 },
      faults: [{ kind: 'partition', at: 0, groups: [[0], [1, 2]] }],
    }, (c) => {
      c.run(6000);
      const st = c.stats();
      expect(st.offered).toBeGreaterThan(0);
      expect(st.completed).toBe(0);
      expect(st['drop.partition']).toBeGreaterThan(0);
      expect(st['node1.committed']).toBe(0);
    });
    withCluster({
      replicas: 3, planes: 1, seed: 1, nic: NIC, workload: { ratePct: 5, clients: 1, stopCycle: 4000 },
      faults: [{ kind: 'partition', at: 0, groups: [[1], [0, 2]], oneWay: true }],
    }, (c) => {
      c.run(6000);
      const st = c.stats();
      expect(st.completed).toBe(st.offered);                       // the leader commits with node 2
      expect(counter(c, 1, Csr.COUNTERS_APPEND_ACCEPTED_LO)).toBe(st.offered);   // node 1 still hears the leader
      expect(counter(c, 0, Csr.COUNTERS_ACK_RX_LO)).toBe(counter(c, 2, Csr.COUNTERS_ACK_TX_LO));   // only node 2's ACKs arrive
      // nothing from node 1 reaches the leader's port: only node 2's ACKs and the client's REQs
      expect(st['plane0.n0.egress_frames']).toBe(st['plane0.n2.up_frames']! + st['plane0.c0.up_frames']!);
      expect(st['drop.partition']).toBeGreaterThan(0);
    });
  }, 120_000);

  it('plane loss: with two planes, losing one loses no request (clients resend on the other)', () => {
    withCluster({
      replicas: 3, planes: 2, seed: 3, nic: { ...NIC, ackCount: 4, ackDelayCycles: 32 },
      workload: { ratePct: 30, clients: 2, stopCycle: 20_000, retryCycles: 2500, reply: 'nic' },
      faults: [{ kind: 'planeDown', at: 5000, until: 12_000, plane: 1 }],
    }, (c) => {
      c.run(30_000);
      const st = c.stats();
      expect(st.offered).toBeGreaterThan(2500);
      expect(st.completed).toBe(st.offered);
      expect(st['drop.plane_down']).toBeGreaterThan(0);
      expect(st['plane1.up']).toBe(1);
      const ev = c.events();
      expect(ev.some((l) => /^5000 plane_down plane=1$/.test(l))).toBe(true);
      expect(ev.some((l) => /^12000 plane_up plane=1$/.test(l))).toBe(true);
      for (let i = 0; i < 3; i++) expect(st[`node${i}.committed`]).toBe(counter(c, 0, Csr.COUNTERS_REQ_SEQUENCED_LO));
    });
  }, 180_000);

  /** Static hosts that log each crash and restart they are told of, as 'crash N @cycle'. */
  const tellingHosts = (): { told: string[]; host: (n: number) => HostSoftware } => {
    const told: string[] = [];
    const host = (n: number): HostSoftware => {
      const s = new StaticHost(NIC);
      return {
        start: (ctx: HostContext) => s.start(ctx),
        onCrash: (ctx: HostContext) => { told.push(`crash ${n} @${ctx.now()}`); },
        onRestart: (ctx: HostContext) => { told.push(`restart ${n} @${ctx.now()}`); s.onRestart(ctx); },
      };
    };
    return { told, host };
  };

  it('node crash: the NIC is held in reset, its host is told; the others keep committing', () => {
    const { told, host } = tellingHosts();
    withCluster({
      replicas: 3, planes: 1, seed: 1, nic: NIC, host, workload: { ratePct: 5, clients: 1, stopCycle: 8000 },
      faults: [{ kind: 'crash', at: 2000, until: 5000, node: 2 }],
    }, (c) => {
      c.run(30_000);
      const st = c.stats();
      expect(st.completed).toBe(st.offered);
      expect(st['drop.node_down']).toBeGreaterThan(0);
      expect(told).toEqual(['crash 2 @2001', 'restart 2 @5001']);
      // the restarted node lost its log: the leader's next APPENDs are beyond a gap; it NACKs and
      // the leader NIC resends the missing entries from its log RAM, so it catches up without a host
      // (the host's count includes what node 2 delivered before the crash: its NIC delivers again from 1)
      expect(c.nics[2]!.readCsr(Csr.RAFT_LAST_INDEX)).toBe(c.nics[0]!.readCsr(Csr.RAFT_LAST_INDEX));
      expect(Number(c.nics[2]!.readCounters().COMMITTED)).toBe(st['node1.committed']);
      expect(c.nics[0]!.readCounters().RETRANSMIT_TX).toBeGreaterThan(0n);
      expect(c.nics[2]!.readCsr(Csr.RAFT_ROLE)).toBe(1);
    });
  }, 120_000);
  it('a crash and its restart both inside one synchronous host wait: the host is told of both (fuzz F3)', () => {
    // A host's synchronous NIC access (a CSR read behind the host latency) advances the world
    // without running hosts; a crash and restart inside that window were never seen, so the host
    // kept its dead software and its reset NIC was never set up again.
    const { told, host } = tellingHosts();
    withCluster({ replicas: 3, planes: 1, seed: 1, nic: NIC, host }, (c) => {
      c.run(1000);
      const at = c.cycle;
      c.addFault({ kind: 'crash', at, node: 2 });
      c.addFault({ kind: 'restart', at: at + 50, node: 2 });
      c.advanceRaw(200); // what WorldNic.readCsrs -> waitPosted does inside a host's code
      c.run(100);
      const cyc = (l: string): number => Number(l.split('@')[1]);
      expect(told.map((l) => l.split(' @')[0])).toEqual(['crash 2', 'restart 2']);
      expect(cyc(told[0]!)).toBeGreaterThanOrEqual(at + 200);
      // a crash the hosts see as it happens is told once, and its restart once
      const at2 = c.cycle;
      c.addFault({ kind: 'crash', at: at2, until: at2 + 100, node: 1 });
      c.run(300);
      expect(told.slice(2)).toEqual([`crash 1 @${at2 + 1}`, `restart 1 @${at2 + 101}`]);
    });
  }, 60_000);
});

describe('scenario format', () => {
  it('names the bad field and the allowed values', () => {
    const bad = (obj: unknown): string => {
      try { parseScenario(obj); } catch (e) { expect(e).toBeInstanceOf(ScenarioError); return (e as Error).message; }
      throw new Error('accepted');
    };
    const ok = { name: 'x', replicas: 3, planes: 2, durationUs: 10 };
    expect(bad({ ...ok, replicas: 4 })).toMatch(/replicas: replicas must be one of 1 \| 3 \| 5 \| 7/);
    expect(bad({ ...ok, workload: { reply: 'host' } })).toMatch(/workload\.reply: must be one of 'nic' \| 'snoop'/);
    expect(bad({ ...ok, faults: [{ kind: 'meteor', atUs: 1 }] })).toMatch(/faults\[0\]\.kind: kind must be one of .*'planeDown'/);
    expect(bad({ ...ok, faults: [{ kind: 'planeDown', atUs: 1, plane: 2 }] })).toMatch(/faults\[0\]\.plane: 2 is not a plane/);
    expect(bad({ ...ok, network: { switchNS: 3 } })).toMatch(/network: unknown field\(s\) 'switchNS'/);
    expect(parseScenario(ok).workload.payloadBytes).toBe(16);
    // the default request: a 60-byte header (with frame authentication's fields, docs/auth.md) and 16 bytes
    expect(frameLen(16)).toBe(HDR_BYTES + 16);
    expect(frameLen(0)).toBe(MIN_FRAME_BYTES);
  });
});
