// Follower reads under leases (issue 19, docs/control-plane.md §6) in the ModelNic world: followers
// answer linearizable reads under the leader's grants, the leader's NIC commits only what every
// voter holds while leases are out, a partitioned follower stops answering when its lease ends
// (writes wait for that, then go on with a majority), and with clock drift beyond the configured
// bound the checker finds the stale read this allows (so the check is able to fail).
import { describe, expect, it } from 'vitest';
import { ModelWorld } from '../../sim/model-world.js';
import { KvClient, type Outcome } from '../../ctrl/app/client.js';
import { Csr } from '../../ctrl/wire/wire.gen.js';
import { HistoryRecorder } from '../../ctrl/app/history.js';
import { parseJsonHistory } from '../../verify/check/parse.js';
import { checkOperations } from '../../verify/check/checker.js';
import { kvModel } from '../../verify/check/models.js';

const te = new TextEncoder();
const td = new TextDecoder();

function world(seed: number, o: { clockRates?: number[]; maxClockDrift?: number; replicas?: number; voters?: number; durableReplies?: boolean } = {}) {
  const w = new ModelWorld({
    replicas: o.replicas ?? 3, voters: o.voters ?? o.replicas ?? 3, planes: 1, seed, clients: 1,
    raft: { followerReads: true, ...(o.durableReplies ? { durableReplies: true } : {}), ...(o.maxClockDrift !== undefined ? { maxClockDrift: o.maxClockDrift } : {}) },
    ...(o.clockRates ? { clockRates: o.clockRates } : {}),
  });
  const now = (): number => w.cycle * w.nsPerCycle;
  const kv = new KvClient({ clientId: 1, clusterId: 1, nodes: Array.from({ length: o.replicas ?? 3 }, (_, i) => i + 1), attemptTimeoutNs: 60_000, maxAttempts: Infinity, retryBudgetNs: 5_000_000, transport: { send: (_to, f) => w.clientSend(0, 0, f) } });
  w.addPoller(() => {
    for (const f of w.clientPoll(0)) kv.receive(f, now());
    kv.tick(now());
  });
  const rec = new HistoryRecorder({ model: 'kv', clock: () => Math.round(now()) });
  const leader = (): number => w.nodes.findIndex((n) => n.replica?.core.role === 'leader');
  const put = (key: string, value: string): Outcome => {
    const id = rec.invoke(1, { op: 'put', key, value });
    let out: Outcome | undefined;
    kv.invoke({ op: 'put', key, value: te.encode(value) }, (o) => { out = o; });
    for (let i = 0; i < 2000 && !out; i++) w.run(w.us(2));
    if (out?.kind === 'ok') rec.ok(id); else rec.info(id);
    return out!;
  };
  /** a read at node `port` through the core's read path, recorded as process 100+port */
  const readAt = (port: number, key: string): { via: string; value: string | null } => {
    const id = rec.invoke(100 + port, { op: 'get', key });
    let res: { via: string; value: string | null } | undefined;
    w.nodes[port]!.replica!.readLocal(key, (r) => { res = { via: r.via, value: r.value ? td.decode(r.value) : null }; });
    for (let i = 0; i < 500 && !res; i++) w.run(w.us(1));
    if (!res) { rec.info(id); return { via: 'timeout', value: null }; }
    if (res.via === 'refused') rec.fail(id); else rec.ok(id, res.value);
    return res;
  };
  const linearizable = (): string => {
    const h = parseJsonHistory(rec.toJSON(), 'follower-reads');
    return checkOperations(kvModel, h.ops, { timeoutMs: 10_000 }).verdict;
  };
  return { w, kv, put, readAt, leader, linearizable, rec };
}

