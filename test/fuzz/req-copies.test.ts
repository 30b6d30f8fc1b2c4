// Issue 23: a client in duplicate mode sends each request on every plane. On the ModelNic world
// (3 replicas, 2 planes, the real control plane and KV store): the same REQ on plane 0, then on
// plane 1 `gap` cycles later.
//   - within the copy window (the planes' skew): the leader NIC sequences one copy and drops the
//     other (DROP_REQ_DUP), so one log entry;
//   - after the window (a late copy, 12 us): the NIC does not recognise it and sequences it again
//     (the documented boundary, docs/architecture.md "Request copies"); the KV stores' client
//     sessions answer the second entry from the session: the request executes once on every node.
import { describe, expect, it } from 'vitest';
import { requestFrame } from '../../ctrl/app/kv.js';
import { ModelWorld } from '../../sim/model-world.js';

function copies(gapCycles: number) {
  const w = new ModelWorld({ replicas: 3, planes: 2, seed: 23, clients: 1, raft: { electionTimeoutNs: 40_000, heartbeatIntervalNs: 10_000, tickNs: 5_000 } });
  const applied: Array<{ port: number; clientId: number; seq: number; index: number; duplicate: boolean }> = [];
  w.onCommandApplied = (port, clientId, seq, index, duplicate) => applied.push({ port, clientId, seq, index, duplicate });
  w.request(0, { kind: 'campaign' });
  expect(w.runUntil(() => w.nodes[0]!.replica?.core.role === 'leader', w.us(300))).toBe(true);
  w.run(w.us(20));
  const frame = requestFrame(1, 1, 1, 1, { op: 'append', key: 'k', value: new TextEncoder().encode('x') });
  w.clientSend(0, 0, frame);
  w.run(gapCycles);
  w.clientSend(0, 1, frame);
  w.run(w.us(100));
  const c = w.nodes[0]!.wnic.readCounters();
  return { applied, reqDup: Number(c.DROP_REQ_DUP), planeDup: Number(c.DROP_PLANE_DUP), sequenced: Number(c.REQ_SEQUENCED), kv: w.nodes.map((n) => n.replica!.kv.get('k')) };
}

describe('REQ copies at the leader NIC (duplicate mode)', () => {
  it('a copy within the window is dropped (DROP_REQ_DUP), the request is sequenced and executed once', () => {
    for (const gap of [0, 40, 200]) {
      const r = copies(gap);
      expect(r.reqDup, `gap ${gap}`).toBe(1);
      expect(r.sequenced, `gap ${gap}`).toBe(1);
      const mine = r.applied.filter((a) => a.clientId === 1);
      expect(mine.map((a) => a.port).sort(), `gap ${gap}`).toEqual([0, 1, 2]);   // one application per node
      for (const a of mine) expect([a.index, a.duplicate]).toEqual([mine[0]!.index, false]);
      for (const v of r.kv) expect(new TextDecoder().decode(v)).toBe('x');
    }
  });

  it('a late copy (12 us, past the window) is sequenced again, and every node executes the request once', () => {
    const r = copies(3000);
    expect(r.reqDup).toBe(0);
    expect(r.sequenced).toBe(2);
    const mine = r.applied.filter((a) => a.clientId === 1 && a.seq === 1);
    for (const port of [0, 1, 2]) {
      const at = mine.filter((a) => a.port === port);
      expect(at.map((a) => a.duplicate)).toEqual([false, true]);   // executed at the first index, answered from the session at the second
      expect(at[0]!.index).toBeLessThan(at[1]!.index);
    }
    // executed once: the append is in the value once on every node
    for (const v of r.kv) expect(new TextDecoder().decode(v)).toBe('x');
  });
});
