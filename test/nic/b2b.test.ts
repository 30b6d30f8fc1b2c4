// A leader NIC and two follower NICs wired back to back (RTL through the koffi binding):
// a stream of requests commits in order on every node, identically, under backpressure too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { B2bWorld } from '../../sim/b2b.js';
import { libraryPath } from '../../native/build.js';
import { Csr, decodeHeader, HostReason, MsgType, COUNTERS, COUNTER_BASE, framePayload } from '../../ctrl/wire/wire.gen.js';
import type { SimNic } from '../../native/binding.js';

/** The NIC's counters, read once its pipeline is quiet: stepping it alone (the world pushes nothing
 *  meanwhile) lets the frames it holds finish, so the snapshot is consistent. */
function counters(n: SimNic): Record<string, number> {
  n.step(400);
  const out: Record<string, number> = {};
  COUNTERS.forEach((name, i) => {
    const a = COUNTER_BASE + 8 * i;
    out[name] = n.csrRead(a) + n.csrRead(a + 4) * 2 ** 32;
  });
  return out;
}

/** Every frame a pipeline took in is accounted for exactly once. */
function expectCountersAddUp(c: Record<string, number>): void {
  expect(c.RX_FRAMES).toBe(c.REQ_SEQUENCED! + c.APPEND_ACCEPTED! + c.APPEND_BUFFERED! + c.ACK_RX! + c.NACK_RX! + c.HEARTBEAT_RX! + c.PUNTED! + c.DROPPED!);
  const reasons = COUNTERS.filter((k) => k.startsWith('DROP_')).reduce((s, k) => s + c[k]!, 0);
  expect(reasons).toBe(c.DROPPED);
}

interface Entry { index: number; seq: number; digest: string }

/** Drains node i's host queue; every frame must be a committed entry, in index order from `next`. */
function drainCommitted(w: B2bWorld, i: number, log: Entry[]): void {
  for (const f of w.pullHost(i)) {
    expect(f.user, `node ${i}: host queue holds only committed entries`).toBe(HostReason.COMMITTED);
    const h = decodeHeader(f.data);
    expect(h.type).toBe(MsgType.APPEND);
    expect(h.term).toBe(1);
    expect(h.logIndex, `node ${i}: entries in index order`).toBe(log.length + 1);
    log.push({ index: h.logIndex, seq: h.seq, digest: createHash('sha1').update(framePayload(f.data)).digest('hex') });
  }
}

describe('leader and two followers back to back (RTL)', () => {
  beforeAll(() => { libraryPath(); }, 600_000);
  const worlds: B2bWorld[] = [];
  afterAll(() => worlds.forEach((w) => w.destroy()));

  it('commits 100,000 requests in order, identical on every node', () => {
    const N = 100_000;
    const w = new B2bWorld({ mode: 'leader', followers: 2, ackCount: 2, keepHost: true, maxRequests: N, hbIntervalCycles: 200 });
    worlds.push(w);
    const logs: Entry[][] = [[], [], []];
    for (let k = 0; k < 400 && logs.some((l) => l.length < N); k++) {
      w.run(2_000);
      for (let i = 0; i < 3; i++) drainCommitted(w, i, logs[i]!);
    }
    for (let i = 0; i < 3; i++) expect(logs[i]!.length, `node ${i} committed`).toBe(N);
    // the leader sequenced requests in arrival order: index i holds request seq i
    expect(logs[0]!.every((e) => e.seq === e.index)).toBe(true);
    for (let i = 1; i < 3; i++) {
      let same = 0;
      for (let k = 0; k < N; k++) if (logs[i]![k]!.digest === logs[0]![k]!.digest && logs[i]![k]!.seq === logs[0]![k]!.seq) same++;
      expect(same, `node ${i} log equals the leader's`).toBe(N);
    }
    const c = [0, 1, 2].map((i) => counters(w.nic(i)));
    expect(c[0]!.REQ_SEQUENCED).toBe(N);
    expect(c[0]!.COMMITTED).toBe(N);
    expect(c[1]!.APPEND_ACCEPTED).toBe(N);
    expect(c[2]!.APPEND_ACCEPTED).toBe(N);
    for (const x of c) { expect(x.DROPPED).toBe(0); expect(x.PUNTED).toBe(0); expectCountersAddUp(x); }
    expect(w.nic(0).csrRead(Csr.RAFT_COMMIT_INDEX)).toBe(N);
  }, 300_000);

  for (const seed of process.env.SEED ? [Number(process.env.SEED)] : [1, 2, 3]) {
    it(`random backpressure on every AXI-Stream port and RX gaps lose no committed entry (seed ${seed})`, () => {
      console.log('seed', seed);
      const N = 20_000;
      const w = new B2bWorld({ mode: 'leader', followers: 2, ackCount: 3, keepHost: true, maxRequests: N, hbIntervalCycles: 200, seed });
      worlds.push(w);
      for (let i = 0; i < 3; i++) {
        const n = w.nic(i);
        n.seed(seed * 100 + i);
        n.setReadyProbability(n.hostPort, 0.3 + 0.2 * i);   // host RX queue
        n.setReadyProbability(0, i === 0 ? 0.6 : 0.5);       // network TX
        n.setGapProbability(0, 0.2);                         // network RX valid gaps
        n.setGapProbability(n.hostPort, 0.5);                // host TX (idle here)
      }
      const logs: Entry[][] = [[], [], []];
      for (let k = 0; k < 200; k++) {
        w.run(5_000);
        for (let i = 0; i < 3; i++) drainCommitted(w, i, logs[i]!);
        if (w.results().offered >= N && logs.every((l) => l.length === logs[0]!.length) && k > 20) break;
      }
      const c = [0, 1, 2].map((i) => counters(w.nic(i)));
      // every request the leader sequenced commits on every node, in order, identically
      expect(logs[0]!.length).toBe(c[0]!.REQ_SEQUENCED);
      expect(logs[0]!.length).toBeGreaterThan(N / 4);
      for (let i = 1; i < 3; i++) expect(logs[i]!.map((e) => e.digest)).toEqual(logs[0]!.map((e) => e.digest));
      // sequencing order is arrival order; refused requests leave gaps in seq, never in index
      for (let k = 1; k < logs[0]!.length; k++) expect(logs[0]![k]!.seq).toBeGreaterThan(logs[0]![k - 1]!.seq);
      // what the leader could not take (TX back-pressured, RX buffer full) is counted, and all adds up
      expect(c[0]!.REQ_SEQUENCED + c[0]!.DROP_RX_OVERFLOW + c[0]!.DROP_LOG_FULL).toBe(w.results().offered);
      for (const x of c) expectCountersAddUp(x);
    }, 300_000);
  }
});