describe('follower reads under leases (ModelNic world)', () => {
  it('followers answer under leases, see every acknowledged write, and the leader NIC counts every voter', () => {
    const t = world(3);
    t.w.run(t.w.us(600));
    const L = t.leader();
    expect(L).toBeGreaterThanOrEqual(0);
    expect(t.put('k', 'v0').kind).toBe('ok');
    t.w.run(t.w.us(200));
    const lc = t.w.nodes[L]!.replica!.core.status().leases;
    expect(lc.mode).toBe('on');
    expect(lc.granted).toBeGreaterThan(0);
    expect(t.w.nodes[L]!.nic.readCsr(Csr.RAFT_QUORUM)).toBe(3);
    const followers = [0, 1, 2].filter((p) => p !== L);
    for (let i = 1; i <= 20; i++) {
      expect(t.put('k', `v${i}`).kind).toBe('ok');
      // right after the acknowledgement, any follower reads it (or something newer)
      const f = followers[i % 2]!;
      const r = t.readAt(f, 'k');
      expect(r).toEqual({ via: 'follower', value: `v${i}` });
    }
    for (const f of followers) expect(t.w.nodes[f]!.replica!.core.status().leases.followerReads).toBeGreaterThanOrEqual(10);
    expect(t.linearizable()).toBe('linearizable');
  });

  it('with durable replies, followers answer reads of written keys (they learn the quorum-durable index from the leader)', () => {
    // campaign seed 208042: a follower's core.durableIndex() was 0, so under durableReplies its
    // driver held every read of a key ever written, forever (the client timed out at every follower)
    const t = world(3, { durableReplies: true });
    t.w.run(t.w.us(600));
    const L = t.leader();
    expect(L).toBeGreaterThanOrEqual(0);
    const followers = [0, 1, 2].filter((p) => p !== L);
    // a follower never believes more is durable on a quorum than the leader knows
    let over = 0;
    let samples = 0;
    t.w.addPoller(() => {
      const lc = t.w.nodes[t.leader()]?.replica?.core;
      if (!lc || lc.role !== 'leader') return;
      for (const f of followers) {
        const fc = t.w.nodes[f]!.replica!.core;
        samples++;
        if (fc.term === lc.term && fc.durableIndex() > lc.durableIndex()) over++;
      }
    });
    expect(t.put('k', 'v0').kind).toBe('ok');
    t.w.run(t.w.us(200));
    expect(t.w.nodes[L]!.replica!.core.status().leases.mode).toBe('on');
    for (let i = 1; i <= 10; i++) {
      expect(t.put('k', `v${i}`).kind).toBe('ok');
      const r = t.readAt(followers[i % 2]!, 'k');
      expect(r).toEqual({ via: 'follower', value: `v${i}` });
    }
    // a key never written needs no durability
    expect(t.readAt(followers[0]!, 'never')).toEqual({ via: 'follower', value: null });
    expect(samples).toBeGreaterThan(100);
    expect(over).toBe(0);
    expect(t.linearizable()).toBe('linearizable');
  });

  it('a partitioned follower stops answering when its lease ends; writes wait for that, then go on with a majority', () => {
    const t = world(5);
    t.w.run(t.w.us(600));
    const L = t.leader();
    expect(t.put('k', 'a').kind).toBe('ok');
    t.w.run(t.w.us(200));
    const F = [0, 1, 2].find((p) => p !== L)!;
    expect(t.readAt(F, 'k')).toEqual({ via: 'follower', value: 'a' });
    const others = [0, 1, 2].filter((p) => p !== F);
    t.w.addFault({ kind: 'partition', at: t.w.cycle, until: t.w.cycle + t.w.us(5000), groups: [[F], others] } as never);
    const t0 = t.w.nowUs;
    expect(t.put('k', 'b').kind).toBe('ok');
    const waitedUs = t.w.nowUs - t0;
    console.log(`a write while a lease holder is partitioned away waited ${waitedUs.toFixed(1)} us (election timeout 100 us)`);
    // the write waited for F's lease to end (at most about an election timeout, 100 us)
    expect(waitedUs).toBeLessThan(400);
    expect(t.w.nodes[L]!.replica!.core.status().leases.mode).not.toBe('on');
    expect(t.w.nodes[L]!.nic.readCsr(Csr.RAFT_QUORUM)).toBe(2);
    // F's lease has ended: it refuses (the client asks the leader)
    expect(t.readAt(F, 'k').via).toBe('refused');
    expect(t.readAt(L, 'k')).toMatchObject({ value: 'b' });
    expect(t.linearizable()).toBe('linearizable');
  });

  it('the same scenario with drift within the bound (0.95 x real time, bound 0.05): the follower refuses instead', () => {
    const probe = world(5);
    probe.w.run(probe.w.us(600));
    const F = [0, 1, 2].find((p) => p !== probe.leader())!;
    const rates = [1.04, 1, 0.97];
    rates[F] = 0.95;
    const t = world(5, { clockRates: rates, maxClockDrift: 0.05 });
    t.w.run(t.w.us(600));
    expect(t.leader()).not.toBe(F);
    expect(t.put('k', 'a').kind).toBe('ok');
    t.w.run(t.w.us(300));
    expect(t.readAt(F, 'k')).toEqual({ via: 'follower', value: 'a' });
    const others = [0, 1, 2].filter((p) => p !== F);
    t.w.addFault({ kind: 'partition', at: t.w.cycle, until: t.w.cycle + t.w.us(5000), groups: [[F], others] } as never);
    expect(t.put('k', 'b').kind).toBe('ok');
    t.w.run(t.w.us(1));
    expect(t.readAt(F, 'k').via).toBe('refused');
    expect(t.linearizable()).toBe('linearizable');
  });

  it('clock drift beyond the configured bound: a follower answers a stale read and the checker finds it', () => {
    // node clocks: the follower that gets partitioned runs at 0.25 x real time, while the
    // configuration promises 1e-4: its lease lasts four times longer than the leader counts on
    const probe = world(5);
    probe.w.run(probe.w.us(600));
    const L = probe.leader();
    const F = [0, 1, 2].find((p) => p !== L)!;
    const rates = [1, 1, 1];
    rates[F] = 0.25;
    const t = world(5, { clockRates: rates, maxClockDrift: 1e-4 });
    t.w.run(t.w.us(600));
    const L2 = t.leader();
    expect(L2).not.toBe(F);
    expect(t.put('k', 'a').kind).toBe('ok');
    t.w.run(t.w.us(300));
    expect(t.readAt(F, 'k')).toEqual({ via: 'follower', value: 'a' });
    const others = [0, 1, 2].filter((p) => p !== F);
    t.w.addFault({ kind: 'partition', at: t.w.cycle, until: t.w.cycle + t.w.us(5000), groups: [[F], others] } as never);
    expect(t.put('k', 'b').kind).toBe('ok');
    // b is acknowledged; F still believes its lease holds and answers a
    t.w.run(t.w.us(1));
    const r = t.readAt(F, 'k');
    expect(r).toEqual({ via: 'follower', value: 'a' });
    expect(t.linearizable()).toBe('not linearizable');
  });

  it('reads stay linearizable while a voter is added and another removed; the removed one stops answering when its lease ends', () => {
    const t = world(11, { replicas: 4, voters: 3 });
    t.w.run(t.w.us(600));
    const L = t.leader();
    expect(L).toBeGreaterThanOrEqual(0);
    expect(L).toBeLessThan(3);
    let n = 0;
    const round = (ports: number[]): string[] => {
      const vias: string[] = [];
      expect(t.put('k', `v${++n}`).kind).toBe('ok');
      for (const p of ports) vias.push(t.readAt(p, 'k').via);
      return vias;
    };
    for (let i = 0; i < 5; i++) round([0, 1, 2, 3]);
    const core = () => t.w.nodes[t.leader()]!.replica!.core;
    expect(core().status().leases.mode).toBe('on');
    // add node 4 (port 3): leases drain first, then the entry goes out
    t.w.request(t.leader(), { kind: 'confChange', op: 'add', node: 4 });
    for (let i = 0; i < 40; i++) { round([0, 1, 2, 3]); t.w.run(t.w.us(10)); }
    expect(core().status().voters).toEqual([1, 2, 3, 4]);
    t.w.run(t.w.us(300));
    expect(core().status().leases.mode).toBe('on');
    expect(t.w.nodes[t.leader()]!.nic.readCsr(Csr.RAFT_QUORUM)).toBe(4);
    expect(round([3])).toEqual(['follower']);
    // remove a follower other than the leader
    const gone = [0, 1, 2].find((p) => p !== t.leader())!;
    t.w.request(t.leader(), { kind: 'confChange', op: 'remove', node: gone + 1 });
    let lastServed = -1;
    let removedAt = -1;
    for (let i = 0; i < 40; i++) {
      const v = round([0, 1, 2, 3]);
      if (v[gone] === 'follower') lastServed = i;
      if (removedAt < 0 && !core().status().voters.includes(gone + 1)) removedAt = i;
      t.w.run(t.w.us(10));
    }
    // it answered under its lease while the leases drained, then its lease ended before the
    // removal took effect (seen by the leader), and it never answered again
    expect(lastServed).toBeGreaterThanOrEqual(0);
    expect(removedAt).toBeGreaterThan(lastServed);
    expect(core().status().voters).not.toContain(gone + 1);
    // the removed replica answered no read after its last lease ended (it refuses from then on)
    expect(round([gone])).toEqual(['refused']);
    t.w.run(t.w.us(300));
    expect(core().status().leases.mode).toBe('on');
    expect(t.w.nodes[t.leader()]!.nic.readCsr(Csr.RAFT_QUORUM)).toBe(3);
    expect(t.linearizable()).toBe('linearizable');
  });
});
