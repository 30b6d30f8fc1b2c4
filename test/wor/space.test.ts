// The WOR address space (ctrl/app/wor/space.ts) as a state machine, through the KV store's apply
// (as every replica runs it), and end to end on a ModelNic cluster: a write is one log entry
// committed by the NIC fast path, and a second write of another value fails with its reason.
import { describe, expect, it } from 'vitest';
import { KvStore, encodeCommand, decodeCommand, decodeReply, type Command } from '../../ctrl/app/kv.js';
import { WorSpace, WorStatus, decodeWorResult, type WorCommand } from '../../ctrl/app/wor/space.js';
import { encodeFrame, MsgType, nodeMac, clientMac } from '../../ctrl/wire/wire.gen.js';
import { WorWorld } from '../../sim/wor-world.js';

const te = new TextEncoder();
const td = new TextDecoder();
const v = (s: string) => te.encode(s);

function entry(index: number, clientId: number, seq: number, cmd: Command) {
  const frame = encodeFrame({ dstMac: nodeMac(1), srcMac: clientMac(clientId), type: MsgType.APPEND, clusterId: 1, flags: 0, srcNode: 1, dstNode: 0xff, term: 1, logIndex: index, commitIndex: 0, clientId, seq }, encodeCommand(cmd));
  return { index, term: 1, frame };
}

describe('WorSpace', () => {
  it('a register is written at most once: a second write of another value fails and says why', () => {
    const s = new WorSpace();
    const base = s.execute({ op: 'wor.alloc', size: 4 }).addr;
    expect(base).toBe(1);
    expect(s.execute({ op: 'wor.read', addr: base }).status).toBe(WorStatus.EMPTY);
    expect(s.execute({ op: 'wor.write', addr: base, epoch: 0, value: v('a') }).status).toBe(WorStatus.OK);
    const second = s.execute({ op: 'wor.write', addr: base, epoch: 0, value: v('b') });
    expect(second.status).toBe(WorStatus.WRITTEN);
    expect(td.decode(second.value!)).toBe('a');
    // the same value again is not a second write: it answers OK (a retried request)
    expect(s.execute({ op: 'wor.write', addr: base, epoch: 0, value: v('a') }).status).toBe(WorStatus.OK);
    const r = s.execute({ op: 'wor.read', addr: base });
    expect([r.status, td.decode(r.value!)]).toEqual([WorStatus.OK, 'a']);
  });

  it('capture pre-empts earlier captors; only the current captor writes', () => {
    const s = new WorSpace();
    const a = s.execute({ op: 'wor.alloc', size: 2 }).addr;
    const c1 = s.execute({ op: 'wor.capture', addr: a });
    const c2 = s.execute({ op: 'wor.capture', addr: a });
    expect([c1.epoch, c2.epoch]).toEqual([1, 2]);
    expect(s.execute({ op: 'wor.read', addr: a })).toMatchObject({ status: WorStatus.UNDECIDED, epoch: 2 });
    expect(s.execute({ op: 'wor.write', addr: a, epoch: 0, value: v('owner') })).toMatchObject({ status: WorStatus.PREEMPTED, epoch: 2 });
    expect(s.execute({ op: 'wor.write', addr: a, epoch: 1, value: v('x') })).toMatchObject({ status: WorStatus.PREEMPTED, epoch: 2 });
    expect(s.execute({ op: 'wor.write', addr: a, epoch: 3, value: v('x') }).status).toBe(WorStatus.BAD);
    expect(s.execute({ op: 'wor.write', addr: a, epoch: 2, value: v('y') }).status).toBe(WorStatus.OK);
    // a later capture returns the value: the register stays decided
    const c3 = s.execute({ op: 'wor.capture', addr: a });
    expect([c3.epoch, td.decode(c3.value!)]).toEqual([3, 'y']);
    expect(s.execute({ op: 'wor.write', addr: a, epoch: 3, value: v('z') }).status).toBe(WorStatus.WRITTEN);
  });

  it('allocates disjoint ranges; unallocated addresses are refused', () => {
    const s = new WorSpace();
    const a = s.execute({ op: 'wor.alloc', size: 10 }).addr;
    const b = s.execute({ op: 'wor.alloc', size: 5 }).addr;
    expect(b).toBe(a + 10);
    expect(s.execute({ op: 'wor.read', addr: b + 5 }).status).toBe(WorStatus.UNALLOCATED);
    expect(s.execute({ op: 'wor.read', addr: 0 }).status).toBe(WorStatus.UNALLOCATED);
    expect(s.execute({ op: 'wor.alloc', size: 0 }).status).toBe(WorStatus.BAD);
    expect(s.execute({ op: 'wor.alloc', size: 0xffff_fff0 }).status).toBe(WorStatus.FULL);
  });

  it('append fills the next register, tail reports it, trim forgets the prefix', () => {
    const s = new WorSpace();
    const b = s.execute({ op: 'wor.alloc', size: 3 }).addr;
    expect(s.execute({ op: 'wor.append', base: b, value: v('0') }).addr).toBe(b);
    expect(s.execute({ op: 'wor.append', base: b, value: v('1') }).addr).toBe(b + 1);
    expect(s.execute({ op: 'wor.tail', base: b })).toMatchObject({ addr: b + 2, epoch: b });
    expect(s.execute({ op: 'wor.trim', base: b, upTo: b + 1 }).addr).toBe(b + 1);
    expect(s.execute({ op: 'wor.read', addr: b }).status).toBe(WorStatus.TRIMMED);
    expect(s.execute({ op: 'wor.write', addr: b, epoch: 0, value: v('again') }).status).toBe(WorStatus.TRIMMED);
    expect(s.execute({ op: 'wor.append', base: b, value: v('2') }).addr).toBe(b + 2);
    expect(s.execute({ op: 'wor.append', base: b, value: v('3') }).status).toBe(WorStatus.FULL);
    expect(s.execute({ op: 'wor.append', base: b + 1, value: v('x') }).status).toBe(WorStatus.UNALLOCATED);
  });

  it('commands round-trip through their encoding, compactly', () => {
    const cmds: WorCommand[] = [
      { op: 'wor.alloc', size: 7 }, { op: 'wor.capture', addr: 9 }, { op: 'wor.write', addr: 9, epoch: 2, value: v('hi') },
      { op: 'wor.read', addr: 9 }, { op: 'wor.append', base: 1, value: v('') }, { op: 'wor.tail', base: 1 }, { op: 'wor.trim', base: 1, upTo: 4 },
    ];
    for (const c of cmds) expect(decodeCommand(encodeCommand(c))).toEqual(c);
    expect(encodeCommand({ op: 'wor.write', addr: 9, epoch: 2, value: v('hi') }).length).toBe(1 + 4 + 4 + 2 + 2);
    expect(() => decodeCommand(Uint8Array.of(0x1f, 0, 0))).toThrow(/unknown WOR op/);
  });

  it('the KV store applies WOR commands with sessions, and its snapshot carries the WOR space', () => {
    const kv = new KvStore();
    const a1 = kv.apply(entry(1, 5, 1, { op: 'wor.alloc', size: 8 }))!;
    const base = decodeWorResult(a1.reply.status, a1.reply.value).addr;
    kv.apply(entry(2, 5, 2, { op: 'wor.write', addr: base + 3, epoch: 0, value: v('v') }));
    kv.apply(entry(3, 6, 1, { op: 'put', key: 'k', value: v('kv') }));
    const dup = kv.apply(entry(4, 5, 2, { op: 'wor.write', addr: base + 3, epoch: 0, value: v('v') }))!;
    expect(dup.duplicate).toBe(true);
    const other = new KvStore();
    other.restore(kv.snapshot());
    const r = other.apply(entry(5, 7, 1, { op: 'wor.read', addr: base + 3 }))!;
    const x = decodeWorResult(r.reply.status, r.reply.value);
    expect([x.status, td.decode(x.value!)]).toEqual([WorStatus.OK, 'v']);
    expect(td.decode(other.get('k')!)).toBe('kv');
    // a KV-only store's snapshot has no WOR section
    const plain = new KvStore();
    plain.apply(entry(1, 6, 1, { op: 'put', key: 'k', value: v('kv') }));
    const again = new KvStore();
    again.restore(plain.snapshot());
    expect(again.snapshot()).toEqual(plain.snapshot());
    expect(decodeReply(new Uint8Array()).status).toBe(0);
  });
});

