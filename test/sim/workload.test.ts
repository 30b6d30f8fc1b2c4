// Traffic generators and planes of the cluster co-simulation: closed-loop clients (K outstanding
// per client) and a 3-plane cluster (the PLANES=3 variant, prebuilt by `make build`).
import { beforeAll, describe, expect, it } from 'vitest';
import { libraryPath } from '../../native/build.js';
import { Cluster, DEFAULT_NETWORK, networkFloorPs, periodPs, type ClusterConfig } from '../../sim/cluster.js';
import { NIC, withCluster } from './helpers.js';



beforeAll(() => {
  libraryPath();
  libraryPath({ params: { PLANES: 3 } });
}, 900_000);

describe('closed loop: K requests outstanding per client', () => {
  for (const [K, clients, planes] of [[1, 1, 1], [4, 2, 1], [3, 3, 3]] as const) {
    it(`K=${K}, ${clients} client(s), ${planes} plane(s): every request completes, never more than K in flight, every latency recorded`, () => {
      const stop = 20_000;
      withCluster({ replicas: 3, planes, seed: 11, nic: NIC, workload: { mode: 'closed', outstanding: K, clients, reply: 'nic', stopCycle: stop } }, (c) => {
        const first = c.cycle;   // the clients send their first K requests in this cycle
        c.run(stop - first);
        let st = c.stats();
        for (let k = 0; k < clients; k++) {
          // the window is full while the traffic runs: a reply frees a slot and the next request
          // leaves in the same cycle
          expect(st[`client${k}.inflight`], `client ${k} in flight at the stop`).toBe(K);
          expect(st[`client${k}.max_inflight`], `client ${k}`).toBe(K);
        }
        c.run(5_000);   // drain
        st = c.stats();
        expect(st.offered).toBeGreaterThan(K * clients * 10);
        expect(st.completed).toBe(st.offered);
        expect(st.outstanding).toBe(0);
        for (let k = 0; k < clients; k++) expect(st[`client${k}.max_inflight`]).toBe(K);   // over the whole run
        const lat = c.latency();
        expect(lat.count).toBe(st.completed);
        expect(lat.overflow).toBe(0);
        const hist = c.histogram();
        expect(hist.reduce((a, b) => a + b, 0)).toBe(lat.count);
        // no request beats the network floor (REQ, APPEND, ACK, REPLY on an idle network)
        expect(lat.min).toBeGreaterThanOrEqual(Math.ceil(networkFloorPs(DEFAULT_NETWORK, 16) / periodPs(DEFAULT_NETWORK)));
        // Little's law, exactly: K*clients requests are in flight from the first cycle to the stop,
        // then the last ones drain, so the latencies add up to K*clients*(stop - first) plus at
        // most K*clients*max for the tail
        const sum = Math.round(lat.mean * lat.count);
        expect(sum).toBeGreaterThanOrEqual(K * clients * (stop - first));
        expect(sum).toBeLessThanOrEqual(K * clients * (stop - first + lat.max));
      });
    }, 120_000);
  }
});

describe('three planes', () => {
  it('3 replicas on 3 planes: requests spread over the planes; plane 2 lost and back: no request lost, every NIC merges three copies', () => {
    withCluster({
      replicas: 3, planes: 3, seed: 9, nic: { ...NIC, ackCount: 4, ackDelayCycles: 32 },
      workload: { ratePct: 40, clients: 3, stopCycle: 24_000, retryCycles: 2500, reply: 'nic' },
      faults: [{ kind: 'planeDown', at: 8000, until: 14_000, plane: 2 }],
    }, (c) => {
      c.run(34_000);
      const st = c.stats();
      expect(st.offered).toBeGreaterThan(3000);
      expect(st.completed).toBe(st.offered);
      expect(st['drop.plane_down'] + st['drop.link_down']).toBeGreaterThan(0);
      const ev = c.events();
      expect(ev).toContain('8000 plane_down plane=2');
      expect(ev).toContain('14000 plane_up plane=2');
      const counters = c.nicCounters();
      const sequenced = Number(counters[0]!.REQ_SEQUENCED);
      for (let n = 0; n < 3; n++) expect(st[`node${n}.committed`], `node ${n}`).toBe(sequenced);
      for (let p = 0; p < 3; p++) {
        // the clients used every plane, and the leader sent on every plane
        expect(st[`plane${p}.c0.up_frames`], `client 0 on plane ${p}`).toBeGreaterThan(0);
        expect(Number(counters[0]![`PLANE${p}_TX_FRAMES` as 'PLANE0_TX_FRAMES'])).toBeGreaterThan(0);
        for (const f of [1, 2]) expect(Number(counters[f]![`PLANE${p}_RX_FRAMES` as 'PLANE0_RX_FRAMES'])).toBeGreaterThan(0);
      }
      for (const f of [1, 2]) {
        // each follower took one copy of each of the leader's frames and dropped the others
        const k = counters[f]!;
        expect(Number(k.DROP_PLANE_DUP)).toBeGreaterThan(Number(k.APPEND_ACCEPTED));
      }
    });
  }, 180_000);
});
