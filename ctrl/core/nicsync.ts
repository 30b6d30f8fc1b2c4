// The core's mirror of its NIC: the CSR shadow, freeze-and-sync, and fetching the NIC's log tail
// through the log port.
//
// The hybrid rule (docs/control-plane.md §2): the host changes the NIC's log only while the NIC's
// fast path is off (FAST_EN=0). "Freeze" = FAST_EN=0 followed by a sync: read STATUS, LAST_INDEX and
// COMMIT_INDEX (one pipelined batch), then every entry the host has not seen yet through the log
// port, so that the host's copy of the log equals the NIC's before the host decides anything that
// depends on it. FAST_EN=0 stops the NIC taking new frames, not a frame it took before: a REQ is
// sequenced at its first beat and grows LAST_INDEX at its last (fuzz seed 600914). So LAST_INDEX
// counts only when the STATUS read before it shows FROZEN (the fast path off and no such frame
// half written: nothing but the host moves LAST_INDEX from then on); otherwise the batch is read
// again, up to FREEZE_POLLS times, then once per tick (counted), never using a LAST_INDEX that is
// not final.
//
// Every operation in flight is a plain record (a tagged union carrying what is needed to go on),
// never a closure: a core can be copied (structuredClone, the model checker's deepClone) at any
// point of a sync, and the answers to its reads can arrive interleaved with any other event.
// The driver answers reads in the order they were issued; an answer that matches no pending read
// (or comes out of order) is an assertion failure, never dropped.
//
// The mirror keeps no reference to the core: the core passes a MirrorHost to each call that can
// complete something, and the mirror hands the records back to it to continue.

import { assert, CoreAssertionError, isU32 } from './assert.js';
import { entryFromFrame } from './entry.js';
import type { HostLog } from './log.js';
import { membersMask, quorumSize } from './quorum.js';
import { StatusBit } from '../wire/wire.gen.js';
import type { CsrName, Entry, Message, NicOp, NodeId, Snapshot } from './types.js';

/** ROLE register values. */
export const ROLE_OFF = 0;
export const ROLE_FOLLOWER = 1;
export const ROLE_LEADER = 2;

/** What the core does once a freeze-and-sync completed (the host log equals the NIC's, fast path off). */
export type AfterSync =
  /** an election timeout or TimeoutNow: campaign (pre-vote or real) */
  | { k: 'campaign'; transfer: boolean }
  /** a control message whose handling needs the whole log (a vote request, an Append) */
  | { k: 'message'; msg: Message }
  /** a snapshot fully received from `from`: install it */
  | { k: 'install'; from: NodeId; snap: Snapshot }
  /** the leader's queued host-path proposals: write them through the log port */
  | { k: 'proposals' }
  /** a leadership transfer to `to`: catch it up, then TimeoutNow */
  | { k: 'transfer'; to: NodeId }
  /** the NIC reported the leader silent: the log synced ahead of the vote requests to come, nothing more */
  | { k: 'ready' };

/** What the core does once the host log reaches `upto` through the log port (or the NIC could not give more). */
export type AfterFetch =
  /** the sync in progress: finish it */
  | { k: 'sync' }
  /** a COMMITTED frame beyond the host log's end: take it now */
  | { k: 'committed'; frame: Uint8Array }
  /** the leader needs entries up to `upto` (sequenced by its fast path) for an Append to `to` */
  | { k: 'append'; to: NodeId; upto: number };

/** STATUS reads of one sync answered without FROZEN before it waits for ticks (MirrorHost.tick). */
export const FREEZE_POLLS = 16;

/** A CSR read in flight, in the order issued (the driver answers in that order). */
export type PendingCsr =
  /** a sync's batch: STATUS, then LAST_INDEX and COMMIT_INDEX, which count only if that STATUS showed FROZEN */
  | { reg: 'STATUS' | 'LAST_INDEX' | 'COMMIT_INDEX'; for: 'sync'; round: number }
  /** a linearizable read: the NIC may have committed (and replied) beyond what the host has seen */
  | { reg: 'COMMIT_INDEX'; for: 'read'; ctx: number }
  /** the leader entering follower-lease mode: its LAST_INDEX after QUORUM = all (the reads' floor) */
  | { reg: 'LAST_INDEX'; for: 'leaseFloor' };