describe('WOR on a ModelNic cluster', () => {
  for (const replicas of [3, 5]) {
    it(`${replicas} replicas: a write by the owner is one log entry committed by the NIC; a second write fails`, async () => {
      const ww = new WorWorld({ replicas, planes: 2, seed: 11, endpoints: 2 });
      await ww.runUntil(() => ww.world.nodes.some((n) => n.replica?.core.role === 'leader'), 2000);
      const p = ww.spawn('app');
      let base = 0;
      let done = false;
      void (async () => { base = await p.wor.alloc(16); done = true; })();
      expect(await ww.runUntil(() => done, 2000)).toBe(true);
      const leader = ww.world.nodes.find((n) => n.replica?.core.role === 'leader')!.replica!;
      const applied0 = leader.kv.appliedIndex;
      const committed0 = leader.stats.committedRx;
      const proposals0 = leader.stats.hostProposals;
      let w1: Awaited<ReturnType<typeof p.wor.write>> | undefined;
      void (async () => { w1 = await p.wor.write(base + 1, v('first')); })();
      expect(await ww.runUntil(() => w1 !== undefined, 2000)).toBe(true);
      expect(w1).toEqual({ ok: true, epoch: 0 });
      expect(leader.kv.appliedIndex - applied0).toBe(1); // one log entry
      expect(leader.stats.committedRx - committed0).toBe(1); // committed by the NIC, handed to the host
      expect(leader.stats.hostProposals).toBe(proposals0); // not a host-path proposal
      let w2: Awaited<ReturnType<typeof p.wor.write>> | undefined;
      void (async () => { w2 = await p.wor.write(base + 1, v('second')); })();
      expect(await ww.runUntil(() => w2 !== undefined, 2000)).toBe(true);
      expect(w2!.ok).toBe(false);
      if (!w2!.ok) {
        expect(w2!.reason).toBe('written');
        expect(w2!.message).toMatch(/already holds another value.*written at most once/);
      }
      let r: Awaited<ReturnType<typeof p.wor.read>> | undefined;
      void (async () => { r = await p.wor.read(base + 1); })();
      expect(await ww.runUntil(() => r !== undefined, 2000)).toBe(true);
      expect(r!.state === 'value' && td.decode(r!.value)).toBe('first');
      // every replica holds the same register
      await ww.run(200);
      for (const n of ww.world.nodes) {
        const x = n.replica!.kv.wor.execute({ op: 'wor.read', addr: base + 1 });
        expect(td.decode(x.value!)).toBe('first');
      }
    }, 60_000);
  }
});
