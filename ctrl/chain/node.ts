// A chain node's host procedure (docs/replication-modes.md, "Reconfiguration"): it answers the chain
// master's commands (ctrl/chain/master.ts) on its NIC, keeps the entries its NIC delivered as
// committed (its persistent log: a restarted node rejoins from it), and serves catch-up.
//
//   FREEZE(e, truncate)  FAST_EN=0; STATUS until FROZEN (nothing but the host moves LAST_INDEX then);
//                        read LAST_INDEX and COMMIT_INDEX; a joiner cuts LAST_INDEX back to its commit
//                        index; answer FROZEN(last, commit, incarnation).
//   CATCHUP(e, to, ..)   (the new head) reads the entries from its persisted log (those it applied) and
//                        its NIC's log port (the rest) and sends them to `to`'s host.
//   ENTRIES(e, ..)       writes them into the NIC's log through the log port (the fast path is off),
//                        moves LAST_INDEX; entries at or below the head's commit index go straight to
//                        the persisted log (they are committed: a long catch-up never overruns the
//                        NIC's log window); answer CAUGHT(last).
//   LEASE(e, from, len)  (read leases) reads without the log until from + len on this host's clock, while
//                        installed in e; dropped at a FREEZE or a crash (readFloor()).
//   INSTALL(e, order)    TERM = e, its place in the order (ROLE, LEADER_ID, CHAIN, MEMBERS, QUORUM,
//                        REPLY_MASK: the tail answers the clients), a head's TERM_START and its
//                        successor's MATCH_INDEX, COMMIT_INDEX = the common last index (every member
//                        holds it; the NIC delivers the entries, and the tail answers their clients),
//                        then FAST_EN=1; answer INSTALLED.
//
// A command of an epoch below the highest the node has seen is ignored (and counted); so is a catch-up
// that does not continue the node's log. Every NIC access goes through the driver's `Nic` (reads wait
// for the posted writes before them), time is the driver's.

import { Csr, StatusBit, getLogIndex } from '../wire/wire.gen.js';
import type { Nic } from '../nic/nic.js';
import { chainPlaceIn, type ChainCmd, type ChainReply } from './master.js';

/** NIC settings a chain node writes at start and after a restart. */
export interface ChainNicTuning {
  ackCount: number;
  ackDelayCycles: number;
  ackGapCycles?: number;
  rtoCycles?: number;
  hbIntervalCycles: number;
  hbCommitDelayCycles: number;
  /** SILENCE_CYCLES: the NIC reports its predecessor silent after this many cycles without a frame of it (0/absent: off) */
  silenceCycles?: number;
}

export interface ChainNodeEnv {
  readonly nic: Nic;
  /** the NIC's node id */
  readonly nodeId: number;
  /** an answer to the master (through the control network) */
  reply(r: ChainReply): void;
  /** entries [from, from + frames.length) to another node's host (through the control network) */
  sendEntries(to: number, epoch: number, from: number, committedUpto: number, frames: Uint8Array[]): void;
  /** tells the master the NIC found its predecessor `pred` silent in `epoch` */
  silent(pred: number, epoch: number): void;
  /**
   * Entries appended to the persisted log, in index order, starting at index `from` (deliveries of the
   * NIC and catch-ups): the application applies them (a state machine sees every committed entry once,
   * in order, across crashes: what was persisted before a crash is not given again).
   */
  persisted?(from: number, frames: readonly Uint8Array[]): void;
  log(text: string): void;
  /** the host's clock (ns; read leases: absent, the node never holds one) */
  nowNs?(): number;
}

export interface ChainNodeStats {
  staleCommands: number;
  /** FREEZE reads of STATUS that did not show FROZEN yet */
  notFrozenPolls: number;
  /** catch-ups served (as the head) and taken */
  catchupsServed: number;
  entriesSent: number;
  catchupsTaken: number;
  /** entries taken into the persisted log / the NIC's log during catch-ups */
  entriesToHostLog: number;
  entriesToNicLog: number;
  /** a catch-up the node could not serve (an entry neither in its persisted log nor in its NIC's log) */
  catchupFailures: number;
  /** committed frames delivered out of order or beyond a gap (never expected) */
  deliveryGaps: number;
  /**
   * frames delivered beyond what the host knows committed while it is not installed: a NIC whose COMMIT_INDEX
   * the host wrote a moment before APPLIED_INDEX delivers one frame from a slot it has not written (after a
   * restart, a stale entry of the previous incarnation): never persisted
   */
  staleDeliveries: number;
  installs: number;
  silenceReports: number;
  /** read leases taken, and grants that came too late (another epoch, or not installed) */
  leases: number;
  staleLeases: number;
}