/** A freeze-and-sync in progress. */
export interface SyncState {
  /** the read batch (STATUS, LAST_INDEX, COMMIT_INDEX) whose answers count; older batches' are ignored */
  round: number;
  /** the STATUS answers of this sync that did not show FROZEN */
  polls: number;
  /** the STATUS of the current batch showed FROZEN (its LAST_INDEX is final) */
  frozen: boolean;
  /** FREEZE_POLLS batches came back without FROZEN: the next batch goes out at the next tick */
  waiting: boolean;
  /** LAST_INDEX as read (-1 until answered) */
  last: number;
  /** COMMIT_INDEX as read (-1 until answered) */
  commit: number;
}

/** What the mirror needs of the core for one call (passed in, never kept). */
export interface MirrorHost {
  readonly log: HostLog;
  /** the current Ready's NIC operations */
  readonly out: NicOp[];
  /** an entry fetched from the NIC (exactly lastIndex+1): into the host log and storage */
  appendFetched(e: Entry): void;
  commitTo(index: number): void;
  afterSync(a: AfterSync): void;
  afterFetch(a: AfterFetch): void;
  /** the answer to a read's COMMIT_INDEX */
  afterRead(ctx: number, nicCommit: number): void;
  /** the answer to the lease floor's LAST_INDEX */
  afterLeaseFloor(nicLast: number): void;
}

export interface MirrorLimits {
  /** parked control messages (AfterSync 'message' records) */
  maxSyncWaiters: number;
  /** log port reads in flight */
  maxLogReads: number;
}

export class NicMirror {
  /** register values as last written (or read by a sync) */
  csr = new Map<CsrName, number>();
  /** FAST_EN as last written */
  fastOn = false;
  /** the host log equals the NIC's (a sync completed, or our own writes since, with the fast path off throughout) */
  synced = false;
  /** the NIC's last index as last learned (progress reports, a sync, our own writes) */
  last = 0;
  /** the freeze-and-sync in progress, if any */
  sync: SyncState | null = null;
  /** what runs when the sync completes, in order */
  afterSync: AfterSync[] = [];
  /** CSR reads in flight, oldest first */
  csrReads: PendingCsr[] = [];
  /** log port reads in flight (by index) */
  logReads = new Set<number>();
  /** host log tails wanted, with what to do once there */
  fetches: { upto: number; then: AfterFetch }[] = [];
  /** next index to read for the fetches (0: none under way) */
  fetchNext = 0;
  /** control messages dropped because the sync waiters were full */
  droppedMessages = 0;
  /** sync STATUS reads answered without FROZEN (a frame the fast path took was still being written) */
  notFrozenPolls = 0;
  /** syncs that saw FREEZE_POLLS STATUS answers without FROZEN and went on polling once per tick */
  frozenStalls = 0;

  /** parked control messages at most (MirrorLimits) */
  readonly maxSyncWaiters: number;
  /** log port reads in flight at most (MirrorLimits) */
  readonly maxLogReads: number;

  constructor(limits: MirrorLimits) {
    this.maxSyncWaiters = limits.maxSyncWaiters;
    this.maxLogReads = limits.maxLogReads;
  }

  /** Fast path on and no sync needed: the NIC's state may have moved without the host. */
  get frozenAndSynced(): boolean {
    return this.synced && !this.fastOn;
  }

  /** Writes a register (skipped when the shadow already holds the value, unless forced). */
  set(out: NicOp[], reg: CsrName, value: number, force = false): void {
    if (!isU32(value)) throw new CoreAssertionError(`CSR ${reg} written with ${value}: not a 32-bit unsigned integer`);
    if (!force && this.csr.get(reg) === value) return;
    if (reg === 'FAST_EN' && value === 1) assert(this.sync === null, 'FAST_EN=1 written while a freeze-and-sync is in progress (the hybrid rule)');
    this.csr.set(reg, value);
    out.push({ op: 'csrWrite', reg, value });
    if (reg === 'FAST_EN') {
      this.fastOn = value === 1;
      if (this.fastOn) this.synced = false;
    }
    if (reg === 'LAST_INDEX') this.last = value;
  }

