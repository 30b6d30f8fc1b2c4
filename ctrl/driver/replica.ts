// One replica's host software: the control core (ctrl/core), its storage, the control-message
// codec and the KV application, driving one NIC only through the `Nic` interface (registers,
// log port, host queues), as a driver next to a real card would. Time comes from the caller
// (`tick(nowNs)`), so the same class runs in the deterministic co-simulation (sim/raft-host.ts)
// and under a real-time driver.
//
// What it does with the NIC's host RX queue:
//   COMMITTED        -> the core (the host learns commits), then the KV store applies in order
//   CONTROL          -> authenticated and decoded (ctrl/wire/codec.ts); bad ones are counted, dropped
//   REQ, not leader  -> a REPLY NOT_LEADER with the leader hint (the client redirects)
//   REQ, leader      -> a REPLY NOT_LEADER naming this node: "busy, retry here" (the NIC punted it
//                       while the fast path was frozen; it was not sequenced, so it did not execute).
//                       Not a host-path proposal: at line rate every freeze punts more requests, and
//                       proposing them costs another freeze, a loop that keeps the fast path off.
//   APPEND/HEARTBEAT/ACK/NACK, NEEDS_REPAIR -> the core (punts: gaps, newer terms, repair)
// and it performs the core's Ready batches in the order the core requires (docs/control-plane.md).

import { Core } from '../core/raft.js';
import { MsgType, type Config, type CsrName, type Entry, type Message, type NicEvent, type NodeId, type Ready, type Refusal } from '../core/types.js';
import type { PersistBatch, Storage } from '../core/storage.js';
import { entryIdentity } from '../core/entry.js';
import { crc32 } from '../core/crc32.js';
import { ControlCodec } from '../wire/codec.js';
import { KvStore, Op, replyFrame, Status, decodeCommand, type Applied } from '../app/kv.js';
import type { HostFrame, Nic } from '../nic/nic.js';
import { configSlots, contextOf, deriveKey, keyWrites, sameBytes, type FrameAuthConfig, type SlotSecrets } from '../nic/auth-keys.js';
import { COUNTER_BASE, COUNTERS, Csr, decodeHeader, Flag, framePayload, HostReason, MsgType as W } from '../wire/wire.gen.js';

/** Fast-path settings the host writes once at start (register map, `raft` block). */
export interface NicTuning {
  ackCount: number;
  ackDelayCycles: number;
  hbIntervalCycles: number;
  hbCommitDelayCycles: number;
  /** load-adaptive ACKs (RAFT_ACK_GAP: an ACK as soon as an entry is unacknowledged and none left in
   *  the last ackGapCycles cycles); 0 or absent: off (not written) */
  ackGapCycles?: number;
  /** the NIC's retransmit timeout (RAFT_RTO); absent: left as it is (the reset value, or what the daemon wrote) */
  rtoCycles?: number;
  /** NIC failure detection (RAFT_SILENCE_CYCLES: a LEADER_SILENT event after this many cycles without a
   *  frame of the leader; 0 or absent: off). The core acts on it with Config.nicSilenceNs. */
  silenceCycles?: number;
}
export const DEFAULT_TUNING: NicTuning = { ackCount: 1, ackDelayCycles: 16, hbIntervalCycles: 1000, hbCommitDelayCycles: 32 };