/** STATUS reads before a freeze gives up (the master's round deadline then takes the node out). */
const FREEZE_POLLS = 256;

export class ChainNode {
  /** highest command epoch seen (persisted) */
  epochSeen: number;
  /** restarts so far (persisted) */
  incarnation = 0;
  /** the persisted log: entries the NIC delivered as committed, index i at committed[i - 1] */
  readonly committed: Uint8Array[] = [];
  /** LAST_INDEX as frozen in epochSeen (-1: not frozen in it) */
  frozenLast = -1;
  /** the epoch installed on the NIC (0: none) */
  installed = 0;
  /**
   * The last configuration this node was installed in (its order, head first, and epoch), kept while it
   * is frozen for the next change; null after a crash until it is installed again.
   */
  lastOrder: readonly number[] | null = null;
  lastEpoch = 0;
  up = true;
  /** the highest index the host takes from its NIC's deliveries (what it knows committed; Infinity when installed) */
  acceptUpto = Infinity;
  /** the installed predecessor (-1: none, or the head) */
  pred = -1;
  /** predFrames() when the epoch was installed (silence detection only) */
  private framesAtInstall = 0;
  /** SILENCE_CYCLES written for this epoch (after the predecessor's first frame) */
  silenceArmed = false;
  /** the read lease: reads without the log until this time (host clock, ns), while installed in leaseEpoch */
  leaseUntilNs = -Infinity;
  leaseEpoch = 0;
  readonly stats: ChainNodeStats = {
    staleCommands: 0, notFrozenPolls: 0, catchupsServed: 0, entriesSent: 0, catchupsTaken: 0,
    entriesToHostLog: 0, entriesToNicLog: 0, catchupFailures: 0, deliveryGaps: 0, staleDeliveries: 0, installs: 0, silenceReports: 0, leases: 0, staleLeases: 0,
  };

  constructor(private readonly env: ChainNodeEnv, private readonly tuning: ChainNicTuning, epoch: number) {
    this.epochSeen = epoch;
  }

  /** Identity and tuning (at boot and after a restart), fast path off. */
  private configureNic(): void {
    const n = this.env.nic;
    n.writeCsr(Csr.RAFT_FAST_EN, 0);
    n.writeCsr(Csr.RAFT_NODE_ID, this.env.nodeId);
    n.writeCsr(Csr.RAFT_ACK_COUNT, this.tuning.ackCount);
    n.writeCsr(Csr.RAFT_ACK_DELAY, this.tuning.ackDelayCycles);
    if (this.tuning.ackGapCycles) n.writeCsr(Csr.RAFT_ACK_GAP, this.tuning.ackGapCycles);
    if (this.tuning.rtoCycles) n.writeCsr(Csr.RAFT_RTO, this.tuning.rtoCycles);
    n.writeCsr(Csr.RAFT_HB_INTERVAL, this.tuning.hbIntervalCycles);
    n.writeCsr(Csr.RAFT_HB_COMMIT_DELAY, this.tuning.hbCommitDelayCycles);
    n.writeCsr(Csr.RAFT_SILENCE_CYCLES, 0);
  }

  /** Frames of the predecessor the NIC took so far (heartbeats, APPENDs in order and buffered). */
  private predFrames(): number {
    // low words only (a change is all that counts), read in one pipelined batch
    const v = this.env.nic.readCsrs([Csr.COUNTERS_HEARTBEAT_RX_LO, Csr.COUNTERS_APPEND_ACCEPTED_LO, Csr.COUNTERS_APPEND_BUFFERED_LO, Csr.COUNTERS_DROP_DUPLICATE_LO]);
    return v.reduce((a, x) => a + x, 0);
  }

