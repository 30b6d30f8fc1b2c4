// Cross-links between plane switches in the cluster fabric (native/fabric.cpp,
// ClusterConfig.network.crossLinks; docs/network-model.md "Cross-links"), on a 3-plane cluster.
import { beforeAll, describe, expect, it } from 'vitest';
import { libraryPath } from '../../native/build.js';
import { Cluster, DEFAULT_NETWORK, type ClusterConfig } from '../../sim/cluster.js';
import { NIC, withCluster } from './helpers.js';
import { parseScenario } from '../../sim/scenario.js';

const P = 3;


beforeAll(() => {
  libraryPath({ params: { PLANES: P } });
}, 900_000);

describe('cross-links between plane switches', () => {
  it('are off by default, in the model and in scenarios', () => {
    expect(DEFAULT_NETWORK.crossLinks).toBe(false);
    expect(parseScenario({ name: 'x', replicas: 3, planes: 3, durationUs: 1, network: { crossLinks: true } }).network.crossLinks).toBe(true);
    expect(() => parseScenario({ name: 'x', replicas: 3, planes: 3, durationUs: 1, network: { crossLinks: 'yes' } })).toThrow(/network\.crossLinks/);
  });

  // snoop: the leader sends only replica-group frames (APPENDs, heartbeats), which are what a switch relays
  const runs = new Map<boolean, { st: Record<string, number>; follower: ReturnType<Cluster['nics'][number]['readCounters']> }>();
  const run = (crossLinks: boolean) => {
    let r = runs.get(crossLinks);
    if (!r) {
      r = withCluster({
        replicas: 3, planes: P, seed: 5, nic: NIC, network: { crossLinks },
        workload: { ratePct: 20, clients: 2, reply: 'snoop', stopCycle: 6000 },
      }, (c) => {
        c.run(10_000);
        return { st: c.stats(), follower: c.nics[1]!.readCounters() };
      });
      runs.set(crossLinks, r);
    }
    return r;
  };

  it('off: nothing crosses; each follower gets one copy of every group frame per plane', () => {
    const { st, follower } = run(false);
    expect(st.offered).toBeGreaterThan(500);
    expect(st.completed).toBe(st.offered);
    expect(st.cross_frames).toBe(0);
    expect(Object.keys(st).some((k) => /^plane\d\.x\d\./.test(k))).toBe(false);
    for (let p = 0; p < P; p++) {
      expect(st[`plane${p}.n1.egress_frames`]).toBe(st[`plane${p}.n0.up_frames`]);
      expect(Number(follower[`PLANE${p}_RX_FRAMES` as 'PLANE0_RX_FRAMES'])).toBe(st[`plane${p}.n1.egress_frames`]);
    }
  }, 120_000);

  it('on: every group frame crosses to every other plane once; followers get P copies per plane and keep one', () => {
    const { st, follower } = run(true);
    expect(st.completed).toBe(st.offered);
    let crossed = 0;
    for (let p = 0; p < P; p++) {
      for (let q = 0; q < P; q++) {
        if (q === p) continue;
        // everything the leader sent on plane p is group-addressed: each frame crossed to q once
        expect(st[`plane${p}.x${q}.egress_frames`], `cross-link ${p}->${q}`).toBe(st[`plane${p}.n0.up_frames`]);
        expect(st[`plane${p}.x${q}.egress_drops`]).toBe(0);
        crossed += st[`plane${p}.x${q}.egress_frames`]!;
      }
      // the follower's port on plane p carries plane p's own copy and the ones relayed from the other planes
      let leaderAll = 0;
      for (let q = 0; q < P; q++) leaderAll += st[`plane${q}.n0.up_frames`]!;
      expect(st[`plane${p}.n1.egress_frames`]).toBe(leaderAll);
      expect(Number(follower[`PLANE${p}_RX_FRAMES` as 'PLANE0_RX_FRAMES'])).toBe(leaderAll);
    }
    expect(st.cross_frames).toBe(crossed);
    // the NIC's plane merge keeps the first copy of each group frame and counts the others
    const unique = Number(follower.APPEND_ACCEPTED + follower.HEARTBEAT_RX);
    expect(Number(follower.DROP_PLANE_DUP)).toBe(Number(follower.RX_FRAMES) - unique);
  }, 120_000);
});