export interface ReplicaOptions {
  config: Config;
  nic: Nic;
  storage: Storage;
  /** per-cluster HMAC key for control messages */
  key: Uint8Array;
  /**
   * Frame authentication (issue 16; docs/auth.md): the secrets the node key and the client key are
   * derived from (clients hold only the client secret), the key slot in use. The NIC is given the keys,
   * a packet number above any this node used before (its cycle counter: at most one frame a cycle),
   * and AUTH_EN=1. Mid-roll, the next slot's secrets too (Replica.applyFrameAuth).
   */
  frameAuth?: FrameAuthConfig;
  tuning?: Partial<NicTuning>;
  /** Which clients get a REPLY from this host when it applies their entry as leader (default: all).
   *  Writes flagged NIC_REPLY were answered by the leader NIC already and never get one. */
  hostReplies?: (clientId: number) => boolean;
  log?: (line: string) => void;
  /** keep (term, crc) of every applied entry, for cross-replica log comparison (default true) */
  keepAppliedLog?: boolean;
  /** Reply only once a quorum of replicas' storage holds the entry (core.durableIndex()), so an
   *  acknowledged write survives the crash of every replica at once. Off: reply at commit. */
  durableReplies?: boolean;
  /** Dispatch a whole batch of host RX frames to the core, then perform its Ready once (one
   *  persist per batch instead of one per frame: the real-time daemon's fsync cost). Off: a Ready per frame. */
  batchHostFrames?: boolean;
  /** Drops control messages in (after authentication and decoding, before the core) or out (before
   *  encoding) when it returns false; counted in stats.controlFiltered (the daemon's rejoin gate). */
  filterMessage?: (m: Message, dir: 'in' | 'out') => boolean;
  /**
   * Move the core's clock to `clock()` before each batch of host frames. A real-time driver must:
   * frames read after the process was paused (a stalled disk, stolen CPU) are then handled at the
   * time they were read, so the leader contact they prove (vote refusal, leases, the election timer)
   * counts from then and not from the tick before the pause, which would end those promises early
   * in real time (docs/control-plane.md §6) and start an election on the first tick after the pause.
   * Off (simulations, whose hosts are never paused): time moves only with ticks.
   */
  stampMessages?: boolean;
  /**
   * Answer clients' `get` requests that reach this replica as a follower (its NIC punts every
   * REQ) with a linearizable read under the follower's read lease (core config followerReads);
   * without a lease it answers NOT_LEADER as before and the client asks the leader. The reply
   * names the leader (`Reply.leader`), so the client knows a replica answered (docs/control-plane.md §6).
   */
  serveReads?: boolean;
  /** The driver's clock now (ns), for reads that arrive between ticks: a follower checks its read
   *  lease against it. Absent: the time of the last tick (the lease then looks longer by a tick). */
  clock?: () => number;
}

export interface ReplicaStats {
  controlRx: number;
  controlDropped: number;
  committedRx: number;
  punts: Record<string, number>;
  hostProposals: number;
  redirects: number;
  busyReplies: number;
  replies: number;
  applied: number;
  progressReads: number;
  readys: number;
  nicOps: number;
  logReads: number;
  logWrites: number;
  framesSent: number;
  messagesSent: number;
  /** NIC cycles the host spent waiting for register and log-port reads (progress reads included) */
  readWaitCycles: number;
  csrReads: number;
  /** control messages dropped as copies (the same message through another plane) */
  controlCopies: number;
  /** control messages dropped by the driver's filter (filterMessage), in and out */
  controlFiltered: number;
  /** client operations refused because a bounded queue was full (the core's or this driver's): answered busy */
  busyRefusals: number;
  /** client `get`s answered as leader from the log (sequenced as entries and applied), not by a local read */
  logGets: number;
}

/** What readLocal hands back. `via: 'refused'`: not answered here (not the leader; `busy`: too many reads in flight). */
export interface LocalRead {
  value: Uint8Array | undefined;
  via: 'lease' | 'quorum' | 'follower' | 'refused';
  index: number;
  /** refused because the reads in flight reached maxPendingReads: retry later, here */
  busy?: boolean;
}

const REASON_NAMES: Record<number, string> = Object.fromEntries(Object.entries(HostReason).map(([k, v]) => [v, k]));
const CSR_ADDR = (reg: CsrName): number => (Csr as Record<string, number>)[`RAFT_${reg}`]!;
const CTR = (name: string): number => COUNTER_BASE + 8 * (COUNTERS as readonly string[]).indexOf(name);

