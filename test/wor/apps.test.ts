// The WOR applications without faults, on a ModelNic cluster: the KV store over a WOR log (two
// clients see one order), a shared log's concurrent appends, and a 2PC transaction recovered from
// its registers after its coordinator vanished.
import { describe, expect, it } from 'vitest';
import { Status } from '../../ctrl/app/kv.js';
import { LogKv } from '../../ctrl/app/wor/kv.js';
import { SharedLog } from '../../ctrl/app/wor/log.js';
import { Coordinator, Participant, newDisk, recoverAll, type TxnEnv, type TxnMsg } from '../../ctrl/app/wor/txn.js';
import { WorWorld, type WorProc } from '../../sim/wor-world.js';

const te = new TextEncoder();
const td = new TextDecoder();

async function cluster(seed: number, endpoints: number): Promise<WorWorld> {
  const ww = new WorWorld({ replicas: 3, planes: 2, seed, endpoints });
  expect(await ww.runUntil(() => ww.world.nodes.some((n) => n.replica?.core.role === 'leader'), 3000)).toBe(true);
  return ww;
}

async function settle<T>(ww: WorWorld, p: Promise<T>, limitUs = 5000): Promise<T> {
  let out: { v: T } | undefined;
  let err: unknown;
  p.then((v) => { out = { v }; }, (e) => { err = e; });
  await ww.runUntil(() => out !== undefined || err !== undefined, limitUs);
  if (err) throw err;
  if (!out) throw new Error('did not settle in time');
  return out.v;
}

describe('WOR applications on a ModelNic cluster', () => {
  it('KV over a WOR log: two clients, one order; cas and get see each other', async () => {
    const ww = await cluster(3, 3);
    const a = ww.spawn('a');
    const b = ww.spawn('b');
    const log = await settle(ww, SharedLog.create(a.wor, 1000));
    const ka = new LogKv(new SharedLog(a.wor, log.base));
    const kb = new LogKv(new SharedLog(b.wor, log.base));
    expect((await settle(ww, ka.execute({ op: 'put', key: 'x', value: te.encode('1') }))).status).toBe(Status.OK);
    const g = await settle(ww, kb.get('x'));
    expect(td.decode(g.value!)).toBe('1');
    // concurrent cas from both: exactly one wins
    const [ca, cb] = await settle(ww, Promise.all([
      ka.execute({ op: 'cas', key: 'x', expected: te.encode('1'), value: te.encode('A') }),
      kb.execute({ op: 'cas', key: 'x', expected: te.encode('1'), value: te.encode('B') }),
    ]));
    expect([ca.status, cb.status].sort()).toEqual([Status.OK, Status.CAS_FAILED]);
    const winner = ca.status === Status.OK ? 'A' : 'B';
    expect(td.decode((await settle(ww, ka.get('x'))).value!)).toBe(winner);
    expect(td.decode((await settle(ww, kb.get('x'))).value!)).toBe(winner);
    expect((await settle(ww, kb.execute({ op: 'append', key: 'x', value: te.encode('+') }))).status).toBe(Status.OK);
    expect(td.decode((await settle(ww, ka.get('x'))).value!)).toBe(`${winner}+`);
  }, 60_000);

  it('shared log: concurrent appenders get distinct positions, every reader sees the same prefix', async () => {
    const ww = await cluster(5, 9);
    const setup = ww.spawn('setup');
    const log = await settle(ww, SharedLog.create(setup.wor, 1 << 16));
    const procs: WorProc[] = Array.from({ length: 8 }, (_, i) => ww.spawn(`a${i}`));
    const positions = await settle(ww, Promise.all(procs.flatMap((p, i) => [0, 1, 2].map(async () => {
      const L = new SharedLog(p.wor, log.base);
      return [await L.append(te.encode(`v${i}`)), i] as const;
    }))), 20_000);
    expect(new Set(positions.map(([pos]) => pos)).size).toBe(24);
    const { tail } = await settle(ww, log.tail());
    expect(tail).toBe(24);
    const all = await settle(ww, new SharedLog(procs[0]!.wor, log.base).readRange(0, tail), 20_000);
    for (const [pos, i] of positions) expect(all[pos]!.state === 'value' && td.decode((all[pos] as { value: Uint8Array }).value)).toBe(`v${i}`);
  }, 60_000);

  it('2PC: commits in the common case; a transaction whose coordinator vanished is finished by recovery', async () => {
    const ww = await cluster(7, 8);
    const setup = ww.spawn('setup');
    const dir = await settle(ww, SharedLog.create(setup.wor, 100));
    const env = (p: WorProc): TxnEnv => ({ send: (to, m) => p.send(to, m), sleep: (ns) => p.sleep(ns), nowNs: () => ww.nowNs(), random: () => ww.rand.next() });
    const parts: Participant[] = [];
    for (const n of ['p0', 'p1', 'p2']) {
      const p = ww.spawn(n);
      const part = new Participant(n, p.wor, env(p), newDisk(), () => 'C', 10_000_000);
      p.onMessage = (_f, m) => part.onMessage(m as TxnMsg);
      parts.push(part);
    }
    const cp = ww.spawn('c');
    const layout = { maxParticipants: 4, slotsPerChunk: 8 };
    const c = new Coordinator('c', cp.wor, env(cp), new SharedLog(cp.wor, dir.base), layout, 10_000_000);
    cp.onMessage = (_f, m) => c.onMessage(m as TxnMsg);
    const r = await settle(ww, c.run(['p0', 'p1', 'p2']));
    expect(r).toMatchObject({ decision: 'commit', via: 'votes', roundTrips: { messages: 1, wor: 1 } });
    await ww.run(20);
    for (const p of parts) expect(p.disk.applied.get(r.slot)).toBe('commit');
    // the next transaction: PREPARE reaches p0 and p1 only (p2 is cut off), then the coordinator dies
    ww.cut.add('p2');
    void c.run(['p0', 'p1', 'p2']);
    await ww.run(30);
    ww.kill(cp);
    ww.cut.delete('p2');
    const rp = ww.spawn('recovery');
    const out = await settle(ww, recoverAll(rp.wor, env(rp), new SharedLog(rp.wor, dir.base), layout), 20_000);
    expect([...out.values()]).toEqual(['commit', 'abort']);
    const slot2 = [...out.keys()][1]!;
    expect(parts[2]!.disk.voted.has(slot2)).toBe(false);
  }, 60_000);
});
