// The NIC mirror (ctrl/core/nicsync.ts), the core's assertions and its bounded queues:
// - a core in the middle of a freeze-and-sync holds only data (structuredClone takes it) and a copy
//   goes on exactly as the original;
// - an answer that matches no pending read is an assertion failure with a clear message (it used
//   to be dropped together with the oldest waiter, leaving the sync stuck);
// - proposals, reads and messages parked during a sync are bounded; a full queue refuses with a
//   typed Refusal, counted in status(); log port reads stay within maxLogReads;
// - a bad configuration names the field and its allowed values.
import { describe, expect, it } from 'vitest';
import { Core } from '../../ctrl/core/raft.js';
import { CoreAssertionError } from '../../ctrl/core/assert.js';
import { ConfigError } from '../../ctrl/core/config.js';
import { emptyMessage, MsgType, type Config, type NicOp, type Ready } from '../../ctrl/core/types.js';
import { SeededRand } from '../../ctrl/rand.js';
import { FREEZE_POLLS } from '../../ctrl/core/nicsync.js';
import { clientMac, decodeHeader, encodeFrame, MsgType as W, nodeMac } from '../../ctrl/wire/wire.gen.js';
import { deepClone } from '../../verify/mc/canon.js';
import { Harness } from './harness.js';

const te = new TextEncoder();

/** A 3-node cluster, node 1 leading term 1 with every fast path on, then `requests` fast-path entries. */
function running(core: Partial<Config> = {}, requests = 1): Harness {
  const h = new Harness({ seed: 1, quiet: true, core });
  h.addNodes(3);
  h.stabilize();
  h.step(1, { kind: 'campaign' });
  h.stabilize();
  for (let k = 1; k <= requests; k++) {
    h.clientRequest(1, 7, k, te.encode(`v${k}`));
    h.stabilize();
  }
  for (const id of [1, 2, 3]) expect(h.node(id).core!.status().fastPath).toBe(true);
  return h;
}

/** Performs node id's Readys, leaving its NIC's read answers queued; returns every NIC op issued. */
function drain(h: Harness, id: number): NicOp[] {
  const ops: NicOp[] = [];
  const core = h.node(id).core!;
  while (core.hasReady()) {
    const rd = core.ready();
    ops.push(...rd.nic);
    for (const o of rd.nic) h.node(id).nic.exec(o);
    if (rd.persistUpTo) core.step({ kind: 'persisted', ...rd.persistUpTo });
  }
  return ops;
}

/** A Ready as comparable data (frames as arrays). */
function plain(rd: Ready): unknown {
  return JSON.parse(JSON.stringify(rd, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v)));
}

describe('the NIC mirror: a sync is data', () => {
  it('a core in the middle of a sync holds no closure, and a copy goes on exactly as the original', () => {
    const h = running();
    h.step(2, { kind: 'campaign' }); // node 2's fast path is on: the election waits for a sync
    drain(h, 2);
    const core = h.node(2).core!;
    expect(core.status().syncing).toBe(true);
    expect(core.mirror.csrReads).toEqual([{ reg: 'STATUS', for: 'sync', round: 0 }, { reg: 'LAST_INDEX', for: 'sync', round: 0 }, { reg: 'COMMIT_INDEX', for: 'sync', round: 0 }]);
    expect(core.mirror.afterSync).toEqual([{ k: 'campaign', transfer: false }]);
    // every field but the configuration (which holds the driver's Rand) survives structuredClone
    const { cfg, ...state } = core as unknown as Record<string, unknown>;
    expect(cfg).toBeDefined();
    expect(() => structuredClone(state)).not.toThrow();
    const copy = deepClone(core, new WeakSet([core.cfg]));
    const answers = h.node(2).nic.answers;
    h.node(2).nic.answers = [];
    const steps: unknown[][] = [[], []];
    [core, copy].forEach((c, k) => {
      for (const ev of answers) c.step({ kind: 'nic', ev });
      // the fetch of entry 2 through the log port, then the pre-campaign
      for (let round = 0; round < 4 && c.hasReady(); round++) {
        const rd = c.ready();
        steps[k]!.push(plain(rd));
        for (const o of rd.nic) if (o.op === 'logRead') c.step({ kind: 'nic', ev: { type: 'log', index: o.index, frame: h.node(2).nic.log.get(o.index) ?? null } });
        if (rd.persistUpTo) c.step({ kind: 'persisted', ...rd.persistUpTo });
      }
    });
    expect(steps[1]).toEqual(steps[0]);
    expect(core.status()).toEqual(copy.status());
    expect(core.status().role).toBe('precandidate');
    expect(core.status().syncing).toBe(false);
    expect(core.status().lastIndex).toBe(2); // the NIC's entry 2, fetched
  });
});