export class Replica {
  readonly core: Core;
  readonly kv = new KvStore();
  readonly codec: ControlCodec;
  readonly id: NodeId;
  readonly stats: ReplicaStats = {
    controlRx: 0, controlDropped: 0, committedRx: 0, punts: {}, hostProposals: 0, redirects: 0, busyReplies: 0, replies: 0, applied: 0,
    progressReads: 0, readys: 0, nicOps: 0, logReads: 0, logWrites: 0, framesSent: 0, messagesSent: 0,
    readWaitCycles: 0, csrReads: 0, controlCopies: 0, controlFiltered: 0, busyRefusals: 0, logGets: 0,
  };
  private recentTags = new Map<string, number>();
  private readCtx = 0;
  private reads = new Map<number, { key: string; done: Parameters<Replica['readLocal']>[1]; index: number; via: 'lease' | 'quorum' | 'follower' }>();
  /** client `get`s answered here as a follower (serveReads), and refused for want of a read lease */
  readonly followerReads = { served: 0, refused: 0 };
  /** index -> NIC cycle of its COMMITTED host frame, until applied */
  private committedAt = new Map<number, number>();
  /** term and CRC-32 of the entry identity of every applied index (1-based; [0] unused) */
  readonly appliedTerms: number[] = [0];
  readonly appliedCrcs: number[] = [0];
  /** replies the application produced, per applied index (for tests that check client outcomes) */
  onApplied?: (a: Applied, e: Entry) => void;
  /** every committed entry, as it is applied (in index order); nicCycle: when the NIC delivered it
   *  committed (undefined for entries the host applied from elsewhere, e.g. a repair or its storage) */
  onEntryApplied?: (e: Entry, nicCycle?: number) => void;
  /** the role changed (driver hook: e.g. tell the clients who leads) */
  onRoleChange?: (role: string, term: number) => void;
  private nowNs = 0;
  private readonly nic: Nic;
  private readonly storage: Storage;
  private readonly clusterId: number;
  private readonly hostReplies: (clientId: number) => boolean;
  private readonly keepApplied: boolean;
  private lastRole = '';
  /** durableReplies: replies waiting for their index to become durable on a quorum */
  private held: Array<{ index: number; frame: Uint8Array }> = [];
  private processing = false;
  private closed = false;
  /** group commit (a storage with saveGrouped): the last entry index written, and the last one a
   *  completed fdatasync covers; the durable commit a follower reports never exceeds the latter */
  private writtenIndex = 0;
  private syncedIndex = 0;

  constructor(private readonly o: ReplicaOptions) {
    this.nic = o.nic;
    this.storage = o.storage;
    this.id = o.config.id;
    this.clusterId = o.config.clusterId;
    // transmission numbers from the NIC cycle at start: a node restarted within the receivers' copy
    // window (simulated crashes last microseconds) does not reuse its previous incarnation's numbers
    this.codec = new ControlCodec(o.key, o.config.clusterId, o.nic.cycle);
    this.hostReplies = o.hostReplies ?? (() => true);
    this.keepApplied = o.keepAppliedLog ?? true;
    const t = { ...DEFAULT_TUNING, ...(o.tuning ?? {}) };
    // the fast path's static settings (the core never touches them)
    this.nic.writeCsr(Csr.RAFT_ACK_COUNT, t.ackCount);
    this.nic.writeCsr(Csr.RAFT_ACK_DELAY, t.ackDelayCycles);
    // (0 or absent: not written, the reset value 0 stays: no extra host command)
    if (t.ackGapCycles) this.nic.writeCsr(Csr.RAFT_ACK_GAP, t.ackGapCycles);
    this.nic.writeCsr(Csr.RAFT_HB_INTERVAL, t.hbIntervalCycles);
    this.nic.writeCsr(Csr.RAFT_HB_COMMIT_DELAY, t.hbCommitDelayCycles);
    if (t.rtoCycles !== undefined) this.nic.writeCsr(Csr.RAFT_RTO, t.rtoCycles);
    if (t.silenceCycles !== undefined) this.nic.writeCsr(Csr.RAFT_SILENCE_CYCLES, t.silenceCycles);
    if (o.frameAuth) this.installFrameAuth(o.frameAuth);
    const state = this.storage.load();
    this.core = new Core(o.config, state);
    this.writtenIndex = this.syncedIndex = this.core.status().lastIndex;
    this.process();
  }

  /** Keys, packet number and AUTH_EN (docs/auth.md): written before the NIC sends or takes anything. */
  private installFrameAuth(fa: FrameAuthConfig): void {
    this.applyFrameAuth(fa);
    const pn = this.nic.cycle + 1;
    this.nic.writeCsr(Csr.RAFT_AUTH_TX_PN_LO, pn >>> 0);
    this.nic.writeCsr(Csr.RAFT_AUTH_TX_PN_HI, Math.floor(pn / 4294967296) & 0xffff);
    this.nic.writeCsr(Csr.RAFT_AUTH_EN, 1);
  }