  /** Programs a NIC after a (re)start: identity, term, membership, and the host log's tail (APPLIED_INDEX, LAST_INDEX]. */
  bringUp(out: NicOp[], p: { id: NodeId; clusterId: number; term: number; voters: NodeId[]; log: HostLog }): void {
    this.set(out, 'FAST_EN', 0, true);
    this.set(out, 'NODE_ID', p.id, true);
    this.set(out, 'CLUSTER_ID', p.clusterId, true);
    this.set(out, 'ROLE', ROLE_OFF, true);
    this.set(out, 'TERM', p.term, true);
    this.set(out, 'LEADER_ID', 0, true);
    this.writeMembership(out, p.voters, true);
    // the NIC's log RAM must hold (APPLIED_INDEX, LAST_INDEX]
    const log = p.log;
    for (const e of log.slice(log.commit + 1, log.lastIndex())) out.push({ op: 'logWrite', index: e.index, frame: e.frame });
    this.set(out, 'LAST_INDEX', log.lastIndex(), true);
    this.set(out, 'COMMIT_INDEX', log.commit, true);
    this.set(out, 'APPLIED_INDEX', log.commit, true);
    this.synced = true;
  }

  /** MEMBERS and QUORUM (a majority, or `quorum` when given: every voter while follower leases are out). */
  writeMembership(out: NicOp[], voters: NodeId[], force = false, quorum?: number): void {
    this.set(out, 'MEMBERS', membersMask(voters), force);
    this.set(out, 'QUORUM', quorum ?? quorumSize(Math.max(1, voters.length)), force);
  }

  /**
   * A new leader's NIC (its no-op at termStart already written through the log port): term, role,
   * indexes, membership, zero match for every follower, then the fast path on.
   */
  installLeader(out: NicOp[], p: { id: NodeId; term: number; voters: NodeId[]; termStart: number; commit: number; followers: NodeId[]; replyMask?: number }): void {
    this.set(out, 'TERM', p.term);
    this.set(out, 'ROLE', ROLE_LEADER);
    this.set(out, 'LEADER_ID', p.id);
    this.writeMembership(out, p.voters);
    this.set(out, 'TERM_START', p.termStart);
    this.set(out, 'LAST_INDEX', p.termStart, true);
    this.set(out, 'COMMIT_INDEX', p.commit, true);
    this.set(out, 'APPLIED_INDEX', p.commit, true);
    for (const v of p.followers) {
      this.set(out, 'MATCH_SEL', v, true);
      this.set(out, 'MATCH_INDEX', 0, true);
    }
    if (p.replyMask !== undefined) this.set(out, 'REPLY_MASK', p.replyMask);
    this.set(out, 'FAST_EN', 1);
  }

  /** A reconciled follower's NIC (its host log equals the NIC's, a prefix of the leader's): indexes, role, then the fast path on. */
  installFollower(out: NicOp[], p: { term: number; lead: NodeId; voters: NodeId[]; commit: number; replyMask?: number; quorum?: number }): void {
    assert(this.synced && !this.fastOn, 'a follower fast path turned on without a synced, frozen NIC');
    this.set(out, 'COMMIT_INDEX', p.commit, true);
    this.set(out, 'APPLIED_INDEX', p.commit, true);
    this.set(out, 'TERM', p.term);
    this.set(out, 'ROLE', ROLE_FOLLOWER);
    this.set(out, 'LEADER_ID', p.lead);
    this.writeMembership(out, p.voters, false, p.quorum);
    if (p.replyMask !== undefined) this.set(out, 'REPLY_MASK', p.replyMask);
    this.set(out, 'FAST_EN', 1);
  }

  private readCsr(out: NicOp[], p: PendingCsr): void {
    this.csrReads.push(p);
    out.push({ op: 'csrRead', reg: p.reg });
  }

  /** A linearizable read's COMMIT_INDEX read. */
  readCommitFor(out: NicOp[], ctx: number): void {
    this.readCsr(out, { reg: 'COMMIT_INDEX', for: 'read', ctx });
  }

