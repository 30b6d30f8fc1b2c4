// The control core: a pure, deterministic state machine (Raft with pre-vote, check-quorum,
// leases, single-server membership changes, snapshots) adapted to a NIC that runs the common
// case. No clocks, timers, randomness or I/O here: time arrives in `tick` events, randomness
// through the injected `Rand`, and everything the core wants done leaves through `ready()`.
//
// The hybrid rule the whole file keeps: the host changes the NIC's log (log port writes,
// LAST_INDEX, COMMIT_INDEX, APPLIED_INDEX) only while the NIC's fast path is off (FAST_EN=0),
// and it turns a follower's fast path on only when the follower's log is known to be a prefix of
// the current leader's log (a successful Append in this term). The NIC mirror (CSR shadow,
// freeze-and-sync, log fetch) is ctrl/core/nicsync.ts; what runs after a sync or a fetch is a
// record (AfterSync, AfterFetch) that this file dispatches, so a core can be copied mid-sync.
//
// Invariants are asserted where they can break (ctrl/core/assert.ts, and checkInvariants after
// every step); every queue a client can grow is bounded (maxPendingProposals, maxPendingReads: a
// full one refuses with a Refusal, which the driver turns into a busy reply).

import { checkCoreConfig } from './config-check.js';
import { decodeHeader, Flag, HostReason, MsgType as WireType } from '../wire/wire.gen.js';
import { crc32 } from './crc32.js';
import { buildAppend, classify, CTL_CLIENT, entryFromFrame, entryIdentity, EntryTag, retransmitFrame } from './entry.js';
import { HostLog } from './log.js';
import { ProgressTracker } from './progress.js';
import { followerReplyMask, quorumSize } from './quorum.js';
import type { PersistentState } from './storage.js';
import { assert, CoreAssertionError } from './assert.js';
import { coreConfig, type CoreConfig } from './config.js';
import { NicMirror, ROLE_FOLLOWER, ROLE_OFF, type AfterFetch, type AfterSync, type MirrorHost } from './nicsync.js';
import {
  emptyMessage, MsgType, type Config, type CsrName, type Entry, type Event, type HardState, type Message, type NicEvent,
  type NicOp, type NodeId, type ReadState, type Ready, type Refusal, type Role, type Snapshot,
} from './types.js';

export { ROLE_FOLLOWER, ROLE_LEADER, ROLE_OFF } from './nicsync.js';
const CTX_TRANSFER = 1;
/** AppendResp context: the follower's NIC runs its fast path for this leader (armOnVote); hint = the NIC's last index it knows */
const CTX_NIC_FOLLOWS = 1;
const FRAME_BUFFER_MAX = 4096;

interface PendingProposal { payload: Uint8Array; clientId: number; seq: number; flags: number }
/** A read waiting for a heartbeat round sent after it arrived: `sentNs` is that round's send time (the
 *  round itself may be forgotten before its acknowledgements come: only the last 64 are kept) */
interface PendingRead { ctx: number; index: number; sentNs: number }

/**
 * The leader's follower-lease state (docs/control-plane.md §6). off: no leases, QUORUM a majority.
 * entering: QUORUM = every voter written, the floor (LAST_INDEX) read in flight. on: leases granted
 * with heartbeat answers. draining: no more grants; once the last holder's lease ended (the
 * leader's clock), QUORUM goes back to a majority (and a waiting configuration change goes out).
 */
interface LeaderLeases {
  mode: 'off' | 'entering' | 'on' | 'draining';
  /** QUORUM = every voter (from entering until the drain ends) */
  quorumAll: boolean;
  /** reads under these leases wait until applied >= floor */
  floor: number;
  /** holder -> the leader's time after which its lease has certainly ended */
  holders: Map<NodeId, number>;
  /** grants decided (at a heartbeat answer) and not sent yet: they go with the next heartbeat */
  grants: Map<NodeId, { round: number; ns: number }>;
  /** a configuration change waiting for the drain */
  confWaiting: { op: 'add' | 'remove'; node: NodeId } | null;
  /** leases granted (a counter for status and tests) */
  granted: number;
}

/** A follower's read lease from the leader of `term`. */
interface FollowerLease {
  term: number;
  lead: NodeId;
  /** own clock: valid while now < until */
  until: number;
  floor: number;
  /** heartbeat rounds of (term, lead) this node answered, and when (own clock): lease anchors */
  answered: Map<number, number>;
}

export interface CoreStatus {
  id: NodeId;
  role: Role;
  term: number;
  vote: NodeId;
  lead: NodeId;
  commit: number;
  applied: number;
  lastIndex: number;
  lastTerm: number;
  voters: NodeId[];
  fastPath: boolean;
  recovering: boolean;
  /** a freeze-and-sync is in progress */
  syncing: boolean;
  /** client events refused because a queue was full, and control messages dropped while a sync was full */
  refused: { proposals: number; reads: number; syncMessages: number; /** NIC frames with a newer term than ours (never adopted: their headers are not authenticated) */ newerTermFrames: number;
    /** NIC frames naming this node as their sender (replays or forgeries: dropped) */ selfFrames: number };
  /** syncs waiting for STATUS.FROZEN: answers without it, and syncs that then waited for ticks (nicsync.ts FREEZE_POLLS) */
  freeze: { notFrozenPolls: number; stalls: number };
  /** follower read leases (docs/control-plane.md §6): the leader's mode, its holders, leases granted
   *  so far; a follower's lease end (own clock, -Infinity: none) and reads taken under it */
  leases: { mode: 'off' | 'entering' | 'on' | 'draining'; holders: NodeId[]; granted: number; followerUntil: number; followerReads: number };
  /** the NIC's leader-silence reports (docs/control-plane.md §4.1), acted on or not */
  silenceReports: number;
}

export class Core {
  readonly id: NodeId;
  readonly cfg: CoreConfig;
  term = 0;
  vote: NodeId = 0;
  lead: NodeId = 0;
  role: Role = 'follower';
  readonly log = new HostLog();
  voters: NodeId[] = [];
  tracker: ProgressTracker;
  recovering = false;
  /** An observer (tests, the fault campaigns' term check): called with the new term each time this node starts a real election. */
  onCampaign?: (term: number) => void;

  private now = 0;
  private electionDeadline = 0;
  private heartbeatDeadline = 0;
  private checkQuorumDeadline = 0;
  private lastLeaderContact = 0;
  /** own clock at the NIC's last leader-silence report (nicSilenceNs; -Infinity: none) */
  private silentAt = -Infinity;
  /** leader-silence reports from the NIC, acted on or not */
  private silenceReports = 0;
  private transferDeadline = 0;
  leadTransferee: NodeId = 0;
  private timeoutNowSent = false;
  /** first index of this leader's term (its no-op) */
  termStart = 0;
  /** the term in which this node's log was last verified as a prefix of that term's leader */
  private reconciledTerm = -1;
  /**
   * armOnVote: the NIC follows this candidate as the leader of this term, fast path on, since this
   * node granted it its vote with an equal log (null: not armed). Cleared by any role change or
   * freeze, and by the candidate's first Append or Heartbeat of that term (which reconciles us).
   */
  private armed: { term: number; lead: NodeId } | null = null;
  /** own clock when this node last took an armed NIC's leader (takeArmed; -Infinity: never) */
  private armTakenAt = -Infinity;
  private pendingConfIndex = 0;
  private stableIndex = 0;
  private snapshot?: Snapshot;

  /** the NIC mirror: CSR shadow, freeze-and-sync, log fetch (ctrl/core/nicsync.ts) */
  readonly mirror: NicMirror;
  private nicActivity = -1;  // last activity counter reported by the driver
  private frameBuf = new Map<number, Entry>();
  private lastRepairAsk = -Infinity;
  /** the leader's host last index, from its latest Append (a follower far behind it stays frozen) */
  private leaderLast = { term: -1, index: 0 };

  // leader state
  private proposals: PendingProposal[] = [];
  private proposing = false;
  private hbRound = 0;
  private hbRounds = new Map<number, { ns: number; nicLast: number }>();
  private pendingReads: PendingRead[] = [];
  private fl: LeaderLeases = { mode: 'off', quorumAll: false, floor: 0, holders: new Map(), grants: new Map(), confWaiting: null, granted: 0 };
  /** Follower: the highest durableIndex() a leader sent (Heartbeat.durable; 0 after a restart) */
  private durableFromLeader = 0;
  private flease: FollowerLease = { term: -1, lead: 0, until: -Infinity, floor: 0, answered: new Map() };
  private appendWaiting = new Set<NodeId>();
  /** client events refused with 'busy' (a bounded queue was full) */
  private refusedProposals = 0;
  private refusedReads = 0;
  /** NIC frames punted with a newer term than ours: never adopted (unauthenticated headers) */
  private newerTermFrames = 0;
  private selfFrames = 0;
  /** follower reads taken under a read lease */
  private followerReads = 0;
  /** reads waiting for the driver's next progress report (its LAST_INDEX and COMMIT_INDEX, read after
   *  they arrived): a follower's under its lease, and a leader's with readIndexAtTick */
  private tickReads: { ctx: number; follower: boolean }[] = [];

  // snapshot reception
  private snapRx?: { index: number; term: number; voters: NodeId[]; total: number; parts: Map<number, Uint8Array>; bytes: number };

  // Ready accumulators
  private rd: Ready = Core.emptyReady();
  private lastHard: HardState = { term: 0, vote: 0, commit: 0 };
  /** for checkInvariants: the term and commit index after the previous step (neither decreases) */
  private seenTerm = 0;
  private seenCommit = 0;

  static emptyReady(): Ready {
    return { entries: [], nic: [], frames: [], messages: [], committed: [], readStates: [] };
  }