  /** the secrets of the key slots installed in the NIC (slot -> secrets) */
  private readonly authSlots = new Map<number, SlotSecrets>();
  /** AUTH_KEY_VALID as last written */
  private authValid = 0;

  /**
   * Brings the NIC's keys to a frame authentication configuration, while it runs (a key roll, docs/auth.md
   * "Rolling a key"): keys of a slot whose secrets changed are written before the slot is marked valid,
   * then AUTH_KEY_VALID holds exactly the configured slots and AUTH_TX_KID the slot to sign with.
   * The packet number runs on (nonces never repeat under either key).
   */
  applyFrameAuth(fa: FrameAuthConfig): void {
    const { slots, txSlot } = configSlots(fa);
    let valid = 0;
    let maxBeats = 0;
    for (const s of slots) {
      const had = this.authSlots.get(s.slot);
      if (!had || !sameBytes(had.nodeSecret, s.nodeSecret) || !sameBytes(had.clientSecret, s.clientSecret)) {
        if (maxBeats === 0) {
          const [params1] = this.nic.readCsrs([Csr.IDENT_PARAMS1]);
          maxBeats = Math.ceil((60 + (params1! & 0xffff)) / 64);
        }
        // an installed slot being rewritten is invalid while its words change
        if (had) this.nic.writeCsr(Csr.RAFT_AUTH_KEY_VALID, this.authValid & ~slotBits(s.slot));
        for (const cls of ['node', 'client'] as const) {
          const km = deriveKey(cls === 'node' ? s.nodeSecret : s.clientSecret, cls, s.slot, maxBeats);
          for (const [a, v] of keyWrites(contextOf(cls, s.slot), km, maxBeats)) this.nic.writeCsr(a, v);
        }
        this.authSlots.set(s.slot, { nodeSecret: s.nodeSecret, clientSecret: s.clientSecret });
      }
      valid |= slotBits(s.slot);
    }
    for (const slot of [...this.authSlots.keys()]) if (!(valid & slotBits(slot))) this.authSlots.delete(slot);
    this.authValid = valid;
    this.nic.writeCsr(Csr.RAFT_AUTH_KEY_VALID, valid);
    this.nic.writeCsr(Csr.RAFT_AUTH_TX_KID, txSlot & 1);
  }

  private log(s: string): void {
    this.o.log?.(`n${this.id}: ${s}`);
  }

  /** The driver's clock: read the NIC's progress, then let the core's timers fire. */
  tick(nowNs: number): void {
    if (this.closed) return;
    this.nowNs = Math.max(this.nowNs, nowNs);
    const c0 = this.nic.cycle;
    const [last, commit, hbLo, apLo] = this.nic.readCsrs([Csr.RAFT_LAST_INDEX, Csr.RAFT_COMMIT_INDEX, CTR('HEARTBEAT_RX'), CTR('APPEND_ACCEPTED')]);
    this.stats.readWaitCycles += this.nic.cycle - c0;
    this.stats.progressReads++;
    this.core.step({ kind: 'nic', ev: { type: 'progress', lastIndex: last!, commitIndex: commit!, activity: (hbLo! + apLo!) >>> 0 } });
    this.core.step({ kind: 'tick', nowNs: this.nowNs });
    this.process();
  }

  /** Frames from the NIC's host RX queue, in order. */
  onHostFrames(frames: readonly HostFrame[]): void {
    if (this.closed) return;
    if (this.o.stampMessages && this.o.clock) this.core.step({ kind: 'clock', nowNs: this.o.clock() });
    for (const f of frames) {
      this.dispatch(f);
      if (!this.o.batchHostFrames) this.process();
    }
    if (this.o.batchHostFrames) this.process();
  }

  /**
   * An operator or test request to the core (campaign, transfer, confChange, read, compact,
   * propose). Returns the core's Refusal when it did not take it (a full queue: 'busy'; or
   * 'not-leader'), for the caller to answer busy or redirect.
   */
  request(ev: Parameters<Core['step']>[0]): Refusal | undefined {
    if (this.closed) return { refused: 'not-leader', lead: 0 };
    if (ev.kind === 'propose') this.stats.hostProposals++;
    const r = this.core.step(ev);
    if (r?.refused === 'busy') this.stats.busyRefusals++;
    this.process();
    return r;
  }

