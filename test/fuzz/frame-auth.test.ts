// Frame authentication (issue 16 item 1; docs/auth.md): the attacks against a ModelNic world
// with authentication on. Before (commit 657e2ed) a forged APPEND at the followers' next index was
// accepted by their NICs, a forged HEARTBEAT header reached the leader's core (term 1001 / 2^32-1), and
// nothing stopped a captured frame sent again. Now each is dropped by the NIC and counted
// (DROP_AUTH_FAIL, DROP_NO_KEY, DROP_REPLAY), and no state moves: no forged entry applied anywhere, no
// term change, no frame of the attack at any host (the core's newer-term refusals stay 0), writes go on.
import { describe, expect, it } from 'vitest';
import { ModelWorld } from '../../sim/model-world.js';
import { encodeFrame, MsgType, nodeMac, MAC_GROUP } from '../../ctrl/wire/wire.gen.js';
import { encodeCommand } from '../../ctrl/app/kv.js';

const text = new TextEncoder();

function world(seed: number): ModelWorld {
  console.log(`frame auth: ModelWorld seed ${seed}`);
  const w = new ModelWorld({ replicas: 3, planes: 1, seed, frameAuth: true, raft: { electionTimeoutNs: 60_000, heartbeatIntervalNs: 12_000, tickNs: 4_000 } });
  w.run(w.us(400));
  return w;
}

const counters = (w: ModelWorld, port: number) => w.nodes[port]!.wnic.readCounters();
const sum = (w: ModelWorld, name: 'DROP_AUTH_FAIL' | 'DROP_NO_KEY' | 'DROP_REPLAY'): bigint =>
  w.nodes.reduce((a, _n, i) => a + counters(w, i)[name], 0n);

function leaderOf(w: ModelWorld) {
  const l = w.nodes.map((n) => n.replica!).find((r) => r.core.role === 'leader');
  expect(l, 'a leader').toBeDefined();
  return l!;
}

function put(w: ModelWorld, port: number, key: string, value: string): void {
  w.request(port, { kind: 'propose', payload: encodeCommand({ op: 'put', key, value: text.encode(value) }) });
}

describe('frame authentication (issue 16 item 1): the attacks, ModelNic world', () => {
  it('a forged APPEND at the followers\' next index is dropped and counted, never applied', () => {
    const w = world(16_101);
    const applied: string[] = [];
    w.onEntryApplied = (_port, e) => { applied.push(Buffer.from(e.frame).toString('latin1')); };
    const leader = leaderOf(w);
    const next = leader.core.status().lastIndex + 1;
    const term = leader.core.term;
    const before = sum(w, 'DROP_AUTH_FAIL') + sum(w, 'DROP_NO_KEY');
    // the attacker holds no key: a plausible APPEND (right term, next index, from the leader), without
    // an ICV, with a random one, and naming the other key slot
    const lid = leader.core.id;
    let n = 0;
    for (const variant of ['zero', 'random', 'slot1'] as const) {
      const f = encodeFrame({
        dstMac: MAC_GROUP, srcMac: nodeMac(lid), type: MsgType.APPEND, clusterId: 1, flags: 0, srcNode: lid, dstNode: 0xff,
        term, logIndex: next, commitIndex: next - 1, clientId: 7, seq: 1 + n,
        authKid: variant === 'slot1' ? 1 : 0, pn: 1e9 + n, icvHi: variant === 'random' ? 0xdeadbeef : 0, icvLo: variant === 'random' ? 0x12345678 : 0,
      }, text.encode('put victim FORGED'));
      w.inject(lid - 1, 0, f);
      n++;
    }
    w.run(w.us(50));
    put(w, lid - 1, 'x', 'acked-write');
    w.run(w.us(300));
    const after = sum(w, 'DROP_AUTH_FAIL') + sum(w, 'DROP_NO_KEY');
    console.log(`  forged APPENDs dropped at the NICs: ${after - before} (AUTH_FAIL ${sum(w, 'DROP_AUTH_FAIL')}, NO_KEY ${sum(w, 'DROP_NO_KEY')})`);
    expect(after - before).toBe(6n); // 3 frames x 2 followers
    expect(applied.some((s) => s.includes('FORGED'))).toBe(false);
    expect(applied.some((s) => s.includes('acked-write'))).toBe(true);
    expect(leaderOf(w).core.term).toBe(term);
  }, 60_000);

  for (const forgedTerm of [1001, 0xffff_ffff]) {
    it(`a forged HEARTBEAT with term ${forgedTerm} is dropped at the NIC, never reaches a core`, () => {
      const w = world(16_102);
      const replicas = w.nodes.map((n) => n.replica!);
      const leader = leaderOf(w);
      const term0 = leader.core.term;
      const before = sum(w, 'DROP_AUTH_FAIL');
      let sent = 0;
      for (let from = 1; from <= 3; from++) {
        for (let to = 1; to <= 3; to++) {
          if (to === from) continue;
          w.inject(from - 1, 0, encodeFrame({
            dstMac: nodeMac(to), srcMac: nodeMac(from), type: MsgType.HEARTBEAT, clusterId: 1, flags: 0, srcNode: from, dstNode: to,
            term: forgedTerm, logIndex: 1, commitIndex: 1, clientId: 0, seq: 99, pn: 2 ** 40 + sent,
          }));
          sent++;
        }
      }
      w.run(w.us(100));
      put(w, leader.core.id - 1, 'k', 'v');
      w.run(w.us(300));
      const dropped = sum(w, 'DROP_AUTH_FAIL') - before;
      const refused = replicas.map((r) => r.core.status().refused.newerTermFrames);
      console.log(`  ${sent} forged heartbeats; dropped at the NICs ${dropped}; newer-term frames at the cores ${refused.join('/')}; terms ${replicas.map((r) => r.core.term).join('/')}`);
      expect(dropped).toBe(BigInt(sent));
      expect(refused).toEqual([0, 0, 0]);
      expect(replicas.map((r) => r.core.term)).toEqual([term0, term0, term0]);
      expect(leaderOf(w).core.id).toBe(leader.core.id);
    }, 60_000);
  }

  it('a captured frame sent again is dropped and counted (replay window)', () => {
    const w = world(16_103);
    const leader = leaderOf(w);
    const lid = leader.core.id;
    const captured: Uint8Array[] = [];
    w.onRoute = (src, _plane, f) => { if (src === lid - 1 && f[15] === MsgType.APPEND && captured.length < 4) captured.push(f.slice()); };
    put(w, lid - 1, 'a', '1');
    w.run(w.us(200));
    w.onRoute = undefined;
    expect(captured.length).toBeGreaterThan(0);
    const before = sum(w, 'DROP_REPLAY');
    const commit0 = leaderOf(w).core.status().commit;
    for (const f of captured) w.inject(lid - 1, 0, f);
    w.run(w.us(100));
    const replayed = sum(w, 'DROP_REPLAY') - before;
    console.log(`  ${captured.length} captured APPENDs sent again: ${replayed} dropped as replays (2 followers each)`);
    expect(replayed).toBe(BigInt(2 * captured.length));
    put(w, lid - 1, 'b', '2');
    w.run(w.us(300));
    expect(leaderOf(w).core.status().commit).toBeGreaterThan(commit0);
  }, 60_000);
});