  /** The lease floor's LAST_INDEX read (after the QUORUM write that makes every voter's ACK count). */
  readLeaseFloor(out: NicOp[]): void {
    this.readCsr(out, { reg: 'LAST_INDEX', for: 'leaseFloor' });
  }

  /** Reads issued for linearizable reads and not answered yet. */
  readsInFlight(): number {
    let n = 0;
    for (const p of this.csrReads) if (p.for === 'read') n++;
    return n;
  }

  /**
   * Fast path off, then make the host log equal the NIC's, then `then` (at once if it already is).
   * Returns false when `then` was refused: a control message while the parked ones fill
   * maxSyncWaiters (it is dropped and counted; its sender retries). A campaign, the proposals, a
   * transfer or an install wait at most once each (a newer one replaces the older).
   */
  freeze(host: MirrorHost, then: AfterSync): boolean {
    if (this.frozenAndSynced) {
      host.afterSync(then);
      return true;
    }
    if (!this.park(then)) return false;
    if (this.sync !== null) return true;
    this.sync = { round: 0, polls: 0, frozen: false, waiting: false, last: -1, commit: -1 };
    this.set(host.out, 'FAST_EN', 0);
    this.readSyncBatch(host.out, this.sync);
    return true;
  }

  /** A sync's read batch: STATUS (FROZEN?), LAST_INDEX, COMMIT_INDEX, pipelined (answered in order). */
  private readSyncBatch(out: NicOp[], s: SyncState): void {
    s.frozen = false;
    s.last = -1;
    s.commit = -1;
    this.readCsr(out, { reg: 'STATUS', for: 'sync', round: s.round });
    this.readCsr(out, { reg: 'LAST_INDEX', for: 'sync', round: s.round });
    this.readCsr(out, { reg: 'COMMIT_INDEX', for: 'sync', round: s.round });
  }

  /** A host tick: a sync that waits for FROZEN (FREEZE_POLLS answers without it) reads again. */
  tick(out: NicOp[]): void {
    const s = this.sync;
    if (s === null || !s.waiting) return;
    s.waiting = false;
    s.round++;
    this.readSyncBatch(out, s);
  }

  private park(then: AfterSync): boolean {
    const ws = this.afterSync;
    if (then.k === 'message') {
      let n = 0;
      for (const w of ws) if (w.k === 'message') n++;
      if (n >= this.maxSyncWaiters) {
        this.droppedMessages++;
        return false;
      }
      ws.push(then);
      return true;
    }
    const i = ws.findIndex((w) => w.k === then.k);
    if (i < 0) ws.push(then);
    else if (then.k === 'campaign') ws[i] = { k: 'campaign', transfer: then.transfer || (ws[i] as { transfer: boolean }).transfer };
    else ws[i] = then;
    return true;
  }

  /** The answer to a csrRead: must be the oldest one in flight. */
  onCsr(host: MirrorHost, reg: CsrName, value: number): void {
    const p = this.csrReads[0];
    if (!p) throw new CoreAssertionError(`the NIC answered a read of ${reg} (= ${value}) but no CSR read is pending`);
    if (p.reg !== reg) {
      throw new CoreAssertionError(`the NIC answered a read of ${reg} where the oldest pending CSR read is of ${p.reg} (${p.for}): answers must come once each, in the order of the reads`);
    }
    if (!isU32(value)) throw new CoreAssertionError(`the NIC answered a read of ${reg} with ${value}: not a 32-bit unsigned integer`);
    this.csrReads.shift();
    if (p.for === 'read') {
      host.afterRead(p.ctx, value);
      return;
    }
    if (p.for === 'leaseFloor') {
      host.afterLeaseFloor(value);
      return;
    }
    const s = this.sync;
    assert(s !== null, () => `a sync's read of ${reg} was answered with no sync in progress`);
    if (p.round !== s.round) return; // a batch whose STATUS did not show FROZEN: its LAST/COMMIT do not count
    if (reg === 'STATUS') {
      if ((value & StatusBit.FROZEN) !== 0) {
        s.frozen = true;
        return;
      }
      // a frame the fast path took before FAST_EN=0 landed is still being written: read again
      this.notFrozenPolls++;
      s.polls++;
      s.round++;
      if (s.polls % FREEZE_POLLS === 0) {
        if (s.polls === FREEZE_POLLS) this.frozenStalls++;
        s.waiting = true;
      } else {
        this.readSyncBatch(host.out, s);
      }
      return;
    }
    assert(s.frozen, () => `a sync's ${reg} answer counted without a STATUS answer showing FROZEN before it`);
    if (reg === 'LAST_INDEX') {
      assert(s.last < 0, 'a sync read LAST_INDEX twice');
      s.last = value;
      return;
    }
    assert(s.last >= 0 && s.commit < 0, "a sync's COMMIT_INDEX answer came before its LAST_INDEX answer");
    s.commit = value;
    this.csr.set('LAST_INDEX', s.last);
    this.csr.set('COMMIT_INDEX', value);
    this.last = s.last;
    this.fetchTail(host, s.last, { k: 'sync' });
  }