  /**
   * A linearizable read of `key` without the log: under the leader's lease it is answered at once
   * (`via: 'lease'`), otherwise after a heartbeat round a quorum acknowledged (`via: 'quorum'`,
   * ReadIndex); either way once this replica applied up to the read index. Not the leader: `via:
   * 'refused'` (the caller asks the leader). Too many reads in flight (the core's maxPendingReads,
   * which also bounds the reads waiting here to be applied): `via: 'refused', busy: true` at once.
   */
  readLocal(key: string, done: (r: LocalRead) => void): void {
    if (this.closed) { done({ value: undefined, via: 'refused', index: -1 }); return; }
    if (this.reads.size >= this.core.cfg.maxPendingReads) {
      this.stats.busyRefusals++;
      done({ value: undefined, via: 'refused', index: -1, busy: true });
      return;
    }
    const ctx = ++this.readCtx;
    this.reads.set(ctx, { key, done, index: -2, via: 'quorum' });
    const nowNs = this.o.clock ? Math.max(this.nowNs, this.o.clock()) : undefined;
    const r = this.core.step(nowNs === undefined ? { kind: 'read', ctx } : { kind: 'read', ctx, nowNs });
    if (r) {
      this.reads.delete(ctx);
      if (r.refused === 'busy') this.stats.busyRefusals++;
      done({ value: undefined, via: 'refused', index: -1, busy: r.refused === 'busy' });
    }
    this.process();
  }

  private answerReads(): void {
    const durable = this.o.durableReplies ? this.core.durableIndex() : 0; // once per pass, not per read
    for (const [ctx, r] of this.reads) {
      if (r.index === -2) continue;
      if (r.index === -1) { this.reads.delete(ctx); r.done({ value: undefined, via: 'refused', index: -1 }); continue; }
      if (this.kv.appliedIndex < r.index) continue;
      // durable replies: a read returns nothing a crash of every replica could still take back:
      // the last write of its key (applied, hence at most the applied index) must be durable on a quorum
      if (this.o.durableReplies && durable < this.kv.lastWriteIndex(r.key)) continue;
      this.reads.delete(ctx);
      r.done({ value: this.kv.get(r.key), via: r.via, index: r.index });
    }
  }

  /** A grouped batch became durable (its fdatasync completed). */
  private onDurable(upTo: { index: number; term: number }): void {
    if (this.closed) return;
    this.syncedIndex = Math.max(this.syncedIndex, Math.min(upTo.index, this.writtenIndex));
    this.core.step({ kind: 'persisted', ...upTo });
    this.core.reportDurable(this.syncedIndex); // a follower tells the leader now, not at the next heartbeat
    this.process();
  }

  /** Reads waiting at a replica that is no longer the leader: refused (the caller asks again). */
  private refuseReads(): void {
    const rs = [...this.reads.values()];
    this.reads.clear();
    for (const r of rs) r.done({ value: undefined, via: 'refused', index: -1 });
  }

  /** Reads waiting for their read index (or its durability). */
  get pendingReads(): number {
    return this.reads.size;
  }

  /** The host process stops (crash): nothing more is done; the storage keeps what was durable. */
  close(): void {
    this.closed = true;
  }

