// External clients of the ModelNic cluster runtime (sim/model-cluster.ts), as the RTL Cluster's
// (sim/cluster.ts): endpoints after the traffic generators' clients, clientSend puts a frame on the
// client's uplink now, clientPoll takes what reached the client (with its plane and cycle).
import { describe, expect, it } from 'vitest';
import { ModelCluster } from '../../sim/model-cluster.js';
import { hopPs, periodPs, DEFAULT_NETWORK } from '../../sim/cluster.js';
import { requestFrame } from '../../ctrl/app/kv.js';
import { Flag, MsgType, clientMac, getClientId, getSeq, getType, setDstMac } from '../../ctrl/wire/wire.gen.js';

describe('ModelCluster external clients', () => {
  it('a frame from one external client reaches another after one hop, on its plane', () => {
    const c = new ModelCluster({ replicas: 3, planes: 2, seed: 1, workload: { ratePct: 0, clients: 1 }, externalClients: 2 });
    try {
      c.run(100);
      // external client 0 has client id 2 (after the traffic generator's client 1), client 1 id 3
      const f = requestFrame(1, 2, 1, 0, { op: 'get', key: 'k' });
      setDstMac(f, clientMac(3));
      const at = c.cycle;
      c.clientSend(0, 1, f);
      c.run(1000);
      expect(c.clientPoll(0)).toEqual([]);
      const got = c.clientPoll(1);
      expect(got.length).toBe(1);
      expect(got[0]!.plane).toBe(1);
      expect(got[0]!.badFcs).toBe(false);
      const hop = Math.ceil(hopPs(DEFAULT_NETWORK, f.length, true, true) / periodPs(DEFAULT_NETWORK));
      expect(got[0]!.cycle - at).toBeGreaterThanOrEqual(hop - 1);
      expect(got[0]!.cycle - at).toBeLessThanOrEqual(hop + 1);
      expect(c.clientPoll(1)).toEqual([]);
      expect(() => c.clientSend(2, 0, f)).toThrow(/bad client/);
      expect(() => c.clientSend(0, 2, f)).toThrow(/bad client/);
      expect(() => c.clientPoll(2)).toThrow(/no external client/);
    } finally {
      c.destroy();
    }
  });

  it('a REQ to the leader of a static cluster is answered by its NIC at commit; the traffic generators are unaffected', () => {
    const c = new ModelCluster({ replicas: 3, planes: 1, seed: 2, workload: { ratePct: 5, clients: 1, reply: 'nic', stopCycle: 20_000 }, externalClients: 1 });
    try {
      c.run(2000);
      for (let s = 1; s <= 5; s++) c.clientSend(0, 0, requestFrame(1, 2, s, 0, { op: 'put', key: 'k', value: new Uint8Array([s]) }, Flag.NIC_REPLY));
      c.runUntil(() => c.stats().completed === c.stats().offered && c.cycle > 20_000, 100_000);
      const got = c.clientPoll(0).filter((f) => getType(f.frame) === MsgType.REPLY);
      expect(got.map((f) => getSeq(f.frame)).sort()).toEqual([1, 2, 3, 4, 5]);
      expect(got.every((f) => getClientId(f.frame) === 2)).toBe(true);
      const st = c.stats();
      expect(st.offered).toBeGreaterThan(0);
      expect(st.completed).toBe(st.offered);
    } finally {
      c.destroy();
    }
  });
});