  /**
   * A host tick (each beat): silence detection is armed (SILENCE_CYCLES written) once the predecessor was
   * heard in this epoch: right after an INSTALL the predecessor may not run yet (the head is installed
   * last), and the NIC would report it silent; a predecessor that dies before its first frame is found by
   * its beats.
   */
  tick(): void {
    if (!this.up || this.installed === 0 || this.pred < 0 || this.silenceArmed || !this.tuning.silenceCycles) return;
    if (this.predFrames() === this.framesAtInstall) return;
    this.env.nic.writeCsr(Csr.RAFT_SILENCE_CYCLES, this.tuning.silenceCycles);
    this.silenceArmed = true;
  }

  /** The NIC's LEADER_SILENT event: its predecessor sent nothing for SILENCE_CYCLES (armed by tick()). */
  onSilent(): void {
    if (!this.up || this.installed === 0 || this.pred < 0 || !this.silenceArmed) return;
    this.stats.silenceReports++;
    this.env.silent(this.pred, this.installed);
  }

  /** Boot into the initial configuration (epoch, order) with an empty log. */
  boot(epoch: number, order: readonly number[]): void {
    this.configureNic();
    this.epochSeen = epoch;
    this.program(epoch, order, 0, 0);
  }

  /** The node crashed: its NIC lost its state; the persisted log, epoch and incarnation survive. */
  crash(): void {
    this.up = false;
    this.leaseUntilNs = -Infinity;
    this.lastOrder = null;
    this.frozenLast = -1;
    this.installed = 0;
  }

  /** The node restarted: a new incarnation, the NIC's indexes at the persisted log's end, fast path off. */
  restart(): void {
    this.up = true;
    this.incarnation++;
    this.frozenLast = -1;
    this.installed = 0;
    const c = this.committed.length;
    this.acceptUpto = c;
    this.configureNic();
    const n = this.env.nic;
    n.writeCsr(Csr.RAFT_LAST_INDEX, c);
    n.writeCsr(Csr.RAFT_COMMIT_INDEX, c);
    n.writeCsr(Csr.RAFT_APPLIED_INDEX, c);
    this.env.log(`chain node ${this.env.nodeId}: restarted (incarnation ${this.incarnation}), persisted log ${c} entries`);
  }

  /** Frames the NIC delivered as committed, in index order. */
  onCommitted(frames: readonly Uint8Array[]): void {
    for (const f of frames) {
      const i = getLogIndex(f);
      if (i <= this.committed.length) continue;
      if (i > this.acceptUpto) {
        this.stats.staleDeliveries++;
        continue;
      }
      if (i !== this.committed.length + 1) {
        if (this.stats.deliveryGaps++ === 0) this.env.log(`chain node ${this.env.nodeId}: committed entry ${i} delivered after ${this.committed.length} (a gap)`);
        continue;
      }
      this.committed.push(f);
      this.env.persisted?.(i, [f]);
    }
  }

  onCommand(cmd: ChainCmd): void {
    if (!this.up) return;
    if (cmd.k === 'lease') {
      // a grant for the epoch this node runs installed in; any other came too late (a change started)
      if (this.installed === 0 || cmd.epoch !== this.installed || !this.env.nowNs) {
        this.stats.staleLeases++;
        return;
      }
      this.leaseUntilNs = Math.max(this.leaseEpoch === cmd.epoch ? this.leaseUntilNs : -Infinity, cmd.fromNs + cmd.leaseNs);
      this.leaseEpoch = cmd.epoch;
      this.stats.leases++;
      return;
    }
    if (cmd.epoch < this.epochSeen || (cmd.k !== 'freeze' && cmd.epoch !== this.epochSeen)) {
      this.stats.staleCommands++;
      return;
    }
    if (cmd.k === 'freeze') this.freeze(cmd.epoch, cmd.truncate);
    else if (cmd.k === 'catchup') this.serveCatchup(cmd);
    else this.install(cmd.epoch, cmd.order, cmd.last);
  }