  private dispatch(f: HostFrame): void {
    const reason = f.reason;
    if (reason === HostReason.COMMITTED) {
      this.stats.committedRx++;
      this.committedAt.set(decodeHeader(f.frame).logIndex, f.cycle);
      if (this.committedAt.size > 4096) this.committedAt.delete(this.committedAt.keys().next().value!);
      this.core.step({ kind: 'nic', ev: { type: 'committed', frame: f.frame } });
      return;
    }
    const rname = REASON_NAMES[reason] ?? `R${reason}`;
    this.stats.punts[rname] = (this.stats.punts[rname] ?? 0) + 1;
    let h;
    try { h = decodeHeader(f.frame); } catch { return; }
    if (h.type === W.CONTROL) {
      const m = this.codec.decode(f.frame);
      if (!m || m.to !== this.id) { this.stats.controlDropped++; return; }
      // the same transmission arrives once per plane: take the first copy (the HMAC tag identifies
      // it; it covers the header seq, which numbers the sender's transmissions, so a message sent
      // again with the same content is a new transmission, not a copy)
      const tag = tagKey(f.frame, h.payloadLen);
      const seen = this.recentTags.get(tag);
      if (seen !== undefined && f.cycle - seen < COPY_WINDOW_CYCLES) { this.stats.controlCopies++; return; }
      this.recentTags.set(tag, f.cycle);
      if (this.recentTags.size > 1024) this.recentTags.delete(this.recentTags.keys().next().value!);
      this.stats.controlRx++;
      if (this.o.filterMessage && !this.o.filterMessage(m, 'in')) { this.stats.controlFiltered++; return; }
      this.core.step({ kind: 'message', msg: m });
      return;
    }
    if (reason === HostReason.NEEDS_REPAIR) {
      this.core.step({ kind: 'nic', ev: { type: 'needsRepair', node: h.srcNode, index: h.logIndex } });
      return;
    }
    if (reason === HostReason.LEADER_SILENT) {
      this.core.step({ kind: 'nic', ev: { type: 'leaderSilent' } });
      return;
    }
    if (h.type === W.REQ) {
      if (h.clusterId !== this.clusterId || h.clientId === 0) return;
      if (this.o.serveReads && this.core.role !== 'leader' && this.followerGet(h.clientId, h.seq, f.frame)) return;
      if (this.core.role === 'leader') this.stats.busyReplies++;
      else this.stats.redirects++;
      if (!this.hostReplies(h.clientId)) return;
      this.sendFrames([replyFrame(this.clusterId, this.id, h.clientId, h.seq, 0, this.core.term, { status: Status.NOT_LEADER, leader: this.core.role === 'leader' ? this.id : this.core.lead })]);
      return;
    }
    if (h.type === W.REPLY) return;
    this.core.step({ kind: 'nic', ev: { type: 'punt', reason, frame: f.frame } });
  }

  /** A client's `get` at this follower: answered under the read lease, or NOT_LEADER. False: not a get. */
  private followerGet(clientId: number, seq: number, frame: Uint8Array): boolean {
    let key: string;
    try {
      const c = decodeCommand(framePayload(frame));
      if (c.op !== 'get') return false;
      key = c.key;
    } catch {
      return false;
    }
    if (!this.hostReplies(clientId)) return true;
    this.readLocal(key, (r) => {
      const core = this.core;
      if (r.via === 'refused') {
        this.followerReads.refused++;
        this.sendFrames([replyFrame(this.clusterId, this.id, clientId, seq, 0, core.term, { status: Status.NOT_LEADER, leader: core.role === 'leader' ? this.id : core.lead })]);
        return;
      }
      this.followerReads.served++;
      // leader = who leads (not us): the client learns a replica answered, and whom to ask for writes
      const lead = core.lead !== this.id ? core.lead : 0;
      const reply = r.value ? { status: Status.OK, value: r.value, leader: lead } : { status: Status.NOT_FOUND, leader: lead };
      this.sendFrames([replyFrame(this.clusterId, this.id, clientId, seq, Math.max(0, r.index), core.term, reply)]);
    });
    return true;
  }

  private sendFrames(frames: Uint8Array[]): void {
    if (frames.length === 0) return;
    this.stats.framesSent += frames.length;
    this.nic.sendHost(frames);
  }

  /** Performs every pending Ready of the core (persist, NIC ops, send, apply, persisted). */
  process(): void {
    if (this.processing || this.closed) return;
    this.processing = true;
    try {
      for (let guard = 0; this.core.hasReady(); guard++) {
        if (guard > 100_000) throw new Error(`replica ${this.id}: the core never quiesces`);
        this.perform(this.core.ready());
      }
      if (this.held.length || this.reads.size) this.perform(Core.emptyReady()); // the durable index moves with heartbeat answers
      const role = this.core.role;
      if (role !== this.lastRole) {
        const was = this.lastRole;
        this.lastRole = role;
        // a deposed leader's reads go elsewhere; a follower's reads under its lease keep their read index
        if (was === 'leader') this.refuseReads();
        this.log(`${role} term=${this.core.term}`);
        this.onRoleChange?.(role, this.core.term);
      }
    } finally {
      this.processing = false;
    }
  }