  constructor(cfg: Config, state?: PersistentState) {
    this.cfg = coreConfig(cfg); // defaults and ranges (ctrl/core/config.ts)
    checkCoreConfig(cfg); // timing rules beyond the ranges: heartbeat <= half the election timeout (ctrl/core/config-check.ts)
    this.id = cfg.id;
    this.mirror = new NicMirror({ maxSyncWaiters: this.cfg.maxSyncWaiters, maxLogReads: this.cfg.maxLogReads });
    this.voters = [...cfg.voters].sort((a, b) => a - b);
    if (state) {
      this.term = state.hardState.term;
      this.vote = state.hardState.vote;
      if (state.snapshot) {
        this.snapshot = state.snapshot;
        this.log.snapIndex = state.snapshot.index;
        this.log.snapTerm = state.snapshot.term;
        this.voters = [...state.snapshot.voters].sort((a, b) => a - b);
        this.log.commit = this.log.applied = state.snapshot.index;
        this.rd.snapshotToApply = state.snapshot;
      }
      for (const e of state.entries) if (e.index > this.log.snapIndex) this.log.append(e);
      this.log.commit = Math.max(this.log.commit, Math.min(state.hardState.commit, this.log.lastIndex()));
      this.recovering = this.cfg.amnesiaGuard && this.term > 0;
    }
    this.lastHard = { term: this.term, vote: this.vote, commit: this.log.commit };
    this.stableIndex = this.log.lastIndex();
    this.recomputeVoters();
    this.tracker = new ProgressTracker(this.voters, this.log.lastIndex() + 1);
    this.initNic();
    this.applyCommitted();
    this.seenTerm = this.term;
    this.seenCommit = this.log.commit;
    this.checkInvariants();
  }

  // ------------------------------------------------------------------------------------------
  // Public API

  /**
   * Takes one event. Returns a Refusal when a client's event was not taken (a bounded queue is
   * full, or this node cannot take it): nothing was queued, the driver answers busy or redirects.
   * Throws CoreAssertionError when an invariant breaks (a bug: the core must not go on).
   */
  step(ev: Event): Refusal | undefined {
    const r = this.stepInner(ev);
    this.checkInvariants();
    return r;
  }

  private stepInner(ev: Event): Refusal | undefined {
    switch (ev.kind) {
      case 'tick': this.tick(ev.nowNs); return;
      case 'message': this.stepMessage(ev.msg); return;
      case 'clock': this.now = Math.max(this.now, ev.nowNs); return; // the deadlines it passed: at the next tick
      case 'nic': this.stepNic(ev.ev); return;
      case 'propose': return this.propose({ payload: ev.payload, clientId: ev.clientId ?? CTL_CLIENT, seq: ev.seq ?? 0, flags: ev.flags ?? 0 });
      case 'persisted':
        if (this.log.term(ev.index) === ev.term) this.stableIndex = Math.max(this.stableIndex, ev.index);
        this.maybeCommit();
        return;
      case 'campaign': this.startElection(false); return;
      case 'transfer': this.transfer(ev.to); return;
      case 'confChange': return this.proposeConf(ev.op, ev.node);
      case 'read': return this.read(ev.ctx, ev.nowNs);
      case 'compact': this.compact(ev.index, ev.data); return;
    }
  }

  /**
   * The core's invariants, checked after every step (each is O(1); the ones on a single change
   * are asserted where the change is made). A failure is a bug in the core or its driver.
   */
  private checkInvariants(): void {
    const log = this.log;
    const last = log.lastIndex();
    if (!(log.commit <= last)) throw new CoreAssertionError(`commit index ${log.commit} beyond the last index ${last}`);
    if (!(log.applied <= log.commit)) throw new CoreAssertionError(`applied index ${log.applied} beyond the commit index ${log.commit}`);
    if (!(log.snapIndex <= log.applied)) throw new CoreAssertionError(`snapshot index ${log.snapIndex} beyond the applied index ${log.applied}`);
    if (this.term < this.seenTerm) throw new CoreAssertionError(`term went back from ${this.seenTerm} to ${this.term}`);
    if (log.commit < this.seenCommit) throw new CoreAssertionError(`commit index went back from ${this.seenCommit} to ${log.commit}`);
    this.seenTerm = this.term;
    this.seenCommit = log.commit;
    if (this.role === 'leader' && this.lead !== this.id) throw new CoreAssertionError(`leader of term ${this.term} names ${this.lead} as the leader`);
    if (this.role !== 'leader' && this.lead === this.id) throw new CoreAssertionError(`${this.role} of term ${this.term} names itself as the leader`);
    if ((this.role === 'candidate' || this.role === 'leader') && this.vote !== this.id) {
      throw new CoreAssertionError(`${this.role} of term ${this.term} voted for ${this.vote}, not itself`);
    }
    const m = this.mirror;
    if (m.fastOn && m.sync !== null) throw new CoreAssertionError('the fast path is on while a freeze-and-sync is in progress');
    if (m.sync === null && m.afterSync.length > 0) throw new CoreAssertionError(`${m.afterSync.length} actions wait for a sync that is not in progress`);
    if (this.proposals.length > this.cfg.maxPendingProposals) throw new CoreAssertionError(`${this.proposals.length} proposals queued, above maxPendingProposals`);
    if (this.pendingReads.length + m.readsInFlight() + this.tickReads.length > this.cfg.maxPendingReads) throw new CoreAssertionError('pending reads above maxPendingReads');
    if (this.frameBuf.size > FRAME_BUFFER_MAX) throw new CoreAssertionError(`frame buffer holds ${this.frameBuf.size} frames, above ${FRAME_BUFFER_MAX}`);
  }

  hasReady(): boolean {
    const r = this.rd;
    return r.entries.length > 0 || r.nic.length > 0 || r.frames.length > 0 || r.messages.length > 0 || r.committed.length > 0 ||
      r.readStates.length > 0 || !!r.snapshot || !!r.snapshotToApply || r.truncateAfter !== undefined || !this.hardEqual();
  }

  /** Drains the accumulated actions (see `Ready` for the order the driver must keep). */
  ready(): Ready {
    const r = this.rd;
    if (!this.hardEqual()) {
      const prev = this.lastHard;
      assert(this.term > prev.term || (this.term === prev.term && (prev.vote === 0 || this.vote === prev.vote)),
        () => `hard state from term ${prev.term} vote ${prev.vote} to term ${this.term} vote ${this.vote}: a term went back or a vote changed within a term`);
      r.hardState = { term: this.term, vote: this.vote, commit: this.log.commit };
      this.lastHard = r.hardState;
    }
    if (r.entries.length > 0) {
      const last = r.entries[r.entries.length - 1]!;
      r.persistUpTo = { index: last.index, term: last.term };
    }
    this.rd = Core.emptyReady();
    return r;
  }

  status(): CoreStatus {
    return {
      id: this.id, role: this.role, term: this.term, vote: this.vote, lead: this.lead, commit: this.log.commit,
      applied: this.log.applied, lastIndex: this.log.lastIndex(), lastTerm: this.log.lastTerm(), voters: [...this.voters],
      fastPath: this.mirror.fastOn, recovering: this.recovering, syncing: this.mirror.sync !== null,
      refused: { proposals: this.refusedProposals, reads: this.refusedReads, syncMessages: this.mirror.droppedMessages, newerTermFrames: this.newerTermFrames, selfFrames: this.selfFrames },
      freeze: { notFrozenPolls: this.mirror.notFrozenPolls, stalls: this.mirror.frozenStalls },
      silenceReports: this.silenceReports,
      leases: {
        mode: this.fl.mode, holders: [...this.fl.holders.entries()].filter(([, u]) => u > this.now).map(([id]) => id).sort((a, b) => a - b),
        granted: this.fl.granted, followerUntil: this.followerLeaseUntil(), followerReads: this.followerReads,
      },
    };
  }

  /** Leader lease: valid until this time (ns, own clock); -Infinity when there is none. */
  leaseUntil(): number {
    if (this.role !== 'leader' || this.leadTransferee !== 0 || !this.cfg.leaseReads) return -Infinity;
    const sent = this.tracker.quorumAckedSendNs(this.id, this.now);
    const rho = this.cfg.maxClockDrift;
    return sent + (this.promiseNs() * (1 - rho)) / (1 + rho);
  }

  /**
   * How long after hearing from the leader a follower may refuse to vote for another (own clock):
   * the promise the leader lease rests on. With NIC failure detection (nicSilenceNs) a follower
   * keeps it only that long once its NIC reported the leader silent, so every follower's promise,
   * and the lease, are that long.
   */
  private promiseNs(): number {
    return this.cfg.nicSilenceNs > 0 ? this.cfg.nicSilenceNs : this.cfg.electionTimeoutNs;
  }

  /** Follower: its NIC reported the leader silent after it last heard from the leader. */
  private leaderSilent(): boolean {
    return this.cfg.nicSilenceNs > 0 && this.silentAt >= this.lastLeaderContact;
  }

  /**
   * Leader: the highest index a quorum of voters' storage holds (the leader's own durable entries,
   * the followers' reported host commit indexes), capped at the commit index. An entry at or below
   * it survives the crash of every replica at once; replies that must survive that wait for it.
   * Other roles: 0.
   */
  /**
   * Follower: report to the leader, unasked, that storage now durably holds the log up to
   * `durable` (an unsolicited HeartbeatResp of no heartbeat round: context 0, which acks no round, so
   * it counts for neither a lease nor a ReadIndex). A driver whose storage syncs off the event loop
   * (group commit) calls it when a sync completes, so durable replies wait for no heartbeat round.
   * Nothing when not a follower reconciled in this term with a known leader.
   */
  reportDurable(durable: number): void {
    if (this.role !== 'follower' || this.lead === 0 || this.reconciledTerm !== this.term) return;
    const myLast = this.mirror.fastOn ? Math.max(this.mirror.last, this.log.lastIndex()) : this.log.lastIndex();
    this.send(this.msg(MsgType.HeartbeatResp, this.lead, { context: 0, hint: myLast, commit: Math.min(this.log.commit, durable), reject: false }));
  }

  durableIndex(): number {
    // a follower knows what its leaders told it (follower reads): the index is of a committed
    // entry, the same in every log, and a quorum's storage keeps holding it
    if (this.role !== 'leader') return Math.min(this.log.commit, this.durableFromLeader);
    const vals = this.voters.map((v) => (v === this.id ? Math.min(this.stableIndex, this.log.commit) : this.tracker.get(v)?.durable ?? 0));
    vals.sort((a, b) => b - a);
    const q = quorumSize(Math.max(1, this.voters.length));
    return Math.min(this.log.commit, vals[q - 1] ?? 0);
  }

  /** Deadlines (for a driver that sleeps until the next one). */
  nextDeadline(): number {
    if (this.role === 'leader') return Math.min(this.heartbeatDeadline, this.checkQuorumDeadline);
    return this.electionDeadline;
  }

  // ------------------------------------------------------------------------------------------
  // Ready helpers

  private hardEqual(): boolean {
    return this.lastHard.term === this.term && this.lastHard.vote === this.vote && this.lastHard.commit === this.log.commit;
  }

  private send(m: Message): void {
    if (m.to === this.id) return;
    this.rd.messages.push(m);
  }