  /**
   * A read without the log (docs/replication-modes.md, "Reads without the log"): while this node holds a
   * read lease of the epoch it runs in, the index a get must wait for: its NIC's LAST_INDEX now (every
   * entry committed so far passed through every member, so it is at most that; the answer is the state
   * once the host applied it). null: no lease (the get goes through the log).
   */
  readFloor(): number | null {
    if (!this.up || this.installed === 0 || this.leaseEpoch !== this.installed || !this.env.nowNs) return null;
    if (!(this.env.nowNs() < this.leaseUntilNs)) return null;
    return this.env.nic.readCsr(Csr.RAFT_LAST_INDEX);
  }

  private freeze(epoch: number, truncate: boolean): void {
    const n = this.env.nic;
    this.epochSeen = epoch;
    this.installed = 0;
    // no reads without the log from now: the master installs the next epoch once this node froze
    this.leaseUntilNs = -Infinity;
    n.writeCsr(Csr.RAFT_FAST_EN, 0);
    // no replies until the next INSTALL: the NIC still delivers what it committed, and a catch-up's
    // COMMIT_INDEX write lands a cycle before its APPLIED_INDEX write, so the NIC may deliver one slot the
    // host has not rewritten yet (an entry of a head that was taken out): it must not answer its client
    n.writeCsr(Csr.RAFT_REPLY_MASK, 0);
    n.writeCsr(Csr.RAFT_ROLE, 0);
    this.silenceArmed = false;
    let polls = 0;
    while ((n.readCsr(Csr.RAFT_STATUS) & StatusBit.FROZEN) === 0) {
      this.stats.notFrozenPolls++;
      if (++polls >= FREEZE_POLLS) {
        this.env.log(`chain node ${this.env.nodeId}: epoch ${epoch}: the NIC did not show FROZEN after ${polls} reads; no answer`);
        return;
      }
    }
    let last = n.readCsr(Csr.RAFT_LAST_INDEX);
    const commit = n.readCsr(Csr.RAFT_COMMIT_INDEX);
    // what the NIC delivers from now on up to its commit index is committed; nothing beyond until INSTALL
    this.acceptUpto = commit;
    if (truncate && last > commit) {
      // a joiner: what it holds beyond its commit index may come from a head that was taken out
      n.writeCsr(Csr.RAFT_LAST_INDEX, commit);
      last = commit;
    }
    this.frozenLast = last;
    this.env.log(`chain node ${this.env.nodeId}: epoch ${epoch}: frozen at last ${last}, commit ${commit}${truncate ? ' (a joiner: cut back to its commit)' : ''}`);
    this.env.reply({ k: 'frozen', epoch, last, commit, incarnation: this.incarnation });
  }

  private serveCatchup(c: Extract<ChainCmd, { k: 'catchup' }>): void {
    const n = this.env.nic;
    const frames: Uint8Array[] = [];
    // what the persisted log lacks comes from the NIC's log port, in one pipelined batch where the driver has one
    const fromNic: number[] = [];
    for (let i = Math.max(c.from, this.committed.length + 1); i <= c.upto; i++) fromNic.push(i);
    const many = (n as Nic & { logReadMany?: (ix: readonly number[]) => Uint8Array[] }).logReadMany;
    const read = fromNic.length === 0 ? [] : many ? many.call(n, fromNic) : fromNic.map((i) => n.logRead(i));
    for (let i = c.from; i <= c.upto; i++) {
      let f: Uint8Array | undefined = i <= this.committed.length ? this.committed[i - 1] : undefined;
      if (!f) {
        const r = read[i - fromNic[0]!];
        if (r && r.length >= 38 && getLogIndex(r) === i) f = r;
      }
      if (!f) {
        this.stats.catchupFailures++;
        this.env.log(`chain node ${this.env.nodeId}: epoch ${c.epoch}: cannot serve entry ${i} to node ${c.to} (not in the persisted log nor the NIC's)`);
        return;
      }
      frames.push(f);
    }
    this.stats.catchupsServed++;
    this.stats.entriesSent += frames.length;
    // entries at or below this (frozen) head's commit index are committed
    const commit = Math.min(n.readCsr(Csr.RAFT_COMMIT_INDEX), c.upto);
    this.env.sendEntries(c.to, c.epoch, c.from, commit, frames);
  }