  /** Completes the sync once the host log holds the NIC's tail (AfterFetch 'sync'). */
  finishSync(host: MirrorHost): void {
    const s = this.sync;
    assert(s !== null && s.last >= 0 && s.commit >= 0, 'a sync finished before both of its registers were read');
    assert(!this.fastOn, 'the fast path was turned on during a sync');
    const log = host.log;
    if (s.last < log.lastIndex()) {
      // the NIC lost entries the host holds (a NIC reset): put them back
      for (const e of log.slice(s.last + 1, log.lastIndex())) host.out.push({ op: 'logWrite', index: e.index, frame: e.frame });
      this.set(host.out, 'LAST_INDEX', log.lastIndex(), true);
    }
    if (s.commit > log.commit && s.commit <= log.lastIndex()) host.commitTo(s.commit);
    this.sync = null;
    this.synced = true;
    const ws = this.afterSync;
    this.afterSync = [];
    for (const w of ws) host.afterSync(w);
  }

  /** Reads entries (host last, upto] from the NIC's log port into the host log, then `then`. */
  fetchTail(host: MirrorHost, upto: number, then: AfterFetch): void {
    if (upto <= host.log.lastIndex()) {
      host.afterFetch(then);
      return;
    }
    this.fetches.push({ upto, then });
    this.fetchNext = host.log.lastIndex() + 1; // re-read whatever is not in flight (as asked)
    this.pumpFetch(host);
  }

  /** Issues log reads for the fetches, at most maxLogReads in flight. */
  private pumpFetch(host: MirrorHost): void {
    let want = 0;
    for (const f of this.fetches) want = Math.max(want, f.upto);
    let i = Math.max(this.fetchNext, host.log.lastIndex() + 1);
    for (; i <= want && this.logReads.size < this.maxLogReads; i++) {
      if (this.logReads.has(i)) continue;
      this.logReads.add(i);
      host.out.push({ op: 'logRead', index: i });
    }
    this.fetchNext = i;
  }

  /** The answer to a logRead (null: the NIC could not read it). */
  onLog(host: MirrorHost, index: number, frame: Uint8Array | null): void {
    if (!this.logReads.delete(index)) {
      throw new CoreAssertionError(`the NIC answered a log read of index ${index} but none is pending (${this.logReads.size ? `pending: ${[...this.logReads].slice(0, 8).join(',')}` : 'none pending'})`);
    }
    let e: Entry | null = null;
    if (frame) {
      try { e = entryFromFrame(frame); } catch { e = null; }
      if (e && e.index !== index) e = null; // not the entry asked for: as if the NIC could not read it
    }
    const log = host.log;
    if (e && index === log.lastIndex() + 1) host.appendFetched(e);
    const last = log.lastIndex();
    const done = this.fetches.filter((w) => e === null || w.upto <= last || index >= w.upto);
    if (done.length) this.fetches = this.fetches.filter((w) => !done.includes(w));
    if (this.fetches.length === 0) this.fetchNext = 0;
    else this.pumpFetch(host);
    for (const w of done) host.afterFetch(w.then);
  }
}