  private perform(rd: Ready): void {
    this.stats.readys++;
    // 1. persist (durable before anything below acts on it). Group commit: a batch of entries whose
    //    Ready sends nothing that vouches for their durability (no vote, no AppendResp) is written now
    //    and made durable by the storage's next fdatasync, off the event loop; `persisted` is stepped
    //    when it completes. What vouches for it meanwhile is held back: the leader counts itself only
    //    for stable entries (core), a follower's HeartbeatResp reports at most the synced index (below).
    let deferred = false;
    if (rd.hardState || rd.entries.length || rd.snapshot || rd.truncateAfter !== undefined) {
      const batch: PersistBatch = { hardState: rd.hardState, entries: rd.entries, truncateAfter: rd.truncateAfter, snapshot: rd.snapshot };
      const grouped = (this.storage as Storage & { saveGrouped?: (b: PersistBatch, cb: () => void) => boolean }).saveGrouped;
      const upTo = rd.persistUpTo;
      const vouches = rd.messages.some((m) => m.type === MsgType.AppendResp || m.type === MsgType.VoteResp || m.type === MsgType.PreVoteResp);
      // (a batch without entries, e.g. only the commit index moved, is grouped too: nothing waits for it)
      if (grouped && !vouches && grouped.call(this.storage, batch, () => { if (upTo) this.onDurable(upTo); })) {
        deferred = true;
        if (upTo) this.writtenIndex = upTo.index;
      } else {
        this.storage.save(batch);
        if (rd.truncateAfter !== undefined) this.writtenIndex = Math.min(this.writtenIndex, rd.truncateAfter);
        if (rd.snapshot) this.writtenIndex = Math.max(this.writtenIndex, rd.snapshot.index);
        if (upTo) this.writtenIndex = upTo.index;
        this.syncedIndex = this.writtenIndex; // a synchronous save syncs everything written before it too
      }
    }
    // 2. NIC operations in order; reads are answered after the batch, in order
    const answers: NicEvent[] = [];
    const ops = rd.nic;
    for (let k = 0; k < ops.length; k++) {
      const op = ops[k]!;
      this.stats.nicOps++;
      switch (op.op) {
        case 'csrWrite':
          this.nic.writeCsr(CSR_ADDR(op.reg), op.value >>> 0);
          break;
        case 'csrRead': {
          // consecutive reads go out pipelined
          const regs: CsrName[] = [op.reg];
          while (k + 1 < ops.length && ops[k + 1]!.op === 'csrRead') regs.push((ops[++k] as { reg: CsrName }).reg);
          const c0 = this.nic.cycle;
          const v = this.nic.readCsrs(regs.map(CSR_ADDR));
          this.stats.readWaitCycles += this.nic.cycle - c0;
          this.stats.csrReads += regs.length;
          regs.forEach((reg, i) => answers.push({ type: 'csr', reg, value: v[i]! }));
          break;
        }
        case 'logWrite':
          this.stats.logWrites++;
          this.nic.logWrite(op.index, op.frame);
          break;
        case 'logRead': {
          const idx: number[] = [op.index];
          while (k + 1 < ops.length && ops[k + 1]!.op === 'logRead') idx.push((ops[++k] as { index: number }).index);
          this.stats.logReads += idx.length;
          const many = (this.nic as Nic & { logReadMany?: (i: readonly number[]) => Uint8Array[] }).logReadMany;
          const c0 = this.nic.cycle;
          const frames = many ? many.call(this.nic, idx) : idx.map((i) => this.nic.logRead(i));
          this.stats.readWaitCycles += this.nic.cycle - c0;
          idx.forEach((index, i) => {
            const fr = frames[i]!;
            answers.push({ type: 'log', index, frame: fr.length > 0 ? fr : null });
          });
          break;
        }
      }
    }
    // 3. send
    const out: Uint8Array[] = rd.frames.map((f) => f.frame);
    for (let m of rd.messages) {
      if (this.o.filterMessage && !this.o.filterMessage(m, 'out')) { this.stats.controlFiltered++; continue; }
      if (m.type === MsgType.HeartbeatResp && m.commit > this.syncedIndex) m = { ...m, commit: this.syncedIndex };
      try {
        out.push(this.codec.encode(m));
        this.stats.messagesSent++;
      } catch (e) {
        this.log(`cannot encode ${m.type}: ${(e as Error).message}`);
      }
    }
    this.sendFrames(out);
    // 4. apply
    if (rd.snapshotToApply) {
      this.kv.restore(rd.snapshotToApply.data);
      const idx = rd.snapshotToApply.index;
      while (this.appliedTerms.length <= idx) { this.appliedTerms.push(-1); this.appliedCrcs.push(-1); }
    }
    const replies: Uint8Array[] = [];
    for (const e of rd.committed) {
      const a = this.kv.apply(e);
      this.stats.applied++;
      if (this.onEntryApplied) {
        const at = this.committedAt.get(e.index);
        this.committedAt.delete(e.index);
        this.onEntryApplied(e, at);
      }
      if (this.keepApplied) {
        if (e.index === this.appliedTerms.length) {
          this.appliedTerms.push(e.term);
          this.appliedCrcs.push(crc32(entryIdentity(e.frame)));
        } else if (e.index < this.appliedTerms.length && this.appliedTerms[e.index] === -1) {
          this.appliedTerms[e.index] = e.term;
          this.appliedCrcs[e.index] = crc32(entryIdentity(e.frame));
        }
      }
      if (!a) continue;
      this.onApplied?.(a, e);
      if (this.core.role !== 'leader') continue;
      const h = decodeHeader(e.frame);
      if ((h.flags & Flag.NIC_REPLY) !== 0 && !a.duplicate && isWrite(e)) continue; // the NIC replied at commit
      if ((h.flags & Flag.FOLLOWER_REPLY) !== 0 && !a.duplicate && isWrite(e)) continue; // a follower NIC replied at its commit
      if (!this.hostReplies(a.clientId)) continue;
      if (!a.duplicate && isGet(e)) this.stats.logGets++;
      const fr = replyFrame(this.clusterId, this.id, a.clientId, a.seq, e.index, e.term, a.reply);
      if (this.o.durableReplies) this.held.push({ index: e.index, frame: fr });
      else replies.push(fr);
    }
    if (this.held.length) {
      if (this.core.role !== 'leader') this.held = []; // the clients retry; their sessions answer again
      else {
        const d = this.core.durableIndex();
        let k = 0;
        while (k < this.held.length && this.held[k]!.index <= d) replies.push(this.held[k++]!.frame);
        if (k) this.held.splice(0, k);
      }
    }
    this.stats.replies += replies.length;
    this.sendFrames(replies);
    for (const rs of rd.readStates) {
      const r = this.reads.get(rs.ctx);
      if (r) { r.index = rs.index; r.via = rs.via; }
    }
    if (this.reads.size) this.answerReads();
    // 5. durable
    if (rd.persistUpTo && !deferred) this.core.step({ kind: 'persisted', ...rd.persistUpTo });
    for (const ev of answers) this.core.step({ kind: 'nic', ev });
  }
}

/** Copies of one control message through different planes arrive within this many cycles. */
const COPY_WINDOW_CYCLES = 25_000;

function tagKey(frame: Uint8Array, payloadLen: number): string {
  const end = 44 + payloadLen;
  return Buffer.from(frame.subarray(end - 16, end)).toString('latin1');
}

/** A KV get (its first payload byte; the store already decoded and applied it). */
function isGet(e: Entry): boolean {
  const p = framePayload(e.frame);
  return p.length > 0 && p[0] === Op.GET;
}

function isWrite(e: Entry): boolean {
  try {
    const c = decodeCommand(framePayload(e.frame));
    return c.op === 'put' || c.op === 'delete';
  } catch {
    return true; // not a KV command: whoever asked for a NIC reply got it
  }
}

/** AUTH_KEY_VALID bits of a key slot: its node and its client context */
const slotBits = (slot: number): number => (1 << contextOf('node', slot)) | (1 << contextOf('client', slot));