  /** Entries from the head's host (catch-up). */
  onEntries(epoch: number, from: number, committedUpto: number, frames: readonly Uint8Array[]): void {
    if (!this.up || epoch !== this.epochSeen || this.frozenLast < 0 || from !== this.frozenLast + 1) {
      this.stats.staleCommands++;
      return;
    }
    const n = this.env.nic;
    const upto = from + frames.length - 1;
    let i = from;
    // committed entries beyond the persisted log's end go to it directly (the NIC's window stays small)
    if (from === this.committed.length + 1 && committedUpto >= from) {
      for (; i <= committedUpto; i++) this.committed.push(frames[i - from]!);
      this.env.persisted?.(from, frames.slice(0, committedUpto - from + 1));
      this.stats.entriesToHostLog += committedUpto - from + 1;
      this.acceptUpto = Math.max(this.acceptUpto, committedUpto);
      n.writeCsr(Csr.RAFT_LAST_INDEX, committedUpto);
      n.writeCsr(Csr.RAFT_COMMIT_INDEX, committedUpto);
      n.writeCsr(Csr.RAFT_APPLIED_INDEX, committedUpto);
    }
    for (; i <= upto; i++) {
      n.logWrite(i, frames[i - from]!);
      this.stats.entriesToNicLog++;
    }
    n.writeCsr(Csr.RAFT_LAST_INDEX, upto);
    this.frozenLast = upto;
    this.stats.catchupsTaken++;
    this.env.reply({ k: 'caught', epoch, last: upto });
  }

  private install(epoch: number, order: readonly number[], last: number): void {
    if (this.frozenLast !== last) {
      this.env.log(`chain node ${this.env.nodeId}: epoch ${epoch}: install at last index ${last} but the NIC holds ${this.frozenLast}; no answer`);
      this.stats.staleCommands++;
      return;
    }
    this.program(epoch, order, last, last);
    this.stats.installs++;
    this.env.reply({ k: 'installed', epoch });
  }

  /** Writes the node's place in `order` for epoch (TERM), commit index `commit`, then the fast path on. */
  private program(epoch: number, order: readonly number[], last: number, commit: number): void {
    const n = this.env.nic;
    const me = this.env.nodeId;
    const p = chainPlaceIn(order, me);
    n.writeCsr(Csr.RAFT_FAST_EN, 0);
    n.writeCsr(Csr.RAFT_TERM, epoch);
    n.writeCsr(Csr.RAFT_LEADER_ID, p.leaderId);
    n.writeCsr(Csr.RAFT_MEMBERS, p.members);
    n.writeCsr(Csr.RAFT_QUORUM, p.quorum);
    n.writeCsr(Csr.RAFT_CHAIN, p.chain);
    n.writeCsr(Csr.RAFT_REPLY_MASK, p.tail || order.length === 1 ? 0xff : 0);
    if (p.role !== 1) {
      // head and middles lead their successor: entries of this epoch start after `last`; the successor holds `last`
      n.writeCsr(Csr.RAFT_TERM_START, last + 1);
      if (p.succ !== 0xff) {
        n.writeCsr(Csr.RAFT_MATCH_SEL, p.succ);
        n.writeCsr(Csr.RAFT_MATCH_INDEX, last);
      }
    }
    n.writeCsr(Csr.RAFT_COMMIT_INDEX, commit);
    n.writeCsr(Csr.RAFT_ROLE, p.role);
    n.writeCsr(Csr.RAFT_FAST_EN, 1);
    this.installed = epoch;
    this.lastOrder = [...order];
    this.lastEpoch = epoch;
    this.frozenLast = -1;
    this.acceptUpto = Infinity;
    this.pred = p.pos > 0 ? p.pred : -1;
    this.silenceArmed = false;
    if (this.tuning.silenceCycles && this.pred >= 0) {
      n.writeCsr(Csr.RAFT_SILENCE_CYCLES, 0);
      this.framesAtInstall = this.predFrames();
    }
  }
}