describe('the NIC mirror: answers must match the reads', () => {
  it('a CSR answer with no read pending is an assertion failure', () => {
    const h = running();
    const c = h.node(3).core!;
    expect(() => c.step({ kind: 'nic', ev: { type: 'csr', reg: 'LAST_INDEX', value: 2 } }))
      .toThrow(/core assertion failed: the NIC answered a read of LAST_INDEX \(= 2\) but no CSR read is pending/);
  });

  it('a CSR answer out of order (the case that used to drop the waiter and stall the sync) is an assertion failure', () => {
    const h = running();
    h.step(3, { kind: 'campaign' });
    drain(h, 3);
    const c = h.node(3).core!;
    let err: unknown;
    try { c.step({ kind: 'nic', ev: { type: 'csr', reg: 'COMMIT_INDEX', value: 1 } }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(CoreAssertionError);
    expect((err as Error).message).toMatch(/answered a read of COMMIT_INDEX where the oldest pending CSR read is of STATUS \(sync\)/);
  });

  it('a log answer for an index not being read is an assertion failure', () => {
    const h = running();
    expect(() => h.node(2).core!.step({ kind: 'nic', ev: { type: 'log', index: 5, frame: null } }))
      .toThrow(/answered a log read of index 5 but none is pending/);
  });

  it('a CSR answer that is not a 32-bit unsigned integer is an assertion failure', () => {
    const h = running();
    h.step(3, { kind: 'campaign' });
    drain(h, 3);
    expect(() => h.node(3).core!.step({ kind: 'nic', ev: { type: 'csr', reg: 'STATUS', value: -1 } })).toThrow(/not a 32-bit unsigned integer/);
  });
});

describe('bounded queues', () => {
  it('host-path proposals beyond maxPendingProposals are refused busy while the leader syncs, and taken again after', () => {
    const h = running({ maxPendingProposals: 4 });
    const c = h.node(1).core!;
    const refusals = [];
    for (let k = 0; k < 6; k++) refusals.push(c.step({ kind: 'propose', payload: te.encode(`p${k}`), clientId: 9, seq: k + 1 }));
    expect(refusals.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(refusals[4]).toEqual({ refused: 'busy', queue: 'proposals', limit: 4 });
    expect(refusals[5]).toEqual({ refused: 'busy', queue: 'proposals', limit: 4 });
    expect(c.status().refused.proposals).toBe(2);
    h.stabilize(); // the sync completes, the four are written
    expect(c.status().lastIndex).toBe(2 + 4);
    expect(c.step({ kind: 'propose', payload: te.encode('again'), clientId: 9, seq: 7 })).toBeUndefined();
    h.stabilize();
    expect(c.status().lastIndex).toBe(2 + 5);
    h.checkSafety();
  });

  it('a follower refuses a proposal as not-leader, naming its leader', () => {
    const h = running();
    expect(h.node(2).core!.step({ kind: 'propose', payload: te.encode('x') })).toEqual({ refused: 'not-leader', lead: 1 });
  });

  it('reads beyond maxPendingReads are refused busy until the NIC answers', () => {
    const h = running({ maxPendingReads: 2 });
    const c = h.node(1).core!;
    expect(c.step({ kind: 'read', ctx: 1 })).toBeUndefined();
    expect(c.step({ kind: 'read', ctx: 2 })).toBeUndefined();
    expect(c.step({ kind: 'read', ctx: 3 })).toEqual({ refused: 'busy', queue: 'reads', limit: 2 });
    expect(c.status().refused.reads).toBe(1);
    drain(h, 1);
    h.nicAnswers(1); // the COMMIT_INDEX answers: no lease yet, so both wait for a heartbeat round
    expect(c.step({ kind: 'read', ctx: 4 })).toEqual({ refused: 'busy', queue: 'reads', limit: 2 });
    h.opts.quiet = false;
    h.out = [];
    h.stabilize(); // the heartbeat round is acknowledged: both reads are answered
    const states = h.out.filter((l) => l.startsWith('1: read ')).map((l) => Number(/ctx=(\d+)/.exec(l)![1]));
    expect(states).toEqual([1, 2]);
    expect(c.step({ kind: 'read', ctx: 5 })).toBeUndefined();
    expect(c.status().refused.reads).toBe(2);
  });

  it('a burst of reads without a lease, more than the 64 heartbeat rounds kept, is answered in full', () => {
    // each read without a lease starts a heartbeat round; the core keeps the last 64 rounds. A read
    // whose round was dropped before its acknowledgements came back once waited for ever (the
    // deploy benchmark's 256 clients: gets answered "not leader" after 10 attempts)
    const reads = 150;
    const h = running();
    const c = h.node(1).core!;
    for (let k = 1; k <= reads; k++) expect(c.step({ kind: 'read', ctx: k })).toBeUndefined();
    drain(h, 1);
    h.nicAnswers(1); // the COMMIT_INDEX answers: no lease yet, so every read waits for a heartbeat round
    h.opts.quiet = false;
    h.out = [];
    h.stabilize();
    const states = h.out.filter((l) => l.startsWith('1: read ')).map((l) => Number(/ctx=(\d+)/.exec(l)![1]));
    expect(states.sort((a, b) => a - b)).toEqual(Array.from({ length: reads }, (_, k) => k + 1));
    h.checkSafety();
  });

  it('control messages parked during a sync beyond maxSyncWaiters are dropped and counted', () => {
    const h = running({ maxSyncWaiters: 2 });
    h.step(2, { kind: 'campaign' });
    drain(h, 2);
    const c = h.node(2).core!;
    // three vote requests from node 3 (out of node 2's lease: a minute later)
    h.step(2, { kind: 'tick', nowNs: 60_000 });
    for (let k = 0; k < 3; k++) c.step({ kind: 'message', msg: { ...emptyMessage(MsgType.PreVote, 3, 2, 2), index: 2, logTerm: 1 } });
    expect(c.mirror.afterSync.filter((a) => a.k === 'message')).toHaveLength(2);
    expect(c.status().refused.syncMessages).toBe(1);
    h.stabilize();
    expect(c.status().syncing).toBe(false);
    h.checkSafety();
  });

  it('a long NIC tail is fetched with at most maxLogReads log port reads in flight', () => {
    const h = running({ maxLogReads: 2 });
    // node 1 alone: its NIC sequences five requests nobody acknowledges (its host sees none of them)
    h.partition([[1], [2, 3]]);
    for (let k = 2; k <= 6; k++) { h.clientRequest(1, 7, k, te.encode(`v${k}`)); h.stabilize(); }
    const c = h.node(1).core!;
    expect(c.status().lastIndex).toBe(2);
    expect(h.node(1).nic.r('LAST_INDEX')).toBe(7);
    // a host-path proposal: freeze, sync, fetch 3..7, then write the proposal at 8
    c.step({ kind: 'propose', payload: te.encode('host'), clientId: 9, seq: 1 });
    let maxInFlight = 0;
    for (let round = 0; round < 20; round++) {
      const ops = drain(h, 1);
      const reads = ops.filter((o) => o.op === 'logRead').length;
      maxInFlight = Math.max(maxInFlight, c.mirror.logReads.size, reads);
      if (h.node(1).nic.answers.length === 0) break;
      h.nicAnswers(1);
    }
    expect(maxInFlight).toBe(2);
    expect(c.status().lastIndex).toBe(8);
    expect(c.log.entry(7)!.term).toBe(1);
  });
});

describe('configuration', () => {
  const base: Config = { id: 1, clusterId: 1, voters: [1, 2, 3], electionTimeoutNs: 1000, heartbeatIntervalNs: 100, rand: new SeededRand(1) };
  it.each([
    [{ maxPendingProposals: 0 }, /core config: maxPendingProposals must be an integer from 1 to 1048576 \(got 0\)/],
    [{ maxPendingReads: 1.5 }, /maxPendingReads must be an integer from 1 to 1048576 \(got 1.5\)/],
    [{ maxSyncWaiters: -1 }, /maxSyncWaiters must be an integer/],
    [{ maxLogReads: 0 }, /maxLogReads must be an integer from 1 to 65536/],
    [{ id: 9 }, /id must be an integer from 1 to 7 \(got 9\)/],
    [{ maxAppendEntries: 13 }, /maxAppendEntries must be an integer from 1 to 12/],
    [{ heartbeatIntervalNs: 1000 }, /heartbeatIntervalNs must be below electionTimeoutNs \(1000\) \(got 1000\)/],
    [{ electionTimeoutNs: Number.NaN }, /electionTimeoutNs must be a positive number of nanoseconds/],
    [{ voters: [1, 1, 2] }, /voters must be distinct node ids from 1 to 7/],
  ] as [Partial<Config>, RegExp][])('refuses %j naming the field', (patch, msg) => {
    let err: unknown;
    try { new Core({ ...base, ...patch }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(msg);
  });
  it('takes the defaults', () => {
    const c = new Core(base);
    expect([c.cfg.maxPendingProposals, c.cfg.maxPendingReads, c.cfg.maxSyncWaiters, c.cfg.maxLogReads]).toEqual([1024, 1024, 64, 256]);
  });
});

// Fuzz seed 600914: FAST_EN=0 stops the NIC taking new frames, not a REQ it began sequencing (its
// index is taken at the first beat, LAST_INDEX grows at the last). The sync read LAST_INDEX before
// that REQ landed, and the leader's host wrote its own entry at the same index, over the REQ its
// followers had taken: two entries applied at one index in one term. The sync now counts LAST_INDEX
// only after a STATUS read showing FROZEN (the fake NIC answers FROZEN only with no REQ half sequenced).
describe('the sync waits for STATUS.FROZEN (a REQ half sequenced when FAST_EN=0 lands)', () => {
  const reqFrame = (seq: number): Uint8Array => encodeFrame({ dstMac: nodeMac(1), srcMac: clientMac(7), type: W.REQ, clusterId: 1, flags: 0, srcNode: 0xff, dstNode: 1, term: 0, logIndex: 0, commitIndex: 0, clientId: 7, seq }, te.encode(`v${seq}`));
  const appliedSeqs = (h: Harness, id: number): string[] => h.node(id).applied.map((e) => { const x = decodeHeader(e.frame); return `${e.index}:${x.clientId}#${x.seq}`; });

  it('the leader host writes its proposal after the landed REQ, and every node applies the same entries', () => {
    const h = running();
    const c = h.node(1).core!;
    const nic = h.node(1).nic;
    expect(nic.r('LAST_INDEX')).toBe(2);
    nic.beginReq(reqFrame(2)); // index 3 taken, not written yet
    expect(c.step({ kind: 'propose', payload: te.encode('host'), clientId: 9, seq: 1 })).toBeUndefined();
    const ops = drain(h, 1);
    expect(ops.map((o) => (o.op === 'csrRead' ? `rd(${o.reg})` : o.op === 'csrWrite' ? `${o.reg}=${o.value}` : o.op))).toEqual(['FAST_EN=0', 'rd(STATUS)', 'rd(LAST_INDEX)', 'rd(COMMIT_INDEX)']);
    // the reads executed with the REQ half written: not FROZEN, LAST_INDEX still 2
    expect(nic.answers.map((a) => (a.type === 'csr' ? `${a.reg}=${a.value}` : a.type))).toEqual(['STATUS=0', 'LAST_INDEX=2', 'COMMIT_INDEX=2']);
    nic.land(); // the REQ's last beat: index 3, its APPEND goes out to the followers
    h.nicAnswers(1);
    // that batch did not count: the sync read again
    expect(c.status().syncing).toBe(true);
    expect(c.status().freeze.notFrozenPolls).toBe(1);
    expect(drain(h, 1).filter((o) => o.op === 'csrRead').map((o) => (o as { reg: string }).reg)).toEqual(['STATUS', 'LAST_INDEX', 'COMMIT_INDEX']);
    expect(nic.answers.map((a) => (a.type === 'csr' ? `${a.reg}=${a.value}` : a.type))).toEqual(['STATUS=8', 'LAST_INDEX=3', 'COMMIT_INDEX=2']);
    h.stabilize();
    expect(c.status().syncing).toBe(false);
    expect(c.status().lastIndex).toBe(4);
    h.tick(2); // heartbeats carry the commit index
    h.tick(2);
    for (const id of [1, 2, 3]) expect(appliedSeqs(h, id).slice(-2), `node ${id}`).toEqual(['3:7#2', '4:9#1']);
    h.checkSafety();
  });

  it('a NIC that never shows FROZEN: the sync never completes, reads again once per tick after FREEZE_POLLS answers, and counts it', () => {
    const h = running();
    const c = h.node(1).core!;
    const nic = h.node(1).nic;
    nic.beginReq(reqFrame(2)); // never lands
    c.step({ kind: 'propose', payload: te.encode('host'), clientId: 9, seq: 1 });
    for (let k = 0; k < FREEZE_POLLS + 4; k++) {
      drain(h, 1);
      h.nicAnswers(1);
    }
    expect(c.status().freeze).toEqual({ notFrozenPolls: FREEZE_POLLS, stalls: 1 });
    expect(c.hasReady() && c.ready().nic.length > 0).toBe(false); // waiting for a tick, no read in flight
    c.step({ kind: 'tick', nowNs: 1 });
    expect(drain(h, 1).filter((o) => o.op === 'csrRead').map((o) => (o as { reg: string }).reg)).toEqual(['STATUS', 'LAST_INDEX', 'COMMIT_INDEX']);
    h.nicAnswers(1);
    expect(c.status().freeze.notFrozenPolls).toBe(FREEZE_POLLS + 1);
    expect(c.status().syncing).toBe(true);
    expect(c.status().lastIndex).toBe(2); // nothing written at index 3 by the host
    nic.land();
    h.stabilize(); // the batch in flight shows no FROZEN (read before the landing); the next one does
    expect(c.status().syncing).toBe(false);
    h.tick(2);
    h.tick(2);
    for (const id of [1, 2, 3]) expect(appliedSeqs(h, id).slice(-2), `node ${id}`).toEqual(['3:7#2', '4:9#1']);
    h.checkSafety();
  });
});