  private msg(type: MsgType, to: NodeId, patch: Partial<Message> = {}): Message {
    return { ...emptyMessage(type, this.id, to, this.term), ...patch };
  }

  private nicOp(op: NicOp): void {
    this.rd.nic.push(op);
  }

  private setCsr(reg: CsrName, value: number, force = false): void {
    this.mirror.set(this.rd.nic, reg, value, force);
  }

  /**
   * What the NIC mirror needs of this core for one call: built per call and never kept (a kept
   * closure would make the core impossible to copy).
   */
  private host(): MirrorHost {
    return {
      log: this.log,
      out: this.rd.nic,
      appendFetched: (e) => this.hostAppend(e),
      commitTo: (c) => this.commitTo(c),
      afterSync: (a) => this.afterSync(a),
      afterFetch: (a) => this.afterFetch(a),
      afterRead: (ctx, c) => this.afterRead(ctx, c),
      afterLeaseFloor: (last) => this.afterLeaseFloor(last),
    };
  }

  /** Fast path off, the host log made equal to the NIC's, then `then` (see nicsync.ts). */
  private freezeAndSync(then: AfterSync): void {
    this.armed = null;
    this.mirror.freeze(this.host(), then);
  }

  private fetchTail(upto: number, then: AfterFetch): void {
    this.mirror.fetchTail(this.host(), upto, then);
  }

  /** Continues what waited for a sync. */
  private afterSync(a: AfterSync): void {
    switch (a.k) {
      case 'campaign':
        if (this.role === 'leader') return;
        if ((this.cfg.preVote && !a.transfer) || this.recovering) this.campaign('pre', a.transfer);
        else this.campaign('real', a.transfer);
        return;
      case 'message': return this.stepMessage(a.msg);
      case 'install': return this.installSnapshot(a.from, a.snap);
      case 'proposals': return this.writeProposals();
      case 'transfer': return this.afterTransferSync(a.to);
      case 'ready': return;
    }
  }

  /** Continues what waited for the host log to reach a NIC index. */
  private afterFetch(a: AfterFetch): void {
    switch (a.k) {
      case 'sync': return this.mirror.finishSync(this.host());
      case 'committed': {
        const e = entryFromFrame(a.frame);
        if (e.index === this.log.lastIndex() + 1 || this.log.term(e.index) !== undefined) this.onCommitted(a.frame);
        return;
      }
      case 'append': {
        this.appendWaiting.delete(a.to);
        const p = this.tracker.get(a.to);
        if (this.role !== 'leader' || !p) return;
        if (a.upto > this.log.lastIndex()) this.mirror.last = this.log.lastIndex(); // the NIC could not give it
        this.sendAppend(a.to);
        return;
      }
    }
  }

  private persistEntry(e: Entry): void {
    const r = this.rd.entries;
    while (r.length > 0 && r[r.length - 1]!.index >= e.index) r.pop();
    r.push(e);
  }

  private persistTruncate(after: number): void {
    const r = this.rd.entries;
    while (r.length > 0 && r[r.length - 1]!.index > after) r.pop();
    this.rd.truncateAfter = Math.min(this.rd.truncateAfter ?? Infinity, after);
    this.stableIndex = Math.min(this.stableIndex, after);
  }

  /** Appends to the host log (and storage); the caller writes the NIC. */
  private hostAppend(e: Entry): void {
    if (e.term > this.term) throw new CoreAssertionError(`entry ${e.index}/t${e.term} appended in term ${this.term}`);
    this.log.append(e);
    this.persistEntry(e);
    const c = classify(e);
    if (c.kind === 'add' || c.kind === 'remove') this.recomputeVoters();
  }

  private hostTruncate(after: number): void {
    if (after >= this.log.lastIndex()) return;
    this.log.truncateAfter(after);
    this.persistTruncate(after);
    this.recomputeVoters();
  }

  private resetElectionTimer(): void {
    // while the NIC reports the leader silent, a lost or split election is retried after a quarter
    // of the election timeout (at least nicSilenceNs), not a whole one: the leader is known gone.
    // (Not shorter: a vote round, with a freeze-and-sync at each voter, must fit in it.)
    const t = this.leaderSilent() ? Math.max(this.cfg.nicSilenceNs, this.cfg.electionTimeoutNs / 4) : this.cfg.electionTimeoutNs;
    this.electionDeadline = this.now + t + this.cfg.rand.int(t);
  }

  // ------------------------------------------------------------------------------------------
  // NIC bring-up and sync

  private initNic(): void {
    this.mirror.bringUp(this.rd.nic, { id: this.id, clusterId: this.cfg.clusterId, term: this.term, voters: this.voters, log: this.log });
    this.lastLeaderContact = this.now; // refuse votes for one election timeout after a start (leases)
    this.resetElectionTimer();
  }

  private writeMembership(): void {
    this.mirror.writeMembership(this.rd.nic, this.voters, false,
      this.role === 'leader' ? (this.fl.quorumAll ? this.voters.length : undefined) : this.followerQuorum());
  }

  /**
   * QUORUM on a follower's NIC. A follower NIC with QUORUM 2 counts an entry of this term it took in
   * order from the leader as committed (itself and the leader: follower commit, docs/architecture.md
   * "Follower replies"). With follower reads (leases) every voter must hold an entry before it
   * commits, so the follower writes QUORUM = every voter, which turns follower commit off.
   */
  private followerQuorum(): number | undefined {
    return this.cfg.followerReads ? this.voters.length : undefined;
  }

  // ------------------------------------------------------------------------------------------
  // Time

  private tick(nowNs: number): void {
    this.now = Math.max(this.now, nowNs);
    this.mirror.tick(this.rd.nic); // a sync that waits for STATUS.FROZEN reads again
    if (this.role === 'leader') {
      if (this.now >= this.checkQuorumDeadline) {
        this.checkQuorumDeadline = this.now + this.cfg.electionTimeoutNs;
        if (this.cfg.checkQuorum && !this.tracker.quorumActive(this.id)) {
          this.becomeFollower(this.term, 0);
          return;
        }
      }
      if (this.now >= this.heartbeatDeadline) {
        this.heartbeatDeadline = this.now + this.cfg.heartbeatIntervalNs;
        this.broadcastHeartbeat();
      }
      if (this.leadTransferee !== 0 && this.now >= this.transferDeadline) this.abortTransfer();
      this.leaseModeStep();
      // a transfer waits for the follower leases to end before its TimeoutNow
      if (this.leadTransferee !== 0 && !this.timeoutNowSent) this.maybeTimeoutNow(this.leadTransferee);
      return;
    }
    if (this.now >= this.electionDeadline) {
      this.resetElectionTimer();
      this.startElection(false);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Roles

  private becomeFollower(term: number, lead: NodeId): void {
    assert(term >= this.term, () => `becomeFollower(${term}) below the current term ${this.term}`);
    const wasLeader = this.role === 'leader';
    if (term > this.term) {
      this.term = term;
      this.vote = 0;
    }
    this.role = 'follower';
    this.lead = lead;
    this.leadTransferee = 0;
    this.proposals = [];
    this.pendingReads = [];
    // a deposed leader's NIC is frozen below (it commits nothing more); its grants end on their own
    this.fl = { mode: 'off', quorumAll: false, floor: 0, holders: new Map(), grants: new Map(), confWaiting: null, granted: this.fl.granted };
    this.tracker.resetVotes();
    this.resetElectionTimer();
    // the fast path stops: a follower's NIC runs again only once its log is reconciled
    this.armed = null;
    this.setCsr('FAST_EN', 0);
    if (wasLeader) this.setCsr('ROLE', ROLE_FOLLOWER);
    this.setCsr('TERM', this.term);
  }

  /**
   * The configuration this node stands for election in: its latest one, or, when the latest one
   * removed it and is not committed yet, the last committed one (a leader that appended its own
   * removal and lost its quorum must be able to stand again: its log is the longest, so nobody
   * else may win while it withholds its vote — the campaigns' B3). One change at a time keeps every
   * majority of the two configurations overlapping, so two leaders of a term stay impossible.
   * Empty: not a voter (removed and committed, or a new node not yet added).
   */
  private electionVoters(): NodeId[] {
    if (this.voters.includes(this.id)) return this.voters;
    if (this.lastConfIndex() <= this.log.commit) return [];
    const committed = this.configAt(this.log.commit);
    return committed.includes(this.id) ? committed : [];
  }

  /** The voters after applying the configuration entries up to `index`. */
  private configAt(index: number): NodeId[] {
    const v = new Set(this.snapshot ? this.snapshot.voters : this.cfg.voters);
    for (const e of this.log.entries) {
      if (e.index > index) break;
      const c = classify(e);
      if (c.kind === 'add') v.add(c.node);
      else if (c.kind === 'remove') v.delete(c.node);
    }
    return [...v].sort((a, b) => a - b);
  }

  private startElection(transfer: boolean): void {
    if (this.role === 'leader') return;
    if (this.electionVoters().length === 0) return; // not a voter (removed, or a new node not yet added)
    this.setCsr('FAST_EN', 0);
    this.freezeAndSync({ k: 'campaign', transfer });
  }

  private campaign(kind: 'pre' | 'real', transfer: boolean): void {
    const ev = this.electionVoters();
    if (ev.length === 0) return;
    // votes are counted in that configuration
    if (this.tracker.voters.join() !== ev.join()) this.tracker.setVoters(ev, this.log.lastIndex() + 1);
    this.tracker.resetVotes();
    let term: number;
    if (kind === 'pre') {
      this.role = 'precandidate';
      term = this.term + 1;
    } else {
      if (this.recovering) return;
      this.role = 'candidate';
      this.term += 1;
      this.onCampaign?.(this.term);
      this.vote = this.id;
      this.lead = 0;
      this.setCsr('TERM', this.term);
      term = this.term;
    }
    this.resetElectionTimer();
    if (!this.recovering) this.tracker.recordVote(this.id, true);
    if (this.tracker.tallyVotes().result === 'won') {
      if (kind === 'pre') this.campaign('real', transfer);
      else this.becomeLeader();
      return;
    }
    for (const v of ev) {
      if (v === this.id) continue;
      this.send({
        ...this.msg(kind === 'pre' ? MsgType.PreVote : MsgType.Vote, v),
        term, index: this.log.lastIndex(), logTerm: this.log.lastTerm(), context: transfer ? CTX_TRANSFER : 0,
        recovering: this.recovering,
      });
    }
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.lead = this.id;
    this.leadTransferee = 0;
    this.fl = { mode: 'off', quorumAll: false, floor: 0, holders: new Map(), grants: new Map(), confWaiting: null, granted: this.fl.granted };
    this.flease.until = -Infinity;
    this.tracker.reset(this.voters, this.log.lastIndex() + 1);
    this.hbRounds.clear();
    // (1) the no-op of this term, through the log port (the fast path is still off)
    const noop = this.makeEntry(this.log.lastIndex() + 1, new Uint8Array([EntryTag.NOOP]), CTL_CLIENT, 0, 0);
    this.hostAppend(noop);
    this.nicOp({ op: 'logWrite', index: noop.index, frame: noop.frame });
    this.termStart = noop.index;
    this.pendingConfIndex = this.lastConfIndex();
    // (2) install the term, role, indexes and membership, then (3) the fast path on
    const followers = this.voters.filter((v) => v !== this.id);
    this.mirror.installLeader(this.rd.nic, { id: this.id, term: this.term, voters: this.voters, termStart: noop.index, commit: this.log.commit, followers, replyMask: this.replyMask(this.id) });
    for (const v of followers) this.tracker.get(v)!.nicMatch = 0;
    this.reconciledTerm = this.term;
    this.recovering = false;
    // (4) learn each follower's tail and reconcile it: Append probes from the no-op
    for (const v of this.voters) if (v !== this.id) this.sendAppend(v);
    this.heartbeatDeadline = this.now + this.cfg.heartbeatIntervalNs;
    this.checkQuorumDeadline = this.now + this.cfg.electionTimeoutNs;
    this.maybeCommit();
  }

  private makeEntry(index: number, payload: Uint8Array, clientId: number, seq: number, flags: number): Entry {
    const frame = buildAppend({ clusterId: this.cfg.clusterId, leader: this.id, term: this.term, index, commit: this.log.commit, clientId, seq, flags, payload });
    return { index, term: this.term, frame };
  }

  // ------------------------------------------------------------------------------------------
  // Messages

  private inLease(): boolean {
    const promise = this.leaderSilent() ? this.cfg.nicSilenceNs : this.cfg.electionTimeoutNs;
    return this.cfg.checkQuorum && this.lead !== 0 && this.now < this.lastLeaderContact + promise;
  }

  private stepMessage(m: Message): void {
    if (m.to !== this.id) return;
    if (m.term > this.term) {
      if (m.type === MsgType.PreVote || m.type === MsgType.Vote) {
        const force = m.context === CTX_TRANSFER;
        if (!force && (this.inLease() || this.role === 'leader')) {
          // a leader is alive: do not let a partitioned node disrupt it (leader stickiness)
          if (m.type === MsgType.PreVote) this.send(this.msg(MsgType.PreVoteResp, m.from, { reject: true, recovering: this.recovering }));
          return;
        }
      }
      if (m.type === MsgType.PreVote || (m.type === MsgType.PreVoteResp && !m.reject)) {
        // no term change for pre-votes
      } else {
        const lead = m.type === MsgType.Append || m.type === MsgType.Heartbeat || m.type === MsgType.Snapshot ? m.from : 0;
        this.becomeFollower(m.term, lead);
      }
    } else if (m.term < this.term) {
      if (m.type === MsgType.Append || m.type === MsgType.Heartbeat) {
        // a stale leader: tell it our term so it steps down
        this.send(this.msg(MsgType.AppendResp, m.from, { index: this.log.lastIndex() }));
      } else if (m.type === MsgType.PreVote) {
        this.send(this.msg(MsgType.PreVoteResp, m.from, { reject: true, recovering: this.recovering }));
      } else if (m.type === MsgType.PreVoteResp && m.recovering) {
        this.handleVoteResp(m); // counts toward "a quorum restarted" (amnesia guard)
      }
      return;
    }

    switch (m.type) {
      case MsgType.PreVote:
      case MsgType.Vote:
        return this.handleVoteRequest(m);
      case MsgType.PreVoteResp:
      case MsgType.VoteResp:
        return this.handleVoteResp(m);
      case MsgType.Append:
        return this.handleAppend(m);
      case MsgType.AppendResp:
        return this.handleAppendResp(m);
      case MsgType.Heartbeat:
        return this.handleHeartbeat(m);
      case MsgType.HeartbeatResp:
        return this.handleHeartbeatResp(m);
      case MsgType.Snapshot:
        return this.handleSnapshot(m);
      case MsgType.TimeoutNow:
        if (this.role !== 'leader' && m.from === this.lead) this.startElection(true);
        return;
    }
  }

  private handleVoteRequest(m: Message): void {
    const pre = m.type === MsgType.PreVote;
    const respType = pre ? MsgType.PreVoteResp : MsgType.VoteResp;
    if (this.recovering) {
      this.send(this.msg(respType, m.from, { reject: true, recovering: true }));
      return;
    }
    const canVote = this.vote === m.from || (this.vote === 0 && this.lead === 0) || (pre && m.term > this.term);
    // A leader never votes in its own term (it voted for itself), and a node that cannot vote for
    // this candidate whatever the logs say answers at once: freezing the NIC to sync the log would
    // be for nothing (and a leader frozen here stayed frozen: the campaigns found it, seed 118)
    if (this.role === 'leader' || !canVote) {
      this.send(this.msg(respType, m.from, { term: this.term, reject: true }));
      return;
    }
    // the decision needs the whole log: sync the NIC's tail first
    if (!this.mirror.frozenAndSynced) {
      this.freezeAndSync({ k: 'message', msg: m });
      return;
    }
    const grant = canVote && this.log.isUpToDate(m.index, m.logTerm);
    if (grant) {
      if (!pre) {
        this.vote = m.from;
        this.resetElectionTimer();
        this.maybeArm(m);
      }
      this.send(this.msg(respType, m.from, { term: m.term }));
    } else {
      this.send(this.msg(respType, m.from, { term: this.term, reject: true }));
    }
  }

  /**
   * armOnVote: having granted `m.from` its vote for this term with a log equal to its (same last
   * index and term: by log matching the same entries), the NIC follows it as this term's leader at
   * once. Safe (docs/control-plane.md §3.1): a term has at most one leader, so the only frames of
   * this term the NIC can take (APPENDs from LEADER_ID = the candidate) are the candidate's as the
   * leader, and its log starts with ours: the NIC's log stays a prefix of that leader's (§2).
   */
  private maybeArm(m: Message): void {
    if (!this.cfg.armOnVote || this.role !== 'follower' || m.term !== this.term || this.vote !== m.from) return;
    if (m.index !== this.log.lastIndex() || m.logTerm !== this.log.lastTerm() || !this.mirror.frozenAndSynced) return;
    this.armed = { term: this.term, lead: m.from };
    this.mirror.installFollower(this.rd.nic, { term: this.term, lead: m.from, voters: this.voters, commit: this.log.commit, replyMask: this.replyMask(m.from), quorum: this.followerQuorum() });
  }

  /** This leader's message of this term finds the NIC armed for it (maybeArm) and still following it. */
  private armedFor(m: Message): boolean {
    const a = this.armed;
    return a !== null && a.term === this.term && m.term === this.term && a.lead === m.from && this.role === 'follower' &&
      this.mirror.fastOn && this.mirror.sync === null;
  }

  /**
   * The armed NIC's leader spoke (Append or Heartbeat): the follower is reconciled in this term, its
   * NIC runs on. After a Heartbeat the arming stays for the leader's first Append (its probe, sent
   * before the Heartbeat but maybe overtaken), which is then answered without a freeze too.
   */
  private takeArmed(keepForAppend: boolean): void {
    if (this.reconciledTerm !== this.term) this.armTakenAt = this.now;
    if (!keepForAppend) this.armed = null;
    this.reconciledTerm = this.term;
    this.recovering = false;
  }

  private handleVoteResp(m: Message): void {
    const pre = m.type === MsgType.PreVoteResp;
    if ((pre && this.role !== 'precandidate') || (!pre && this.role !== 'candidate')) return;
    if (m.recovering) this.tracker.recovering.add(m.from);
    this.tracker.recordVote(m.from, !m.reject);
    if (this.recovering) {
      // amnesia guard: a quorum that all restarted cannot wait for anyone; trust the disks
      const n = this.voters.filter((v) => v === this.id || this.tracker.recovering.has(v)).length;
      if (n >= quorumSize(this.voters.length)) {
        this.recovering = false;
        this.tracker.resetVotes();
        this.role = 'follower';
      }
      return;
    }
    const r = this.tracker.tallyVotes();
    if (r.result === 'won') {
      if (pre) this.campaign('real', m.context === CTX_TRANSFER);
      else this.becomeLeader();
    } else if (r.result === 'lost') {
      this.becomeFollower(this.term, 0);
    }
  }

  // -------------------------------------------------------------------------------- follower side

  private catchupSlack(): number {
    return this.cfg.maxAppendEntries * this.cfg.maxInflightAppends;
  }

  private handleAppend(m: Message): void {
    if (this.role !== 'follower') this.becomeFollower(this.term, m.from);
    if (m.term === this.term) this.leaderLast = { term: m.term, index: m.hint };
    this.lead = m.from;
    this.lastLeaderContact = this.now;
    this.resetElectionTimer();
    if (this.armedFor(m)) {
      // armed at the vote: the host log (= the NIC's up to what it delivered) matches at the probe's
      // prev; the named entries and what follows are the NIC's business (it took or buffers them, and
      // its NACKs fetch what it lacks from the leader's NIC). Answer without freezing the NIC.
      if (m.index >= this.log.commit && this.log.matchTerm(m.index, m.logTerm)) {
        this.takeArmed(false);
        this.send(this.msg(MsgType.AppendResp, m.from, { index: m.index, hint: Math.max(this.mirror.last, m.index), context: CTX_NIC_FOLLOWS }));
        return;
      }
    }
    this.armed = null;
    if (!this.mirror.frozenAndSynced) {
      this.freezeAndSync({ k: 'message', msg: m });
      return;
    }
    if (this.role !== 'follower' || this.lead !== m.from || m.term !== this.term) return;
    if (m.index < this.log.commit) {
      this.send(this.msg(MsgType.AppendResp, m.from, { index: this.log.commit }));
      this.enableFollower();
      return;
    }
    if (!this.log.matchTerm(m.index, m.logTerm)) {
      const hintIdx = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
      this.send(this.msg(MsgType.AppendResp, m.from, { index: m.index, reject: true, hint: hintIdx, logTerm: this.log.term(hintIdx) ?? 0 }));
      return;
    }
    // log matching holds at m.index: take the named entries as far as we have them
    let lastNew = m.index;
    let changed = false;
    for (let k = 0; k < m.entryTerms.length; k++) {
      const idx = m.index + 1 + k;
      const t = m.entryTerms[k]!;
      if (this.log.term(idx) === t) { lastNew = idx; continue; }
      if (idx <= this.log.lastIndex()) {
        // a conflict: our entry here is not the leader's; drop it and what follows (even if the
        // leader's frame has not arrived yet)
        if (idx <= this.log.commit) throw new Error(`conflict at committed index ${idx}`);
        this.hostTruncate(idx - 1);
        changed = true;
      }
      const e = this.frameBuf.get(idx);
      if (!e || e.term !== t || crc32(entryIdentity(e.frame)) !== m.entryCrcs[k]) break;
      this.hostAppend(e);
      this.nicOp({ op: 'logWrite', index: idx, frame: e.frame });
      changed = true;
      lastNew = idx;
    }
    // Entries after lastNew are unverified. Those of this term came from this leader, in order, and
    // match its log. An older-term entry beyond the leader's host log (m.hint) conflicts (the
    // leader's log has only entries of its own term there): drop it. An older-term entry the
    // leader has not named yet keeps the fast path off until a later Append names it, because
    // the NIC would commit up to min(leader commit, LAST_INDEX) and must hold only the leader's entries.
    let tailOk = true;
    for (let i = lastNew + 1; i <= this.log.lastIndex(); i++) {
      const t = this.log.term(i)!;
      if (t === this.term) break;
      if (i > m.hint) {
        this.hostTruncate(i - 1);
        changed = true;
      } else tailOk = false;
      break;
    }
    for (const i of [...this.frameBuf.keys()]) if (i <= lastNew) this.frameBuf.delete(i);
    if (changed) this.setCsr('LAST_INDEX', this.log.lastIndex(), true);
    const c = Math.min(m.commit, lastNew);
    if (c > this.log.commit) this.commitTo(c);
    this.send(this.msg(MsgType.AppendResp, m.from, { index: lastNew }));
    if (tailOk) {
      this.reconciledTerm = this.term;
      this.recovering = false;
      this.enableFollower();
    }
  }

  /** Turns a reconciled follower's fast path on (the host log equals the NIC's, which is a prefix of the leader's). */
  private enableFollower(): void {
    if (this.role !== 'follower' || this.lead === 0 || this.reconciledTerm !== this.term || this.mirror.fastOn || !this.mirror.synced) return;
    // far behind the leader's host log (as its last Append said): stay frozen while its pipelined
    // Appends catch us up; every enable/freeze pair costs a round trip to the NIC
    if (this.leaderLast.term === this.term && this.log.lastIndex() + this.catchupSlack() < this.leaderLast.index) return;
    this.mirror.installFollower(this.rd.nic, { term: this.term, lead: this.lead, voters: this.voters, commit: this.log.commit, replyMask: this.replyMask(this.lead), quorum: this.followerQuorum() });
  }

  /** REPLY_MASK for the fast path following `leader` (follower replies on), else nothing to write. */
  private replyMask(leader: NodeId): number | undefined {
    return this.cfg.followerReplies ? followerReplyMask(this.id, leader, this.voters) : undefined;
  }

  private handleHeartbeat(m: Message): void {
    if (this.role !== 'follower') this.becomeFollower(this.term, m.from);
    if (this.armedFor(m)) this.takeArmed(true);
    else if (this.armed && this.armed.lead !== m.from) this.armed = null;
    this.lead = m.from;
    this.lastLeaderContact = this.now;
    this.resetElectionTimer();
    // commit: the leader sends min(its commit, our match), so it is safe to take
    if (m.commit > this.log.commit && m.commit <= this.log.lastIndex() && this.reconciledTerm === this.term) this.commitTo(m.commit);
    this.takeLease(m);
    if (m.durable !== undefined && m.durable > this.durableFromLeader) this.durableFromLeader = m.durable;
    const myLast = this.mirror.fastOn ? Math.max(this.mirror.last, this.log.lastIndex()) : this.log.lastIndex();
    // reject = "not reconciled in this term yet: send me an Append" (e.g. after a restart)
    // commit = our host commit index: what our storage holds durably (the leader counts durable copies)
    this.send(this.msg(MsgType.HeartbeatResp, m.from, { context: m.context, hint: myLast, commit: this.log.commit, reject: this.reconciledTerm !== this.term }));
    this.noteAnswered(m);
    if (!this.mirror.fastOn && this.mirror.synced) this.enableFollower();
  }

  private handleSnapshot(m: Message): void {
    if (this.role !== 'follower') this.becomeFollower(this.term, m.from);
    this.lead = m.from;
    this.lastLeaderContact = this.now;
    this.resetElectionTimer();
    const s = m.snap;
    if (!s) return;
    if (!this.snapRx || this.snapRx.index !== s.index || this.snapRx.term !== s.term || s.offset === 0) {
      this.snapRx = { index: s.index, term: s.term, voters: s.voters, total: s.total, parts: new Map(), bytes: 0 };
    }
    const rx = this.snapRx;
    if (!rx.parts.has(s.offset)) { rx.parts.set(s.offset, s.data); rx.bytes += s.data.length; }
    if (rx.bytes < rx.total) return;
    const data = new Uint8Array(rx.total);
    for (const [off, d] of rx.parts) data.set(d, off);
    this.snapRx = undefined;
    const snap: Snapshot = { index: rx.index, term: rx.term, voters: rx.voters, data };
    this.freezeAndSync({ k: 'install', from: m.from, snap });
  }

  private installSnapshot(from: NodeId, snap: Snapshot): void {
    if (this.role !== 'follower' || this.lead !== from) return;
    if (snap.index <= this.log.commit) {
      this.send(this.msg(MsgType.AppendResp, from, { index: this.log.commit }));
      return;
    }
    const keep = this.log.matchTerm(snap.index, snap.term);
    this.rd.entries = this.rd.entries.filter((e) => e.index > snap.index);
    this.log.compact(snap.index, snap.term);
    if (!keep) this.log.entries = [];
    this.log.commit = this.log.applied = snap.index;
    this.snapshot = snap;
    this.rd.snapshot = snap;
    this.rd.snapshotToApply = snap;
    this.rd.committed = this.rd.committed.filter((e) => e.index > snap.index);
    this.recomputeVoters();
    this.setCsr('LAST_INDEX', this.log.lastIndex(), true);
    this.reconciledTerm = this.term;
    this.recovering = false;
    this.send(this.msg(MsgType.AppendResp, from, { index: snap.index }));
    this.enableFollower();
  }

  // -------------------------------------------------------------------------------- leader side

  /** Sends follower `to` the entries from its next index (as APPEND frames plus an Append naming them). */
  private sendAppend(to: NodeId): void {
    const p = this.tracker.get(to);
    if (!p || this.role !== 'leader') return;
    if (p.state === 'snapshot') return;
    const prev = p.next - 1;
    const prevTerm = this.log.term(prev);
    if (prevTerm === undefined) {
      if (prev < this.log.snapIndex || (prev <= this.log.snapIndex && this.snapshot)) return this.sendSnapshot(to);
      // beyond what the host holds: the NIC has it (the fast path sequenced it); read it first
      if (prev > this.log.lastIndex() && prev <= this.mirror.last) return this.fetchThenAppend(to, prev);
      const n = Math.min(p.next, this.log.lastIndex() + 1);
      if (n === p.next) return;
      p.next = n;
      return this.sendAppend(to);
    }
    const hi = Math.min(prev + this.cfg.maxAppendEntries, Math.max(this.log.lastIndex(), this.mirror.last));
    if (hi > this.log.lastIndex()) return this.fetchThenAppend(to, hi);
    if (p.state === 'replicate' && p.inflight.length >= this.cfg.maxInflightAppends) return; // the window is full
    const ents = this.log.slice(prev + 1, hi);
    for (const e of ents) this.rd.frames.push({ to, frame: retransmitFrame(e.frame, this.id, to, this.log.commit) });
    this.send(this.msg(MsgType.Append, to, {
      index: prev, logTerm: prevTerm, commit: this.log.commit, hint: this.log.lastIndex(),
      entryTerms: ents.map((e) => e.term), entryCrcs: ents.map((e) => crc32(entryIdentity(e.frame))),
    }));
    p.probeSent = true;
    // replicate: pipeline the next Appends without waiting for the answers (a follower far behind
    // catches up at window x maxAppendEntries entries per round trip, faster than the fast path adds)
    if (p.state === 'replicate' && ents.length > 0) {
      p.inflight.push(hi);
      p.next = hi + 1;
      if (p.inflight.length < this.cfg.maxInflightAppends && hi < this.log.lastIndex()) this.sendAppend(to);
    }
  }

  private fetchThenAppend(to: NodeId, upto: number): void {
    if (this.appendWaiting.has(to)) return;
    this.appendWaiting.add(to);
    this.fetchTail(upto, { k: 'append', to, upto });
  }

  private sendSnapshot(to: NodeId): void {
    const p = this.tracker.get(to)!;
    const s = this.snapshot;
    if (!s) return;
    p.becomeSnapshot(s.index);
    p.snapshotSentNs = this.now;
    const n = this.cfg.snapshotChunkBytes;
    const total = s.data.length;
    for (let off = 0; off === 0 || off < total; off += n) {
      this.send(this.msg(MsgType.Snapshot, to, {
        snap: { index: s.index, term: s.term, voters: s.voters, offset: off, total, data: s.data.subarray(off, Math.min(total, off + n)) },
      }));
      if (total === 0) break;
    }
  }

  private writeMatch(to: NodeId): void {
    const p = this.tracker.get(to);
    if (!p || to === this.id || p.match <= p.nicMatch) return;
    this.setCsr('MATCH_SEL', to, true);
    this.setCsr('MATCH_INDEX', p.match, true);
    p.nicMatch = p.match;
  }

  private handleAppendResp(m: Message): void {
    if (this.role !== 'leader') return;
    const p = this.tracker.get(m.from);
    if (!p) return;
    p.recentActive = true;
    if (m.reject) {
      // a rejection (log mismatch) or a repair request (the follower's NIC saw a gap): resend from
      // hint+1, where the leader skips back over the whole term of the follower's entry at the hint
      // (etcd's leader-side findConflictByTerm): a follower with a long tail of an older term costs
      // one round trip, not one per entry (the co-simulation found the probe stuck without it)
      let hint = m.hint > this.log.snapIndex ? this.log.findConflictByTerm(m.hint, m.logTerm) : m.hint;
      // a follower that disagrees at or below our snapshot index can be fixed only by the snapshot
      // (probing at prev = snapIndex again and again was the campaigns' seed 185)
      if (m.index <= this.log.snapIndex && this.log.snapIndex > 0) hint = Math.min(hint, this.log.snapIndex - 1);
      if (hint + 1 < p.next || p.state === 'replicate') {
        p.becomeProbe();
        p.next = Math.max(p.match + 1, Math.min(p.next, hint + 1));
        this.sendAppend(m.from);
      }
      return;
    }
    if (p.state === 'snapshot' && m.index >= p.pendingSnapshot) p.becomeProbe();
    // a probe answered at the match we already hold is progress too (etcd's rule): the follower's log
    // matches there, so replicate (an armed follower answers the first probe at its prev, which may
    // equal the match the heartbeats already gave: staying in probe would send it host Appends that
    // freeze its NIC)
    const probeOk = p.state === 'probe' && m.index === p.match;
    // a follower whose NIC follows us (armed at the vote) holds, in its NIC, our entries up to its
    // hint (its NIC only appends ours of this term, in order: as a HeartbeatResp's hint); the NICs
    // keep it up to date (its NACKs, our NIC's go-back-N), so no catch-up Appends: they would freeze it
    const nicFollows = m.context === CTX_NIC_FOLLOWS;
    const matched = nicFollows ? Math.max(m.index, Math.min(m.hint, Math.max(this.log.lastIndex(), this.mirror.last))) : m.index;
    if (p.maybeUpdate(matched) || probeOk) {
      if (p.state === 'probe') p.becomeReplicate();
      this.writeMatch(m.from);
      this.maybeCommit();
      this.maybeTimeoutNow(m.from);
      // Close to our host log, the follower turns its fast path on (enableFollower) and the NICs take
      // over: its NACKs fetch the rest from our NIC's log RAM. Host Appends would only freeze it again.
      if ((!nicFollows && p.match + this.catchupSlack() < this.log.lastIndex()) || this.leadTransferee === m.from) this.sendAppend(m.from);
    } else if (p.match < this.log.lastIndex() && (p.state !== 'replicate' || p.inflight.length === 0)) {
      // no progress (the frames were lost): probe again at the next heartbeat answer (in replicate,
      // only once nothing is in flight: a duplicate answer, one copy per plane, is not a loss)
      p.becomeProbe();
    } else {
      this.maybeTimeoutNow(m.from); // the match moved with a heartbeat answer before this one
    }
  }

  private handleHeartbeatResp(m: Message): void {
    if (this.role !== 'leader') return;
    const p = this.tracker.get(m.from);
    if (!p) return;
    p.recentActive = true;
    if (p.state === 'snapshot') {
      // A chunk of the snapshot, or the answer to it, may have been lost (the campaigns' seed 212):
      // the heartbeat answer says where the follower is. Installed: probe after it. Not after two
      // heartbeat intervals: send the snapshot again.
      const snap = p.pendingSnapshot;
      if (m.hint >= snap) {
        p.becomeProbe();
        p.next = Math.max(p.next, snap + 1);
      } else if (this.now - p.snapshotSentNs >= 2 * this.cfg.heartbeatIntervalNs) {
        p.becomeProbe();
        p.next = Math.min(p.next, snap);
        this.sendAppend(m.from);
      }
    }
    if (this.reconciledOk(m)) {
      p.durable = Math.max(p.durable, Math.min(m.commit, this.log.lastIndex()));
      // a follower reconciled in this term holds a prefix of our log up to its last index (its NIC
      // only appends our APPENDs of this term, in order): that is a match
      if (p.state !== 'snapshot' && p.maybeUpdate(Math.min(m.hint, Math.max(this.log.lastIndex(), this.mirror.last)))) {
        this.writeMatch(m.from);
        this.maybeCommit();
        this.maybeTimeoutNow(m.from);
      }
    }
    if (m.context !== 0) p.heartbeatRejected = m.reject;
    const r = this.hbRounds.get(m.context);
    if (r) p.ackedSendNs = Math.max(p.ackedSendNs, r.ns);
    if (r && !m.reject) this.maybeGrant(m.from, m.context);
    // a follower that is behind what we had sequenced a round earlier missed frames: repair it
    const prevRound = this.hbRounds.get(m.context - 1);
    if (m.reject && p.state !== 'snapshot' && !this.appendWaiting.has(m.from)) {
      p.becomeProbe();
      p.next = Math.max(1, Math.min(m.hint, this.log.lastIndex()) + 1);
      this.sendAppend(m.from);
    } else if (prevRound && m.hint < prevRound.nicLast && p.state !== 'snapshot') {
      p.next = Math.max(Math.min(p.next, m.hint + 1), 1);
      p.becomeProbe();
      p.next = m.hint + 1;
      this.sendAppend(m.from);
    } else if (p.match + (m.reject ? 0 : this.catchupSlack()) < this.log.lastIndex() && p.state === 'probe' && !this.appendWaiting.has(m.from)) {
      this.sendAppend(m.from);
    }
    this.checkReads();
  }

  /** A HeartbeatResp's durable report counts only from a follower reconciled in this term. */
  private reconciledOk(m: Message): boolean {
    return !m.reject && m.term === this.term;
  }

  private broadcastHeartbeat(): void {
    this.hbRound++;
    this.hbRounds.set(this.hbRound, { ns: this.now, nicLast: Math.max(this.mirror.last, this.log.lastIndex()) });
    this.hbRounds.delete(this.hbRound - 64);
    for (const v of this.voters) {
      if (v === this.id) continue;
      const p = this.tracker.get(v)!;
      const hb = this.msg(MsgType.Heartbeat, v, { commit: Math.min(p.match, this.log.commit), context: this.hbRound, index: Math.max(this.mirror.last, this.log.lastIndex()) });
      const g = this.fl.mode === 'on' ? this.fl.grants.get(v) : undefined;
      if (g) hb.lease = { round: g.round, ns: g.ns, floor: this.fl.floor };
      // a follower answering reads with durable replies needs it (Replica.answerReads)
      if (this.cfg.followerReads) hb.durable = this.durableIndex();
      this.fl.grants.delete(v);
      this.send(hb);
    }
  }

  private maybeCommit(): void {
    if (this.role !== 'leader') return;
    // the leader counts itself only for what its storage made durable
    this.tracker.get(this.id)?.maybeUpdate(Math.min(this.log.lastIndex(), this.stableIndex));
    // follower leases out: only what every voter holds (the NIC's QUORUM says the same)
    const c = this.fl.quorumAll ? this.tracker.committedAll() : this.tracker.committed();
    if (c > this.log.commit && this.log.term(c) === this.term) this.commitTo(c);
  }

  private commitTo(c: number): void {
    if (c <= this.log.commit) return;
    this.log.commit = Math.min(c, this.log.lastIndex());
    // a host commit is either one a quorum of this term confirmed or one the leader told us; both
    // name entries at or below the current term
    assert((this.log.term(this.log.commit) ?? 0) <= this.term, () => `commit of ${this.log.commit}/t${this.log.term(this.log.commit)} in term ${this.term}`);
    this.applyCommitted();
    if (this.role === 'leader') {
      // a committed removal of ourselves: hand over (the others elect among themselves)
      if (!this.voters.includes(this.id) && this.log.commit >= this.pendingConfIndex) this.stepDownRemoved();
      this.checkReads();
    }
  }

  private applyCommitted(): void {
    while (this.log.applied < this.log.commit) {
      const e = this.log.entry(this.log.applied + 1);
      if (!e) throw new CoreAssertionError(`entry ${this.log.applied + 1} to apply is not in the host log (commit ${this.log.commit}, snapshot ${this.log.snapIndex})`);
      this.rd.committed.push(e);
      this.log.applied++;
    }
  }

  private stepDownRemoved(): void {
    this.becomeFollower(this.term, 0);
    this.setCsr('ROLE', ROLE_OFF);
  }

  // -------------------------------------------------------------------------------- proposals

  private propose(p: PendingProposal): Refusal | undefined {
    // not taken: the client retries elsewhere
    if (this.role !== 'leader' || this.leadTransferee !== 0) return { refused: 'not-leader', lead: this.role === 'leader' ? 0 : this.lead };
    const limit = this.cfg.maxPendingProposals;
    if (this.proposals.length >= limit) {
      this.refusedProposals++;
      return { refused: 'busy', queue: 'proposals', limit };
    }
    this.proposals.push(p);
    this.flushProposals();
    return undefined;
  }

  /** Host-path entries at the leader: fast path off, sync, write through the log port, fast path on, send as APPENDs. */
  private flushProposals(): void {
    if (this.proposing || this.proposals.length === 0) return;
    this.proposing = true;
    this.freezeAndSync({ k: 'proposals' });
  }

  private writeProposals(): void {
    this.proposing = false;
    if (this.role !== 'leader') { this.proposals = []; return; }
    const ps = this.proposals;
    this.proposals = [];
    for (const p of ps) {
      const e = this.makeEntry(this.log.lastIndex() + 1, p.payload, p.clientId, p.seq, p.flags);
      this.hostAppend(e);
      this.nicOp({ op: 'logWrite', index: e.index, frame: e.frame });
      this.rd.frames.push({ to: 'group', frame: e.frame });
    }
    this.setCsr('LAST_INDEX', this.log.lastIndex(), true);
    this.writeMembership();
    if (this.leadTransferee === 0) this.setCsr('FAST_EN', 1);
    this.maybeCommit();
  }

  private lastConfIndex(): number {
    for (let i = this.log.lastIndex(); i > this.log.snapIndex; i--) {
      const k = classify(this.log.entry(i)!).kind;
      if (k === 'add' || k === 'remove') return i;
    }
    return 0;
  }

  private proposeConf(op: 'add' | 'remove', node: NodeId): Refusal | undefined {
    if (this.role !== 'leader') return { refused: 'not-leader', lead: this.lead };
    if (this.pendingConfIndex > this.log.commit) return; // one change at a time
    if (op === 'add' && this.voters.includes(node)) return;
    if (op === 'remove' && !this.voters.includes(node)) return;
    if (this.fl.mode !== 'off') {
      // follower leases out: no more grants; the change goes out once every lease ended and QUORUM
      // is a majority again (a removed node's lease ends before it stops counting)
      if (this.fl.confWaiting === null) this.fl.confWaiting = { op, node };
      this.fl.mode = 'draining';
      this.fl.grants.clear();
      if (this.now >= this.leasesEndNs()) this.leaveLeaseMode();
      return;
    }
    const before = this.pendingConfIndex;
    this.pendingConfIndex = this.log.lastIndex() + 1 + this.proposals.length;
    const r = this.propose({ payload: new Uint8Array([op === 'add' ? EntryTag.ADD : EntryTag.REMOVE, node]), clientId: CTL_CLIENT, seq: 0, flags: 0 });
    if (r) this.pendingConfIndex = before; // not queued
    return r;
  }

  /** Voters = the snapshot's, changed by every configuration entry in the log (effective when appended). */
  private recomputeVoters(): void {
    let v = new Set(this.snapshot ? this.snapshot.voters : this.cfg.voters);
    for (const e of this.log.entries) {
      const c = classify(e);
      if (c.kind === 'add') v.add(c.node);
      else if (c.kind === 'remove') v.delete(c.node);
    }
    const next = [...v].sort((a, b) => a - b);
    if (next.join() === this.voters.join()) return;
    this.voters = next;
    if (this.tracker) this.tracker.setVoters(this.voters, this.log.lastIndex() + 1);
    if (this.role === 'leader') {
      for (const id of this.voters) if (id !== this.id && this.tracker.get(id)!.match === 0) this.sendAppend(id);
    }
  }

  // -------------------------------------------------------------------------------- transfer, reads, compaction

  private transfer(to: NodeId): void {
    if (this.role !== 'leader' || to === this.id || !this.tracker.isVoter(to)) return;
    this.leadTransferee = to;
    this.transferDeadline = this.now + this.cfg.electionTimeoutNs;
    // stop sequencing so the target can catch up; the lease ends now
    this.freezeAndSync({ k: 'transfer', to });
  }

  private afterTransferSync(to: NodeId): void {
    if (this.role !== 'leader' || this.leadTransferee !== to) return;
    const p = this.tracker.get(to)!;
    this.timeoutNowSent = false;
    if (p.match >= this.log.lastIndex()) this.maybeTimeoutNow(to);
    else this.sendAppend(to);
  }

  /** Transfer: the target caught up (by an Append answer or a heartbeat answer): tell it to campaign, once. */
  private maybeTimeoutNow(from: NodeId): void {
    const p = this.tracker.get(from);
    if (this.leadTransferee !== from || !p || p.match < this.log.lastIndex() || this.timeoutNowSent) return;
    // follower leases granted by us must end first: the target is elected at once, past stickiness
    if (this.fl.holders.size > 0 && this.now < this.leasesEndNs()) return;
    this.timeoutNowSent = true;
    this.send(this.msg(MsgType.TimeoutNow, from));
  }

  private abortTransfer(): void {
    this.leadTransferee = 0;
    if (this.role === 'leader' && this.mirror.synced) this.setCsr('FAST_EN', 1);
  }

  /**
   * A linearizable read. Not the leader and no follower read lease: a ReadState with index -1. Too
   * many in flight: refused 'busy'.
   */
  private read(ctx: number, nowNs?: number): Refusal | undefined {
    if (nowNs !== undefined) this.now = Math.max(this.now, nowNs);
    const follower = this.role !== 'leader';
    if (follower && !this.followerLeaseValid()) {
      this.rd.readStates.push({ ctx, index: -1, via: 'quorum' });
      return;
    }
    const limit = this.cfg.maxPendingReads;
    if (this.pendingReads.length + this.mirror.readsInFlight() + this.tickReads.length >= limit) {
      this.refusedReads++;
      return { refused: 'busy', queue: 'reads', limit };
    }
    if (follower) {
      // every entry this NIC acknowledged is at or below its LAST_INDEX: the next progress report
      // reads it (after this read arrived), so no register read of its own
      this.followerReads++;
      this.tickReads.push({ ctx, follower: true });
      return undefined;
    }
    if (this.cfg.readIndexAtTick) {
      this.tickReads.push({ ctx, follower: false });
      return undefined;
    }
    // the NIC may have committed (and replied to clients) beyond what the host has seen
    this.mirror.readCommitFor(this.rd.nic, ctx);
    return undefined;
  }

  /** A read's COMMIT_INDEX answer: under the lease it is answered now, else after a heartbeat round. */
  private afterRead(ctx: number, nicCommit: number): void {
    if (this.role !== 'leader') { this.rd.readStates.push({ ctx, index: -1, via: 'quorum' }); return; }
    const index = Math.max(nicCommit, this.log.commit, this.termStart);
    if (this.now < this.leaseUntil()) {
      this.rd.readStates.push({ ctx, index, via: 'lease' });
      return;
    }
    this.heartbeatDeadline = this.now + this.cfg.heartbeatIntervalNs;
    this.broadcastHeartbeat();
    this.pendingReads.push({ ctx, index, sentNs: this.now }); // the round just sent
  }

  /**
   * The reads that wait for a progress report (read by the driver after they arrived). A follower
   * read's lease was valid when it arrived, so every write acknowledged before then is at or below
   * max(LAST_INDEX, the lease's floor): the driver answers once it applied that far
   * (docs/control-plane.md §6.1 has the argument). A leader's read goes on as after its own
   * COMMIT_INDEX read.
   */
  private answerTickReads(nicLast: number, nicCommit: number): void {
    const rs = this.tickReads;
    if (rs.length === 0) return;
    this.tickReads = [];
    for (const r of rs) {
      if (r.follower) this.rd.readStates.push({ ctx: r.ctx, index: Math.max(nicLast, this.log.lastIndex(), this.flease.floor), via: 'follower' });
      else this.afterRead(r.ctx, nicCommit);
    }
  }

  /** Follower: the read lease of the current leader holds now. */
  followerLeaseValid(): boolean {
    const l = this.flease;
    return this.cfg.followerReads && this.role === 'follower' && l.term === this.term && this.lead !== 0 && l.lead === this.lead &&
      this.reconciledTerm === this.term && this.now < l.until;
  }

  /** Follower: until when (own clock) its read lease lasts; -Infinity when it holds none. */
  followerLeaseUntil(): number {
    return this.followerLeaseValid() ? this.flease.until : -Infinity;
  }

  /** Follower: remember when it answered a heartbeat round (a lease granted for that answer starts then). */
  private noteAnswered(m: Message): void {
    if (!this.cfg.followerReads || m.context === 0) return;
    const l = this.flease;
    if (l.term !== this.term || l.lead !== m.from) {
      this.flease = { term: this.term, lead: m.from, until: -Infinity, floor: 0, answered: new Map() };
    }
    const a = this.flease.answered;
    a.set(m.context, this.now);
    if (a.size > 64) a.delete(a.keys().next().value!);
  }

  /** Follower: a lease in a Heartbeat, for an answer of ours to one of this leader's rounds. */
  private takeLease(m: Message): void {
    const g = m.lease;
    const l = this.flease;
    if (!g || !this.cfg.followerReads || l.term !== this.term || l.lead !== m.from) return;
    const at = l.answered.get(g.round);
    if (at === undefined) return;
    l.until = Math.max(l.until, at + g.ns);
    l.floor = Math.max(l.floor, g.floor);
  }

  /** Leader: the last moment (own clock) any follower lease granted may still hold. */
  private leasesEndNs(): number {
    let t = -Infinity;
    for (const u of this.fl.holders.values()) t = Math.max(t, u);
    return t;
  }

  /** Leader, at a heartbeat answer of `from` for `round`: decide a lease for it (sent with the next heartbeat). */
  private maybeGrant(from: NodeId, round: number): void {
    const fl = this.fl;
    if (fl.mode !== 'on' || this.role !== 'leader') return;
    const p = this.tracker.get(from);
    if (!p || p.state === 'snapshot' || p.heartbeatRejected) return;
    const end = this.leaseUntil();
    if (!(end > this.now)) return;
    const rho = this.cfg.maxClockDrift;
    // the follower's clock may run 1+rho fast against our 1-rho: its lease, counted from its answer
    // (which was before now), must end (real time) before our clock shows `end`
    let ns = ((end - this.now) * (1 - rho)) / (1 + rho);
    const cap = this.cfg.followerLeaseNs > 0 ? this.cfg.followerLeaseNs : this.cfg.electionTimeoutNs;
    ns = Math.floor(Math.min(ns, cap, 0xffffffff));
    if (ns <= 0) return;
    const until = this.now + (ns * (1 + rho)) / (1 - rho);
    fl.holders.set(from, Math.max(fl.holders.get(from) ?? -Infinity, until));
    fl.grants.set(from, { round, ns });
    fl.granted++;
  }

  /** Leader: every follower answers the heartbeats and is reconciled in this term (leases may go out). */
  private followersHealthy(): boolean {
    const others = this.voters.filter((v) => v !== this.id);
    if (others.length === 0) return false;
    const prev = this.hbRounds.get(this.hbRound - 1)?.ns;
    if (prev === undefined) return false;
    for (const v of others) {
      const p = this.tracker.get(v);
      // (the state may be probe: a follower the NICs keep up to date gets no host Appends)
      if (!p || p.state === 'snapshot' || p.heartbeatRejected || p.ackedSendNs < prev) return false;
    }
    return true;
  }

  /** Leader, at each tick: enter, keep, drain or leave follower-lease mode. */
  private leaseModeStep(): void {
    if (!this.cfg.followerReads || this.role !== 'leader') return;
    const fl = this.fl;
    const blocked = this.leadTransferee !== 0 || this.pendingConfIndex > this.log.commit || fl.confWaiting !== null ||
      this.mirror.sync !== null || !this.followersHealthy();
    if (fl.mode === 'off') {
      if (blocked || !(this.now < this.leaseUntil())) return;
      // QUORUM = every voter first; then the floor: the NIC's LAST_INDEX read after that write
      // bounds everything it committed with a majority before
      fl.mode = 'entering';
      fl.quorumAll = true;
      this.writeMembership();
      this.mirror.readLeaseFloor(this.rd.nic);
      return;
    }
    if ((fl.mode === 'on' || fl.mode === 'entering') && blocked) {
      fl.mode = 'draining';
      fl.grants.clear();
    }
    if (fl.mode === 'draining' && this.now >= this.leasesEndNs()) this.leaveLeaseMode();
  }

  private leaveLeaseMode(): void {
    const fl = this.fl;
    fl.mode = 'off';
    fl.quorumAll = false;
    fl.holders.clear();
    fl.grants.clear();
    this.writeMembership();
    const c = fl.confWaiting;
    fl.confWaiting = null;
    if (c) this.proposeConf(c.op, c.node);
  }

  /** The lease floor's LAST_INDEX answer: grants may go out. */
  private afterLeaseFloor(nicLast: number): void {
    const fl = this.fl;
    if (this.role !== 'leader' || fl.mode !== 'entering') return;
    fl.floor = Math.max(nicLast, this.log.lastIndex(), this.termStart, this.mirror.last);
    fl.mode = 'on';
  }

  private checkReads(): void {
    if (this.pendingReads.length === 0 || this.role !== 'leader') return;
    const keep: PendingRead[] = [];
    for (const r of this.pendingReads) {
      // a voter acknowledged a heartbeat sent at or after the read's round (that round or a later one)
      const acked = this.voters.filter((v) => v === this.id || this.tracker.get(v)!.ackedSendNs >= r.sentNs).length;
      if (acked >= quorumSize(this.voters.length)) this.rd.readStates.push({ ctx: r.ctx, index: r.index, via: 'quorum' });
      else keep.push(r);
    }
    this.pendingReads = keep;
  }

  private compact(index: number, data: Uint8Array): void {
    if (index > this.log.applied || index <= this.log.snapIndex) return;
    const term = this.log.term(index)!;
    // the configuration AT `index`, not the latest one: a configuration entry beyond the snapshot
    // (appended, maybe not committed) stays in the log and is applied on top of it; recording it in
    // the snapshot too made it permanent (seed 407012: a leader compacted below its own uncommitted
    // removal, lost its quorum, and then, its log the longest, could neither stand nor be outvoted)
    const snap: Snapshot = { index, term, voters: this.configAt(index), data };
    this.snapshot = snap;
    this.rd.snapshot = snap;
    this.rd.entries = this.rd.entries.filter((e) => e.index > index);
    this.log.compact(index, term);
  }

  // ------------------------------------------------------------------------------------------
  // NIC events

  private stepNic(ev: NicEvent): void {
    switch (ev.type) {
      case 'csr':
        return this.mirror.onCsr(this.host(), ev.reg, ev.value);
      case 'log':
        return this.mirror.onLog(this.host(), ev.index, ev.frame);
      case 'progress':
        return this.onProgress(ev.lastIndex, ev.commitIndex, ev.activity);
      case 'committed':
        return this.onCommitted(ev.frame);
      case 'punt':
        return this.onPunt(ev.reason, ev.frame);
      case 'leaderSilent':
        return this.onLeaderSilent();
      case 'needsRepair': {
        const p = this.tracker.get(ev.node);
        if (this.role !== 'leader' || !p) return;
        // a repair already under way (Appends in flight) answers it: every NACK while the follower
        // catches up raises another event, and restarting the pipeline for each would stall it
        if ((p.state === 'replicate' && p.inflight.length > 0) || (p.state === 'probe' && p.probeSent) || this.appendWaiting.has(ev.node)) return;
        p.becomeProbe();
        p.next = Math.max(p.match + 1, Math.min(p.next, ev.index));
        this.sendAppend(ev.node);
        return;
      }
    }
  }

  /**
   * The NIC saw no frame from the leader for its SILENCE_CYCLES (docs/control-plane.md §4.1). Only
   * a follower that knows a leader acts: it stands for election once it last heard from the leader
   * nicSilenceNs ago or more (at once, or at that moment by the election timer), the followers one
   * after another (below). A report that is
   * wrong (the leader alive, a late report) costs at most a lost pre-vote: the voters' own
   * promises refuse it.
   */
  private onLeaderSilent(): void {
    this.silenceReports++;
    if (this.cfg.nicSilenceNs <= 0 || this.role !== 'follower' || this.lead === 0) return;
    this.silentAt = this.now;
    // Every follower's NIC sees the silence at about the same time: standing all at once would split
    // the votes. The followers go in the order of their ids (the leader's left out), two promises
    // apart: the first one's vote request arrives before the next one stands, and granting a vote
    // puts its own election off (resetElectionTimer).
    const rank = this.voters.filter((v) => v !== this.lead && v < this.id).length;
    const at = Math.max(this.lastLeaderContact + this.cfg.nicSilenceNs, this.now) + rank * 2 * this.cfg.nicSilenceNs;
    if (this.now >= at) {
      this.resetElectionTimer();
      this.startElection(false);
      return;
    }
    this.electionDeadline = Math.min(this.electionDeadline, at);
    // a vote request from the first to stand will need the whole log: freeze and sync it now (the
    // leader is silent, so the fast path has nothing to take; its next Append turns it on again).
    // Not within a promise of taking an armed NIC's leader (armOnVote): the NIC watched that leader
    // from the vote on, before it was elected, so the report may be about that wait; freezing would
    // punt the new leader's APPENDs. If the silence is real, the election timer set above fires.
    if (this.electionVoters().length > 0 && !this.mirror.frozenAndSynced && !(this.now < this.armTakenAt + this.cfg.nicSilenceNs)) {
      this.freezeAndSync({ k: 'ready' });
    }
  }

  private onProgress(last: number, commit: number, activity: number): void {
    if (this.mirror.fastOn) this.mirror.last = Math.max(this.mirror.last, last);
    this.answerTickReads(last, commit);
    if (activity !== this.nicActivity) {
      const first = this.nicActivity < 0;
      this.nicActivity = activity;
      if (!first && this.role === 'follower' && this.mirror.fastOn && this.lead !== 0) {
        this.lastLeaderContact = this.now;
        this.resetElectionTimer();
      }
    }
    void commit;
  }

  private onCommitted(frame: Uint8Array): void {
    let e: Entry;
    try { e = entryFromFrame(frame); } catch { return; }
    if (e.index <= this.log.commit) return;
    if (e.index > this.log.lastIndex() + 1) {
      // the host lags: read the missing entries first, then take this one
      this.fetchTail(e.index - 1, { k: 'committed', frame });
      return;
    }
    if (e.index <= this.log.lastIndex() && this.log.term(e.index) !== e.term) this.hostTruncate(e.index - 1);
    if (e.index === this.log.lastIndex() + 1) this.hostAppend(e);
    this.commitTo(e.index);
  }

  private bufferFrame(e: Entry, repair = false): void {
    if (e.index <= this.log.commit || (!repair && e.term < this.term)) return;
    this.frameBuf.set(e.index, e);
    if (this.frameBuf.size > FRAME_BUFFER_MAX) {
      // keep the frames nearest to our log's end (the next Append names those); a flood of frames
      // far ahead (a leader NIC's go-back-N while we are frozen) must not push them out
      const hi = Math.max(...this.frameBuf.keys());
      this.frameBuf.delete(hi);
    }
  }

  private onPunt(reason: number, frame: Uint8Array): void {
    let h;
    try { h = decodeHeader(frame); } catch { return; }
    const t = h.type;
    const replica = t === WireType.APPEND || t === WireType.HEARTBEAT || t === WireType.ACK || t === WireType.NACK;
    if (!replica) return; // REQ/REPLY/CONTROL are the driver's and the application's business
    if (h.srcNode === this.id) {
      // a frame naming this node as its sender: the switches never return a node's frame to it, so it
      // is a replay of one of its own frames (with frame authentication the only kind whose tag checks)
      // or a forgery. Taken, an old HEARTBEAT of this node's term made a leaderless follower follow
      // itself and answer every client "busy, retry here" (fuzz seed 5379)
      this.selfFrames++;
      return;
    }
    if (t === WireType.APPEND && (h.flags & Flag.RETRANSMIT) !== 0 && h.dstNode === this.id) {
      // a repair frame from the leader (any entry term): keep it for the Append that names it
      if (this.role !== 'leader') this.bufferFrame(entryFromFrame(frame), true);
      return;
    }
    if (h.term > this.term) {
      // Terms move only through authenticated messages. A NIC frame's header is not authenticated
      // (only CONTROL frames carry the cluster's HMAC), so a newer term in it is a hint, never a
      // term to adopt: one forged HEARTBEAT with term 2^32-1 would otherwise depose the leader and,
      // persisted, stop the cluster for good. A real leader of that term reaches this node with its
      // authenticated Append or Heartbeat within a heartbeat interval (docs/control-plane.md §3).
      // An APPEND is kept for the Append that names it (which checks its identity).
      if (t === WireType.APPEND) this.bufferFrame(entryFromFrame(frame));
      this.newerTermFrames++;
      return;
    }
    if (h.term < this.term) {
      if ((t === WireType.APPEND || t === WireType.HEARTBEAT) && h.srcNode !== this.id) {
        this.send(this.msg(MsgType.AppendResp, h.srcNode, { index: this.log.lastIndex() }));
      }
      return;
    }
    // same term
    if (this.role === 'leader') {
      if (t === WireType.ACK) {
        const p = this.tracker.get(h.srcNode);
        if (p && p.maybeUpdate(Math.min(h.logIndex, Math.max(this.log.lastIndex(), this.mirror.last)))) {
          p.recentActive = true;
          this.writeMatch(h.srcNode);
          this.maybeCommit();
        }
      } else if (t === WireType.NACK) {
        const p = this.tracker.get(h.srcNode);
        if (!p) return;
        p.recentActive = true;
        p.becomeProbe();
        p.next = Math.max(p.match + 1, h.logIndex);
        this.sendAppend(h.srcNode);
      }
      return;
    }
    if (t === WireType.APPEND) this.bufferFrame(entryFromFrame(frame));
    if (t === WireType.APPEND || t === WireType.HEARTBEAT) {
      if (this.lead === 0 && this.role === 'follower') this.lead = h.srcNode;
      if (h.srcNode === this.lead) {
        this.lastLeaderContact = this.now;
        if (this.role === 'follower') this.resetElectionTimer();
        if (reason === HostReason.GAP || (t === WireType.APPEND && !this.mirror.fastOn && h.logIndex > this.log.lastIndex() + 1)) {
          this.askRepair(h.logIndex);
        }
        if (!this.mirror.fastOn && this.mirror.synced) this.enableFollower();
      }
    }
  }

  /** A follower that missed APPENDs asks the leader for them (at most once per heartbeat interval). */
  private askRepair(seen: number): void {
    if (this.role !== 'follower' || this.lead === 0) return;
    if (this.now < this.lastRepairAsk + this.cfg.heartbeatIntervalNs) return;
    this.lastRepairAsk = this.now;
    const have = this.mirror.fastOn ? Math.max(this.mirror.last, this.log.lastIndex()) : this.log.lastIndex();
    this.send(this.msg(MsgType.AppendResp, this.lead, { index: seen, reject: true, hint: have, logTerm: this.log.term(Math.min(have, this.log.lastIndex())) ?? 0 }));
  }
}
