// The real-time driver: one replica (ctrl/driver/replica.ts) next to its NIC, as a long-lived
// process. Wall clock, UDP sockets per plane (planes.ts, with the kernel filter of sockfilter.ts),
// the write-ahead log and hard state on disk (file-storage.ts; --rejoin and the rejoin gate here),
// the OS's randomness (seeded once, logged), pino logs, an HTTP status endpoint (status.ts),
// graceful stop on SIGTERM.
//
// The NIC clock (a simulated backend's cycles) moves only when the driver steps it:
//   * after input (frames from the plane sockets that passed the filter, taken from their class
//     queues with a budget per turn: RX_BUDGET): in quanta of `settleQuantumCycles` until the NIC
//     is quiet (no input queued, no host command pending, nothing came out for 3 quanta), at most
//     `maxSettleCycles`; everything the NIC sends or hands to the host is handled at once;
//   * at each tick (`timing.tickMs`): `nic.cyclesPerMs` x tickMs cycles, so its timers (heartbeats, ACK
//     delay, NACK, retransmission) run; then the replica's tick (progress read, core timers).
// Nothing runs between ticks when no frame arrives: no busy loop.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:dgram';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { Replica } from '../driver/replica.js';
import { SeededRand } from '../rand.js';
import { Csr, decodeHeader, framePayload, MsgType as W, type CounterName } from '../wire/wire.gen.js';
import { decodeCommand, replyFrame, Status } from '../app/kv.js';
import type { HostFrame } from '../nic/nic.js';
import { createNic, type DaemonNic } from './backend.js';
import { formatEndpoint, type NodeConfig } from './config.js';
import { readFileSync } from 'node:fs';
import { MsgType, type Message } from '../core/types.js';
import { ENTRIES_PER_SYNC_BOUNDS, FileStorage, prepareRejoin } from './file-storage.js';
import { bindUdp, PlaneNet, RX_CLASSES, RX_DROP_REASONS, type PlaneStats } from './planes.js';
import { attachKernelFilter, buildKernelFilter } from './sockfilter.js';
import { listenStatus, type StatusSource } from './status.js';

export interface DriverStats {
  pumps: number;
  ticks: number;
  settleCycles: number;
  tickCycles: number;
  /** settles stopped by maxSettleCycles rather than quiet */
  settleCapped: number;
  hostFrames: number;
  hostBatches: number;
  snapshots: number;
  /** wall time spent in the driver (pumps and ticks), ns */
  busyNs: number;
  /** ticks that ran more than a quarter of the election timeout after they were due: the process was
   * not scheduled (a starved or paused machine, a blocking fdatasync), so its heartbeats and timeouts
   * ran late too (each one is logged, like etcd's "leader failed to send out heartbeat on time") */
  lateTicks: number;
  /** the latest of those, ms */
  maxTickLateMs: number;
  /** driver turns (a tick or a pump) that ran for more than a quarter of the election timeout: the
   * event loop read no socket and ran no timer meanwhile (a late tick does not show a long tick: the
   * next one is scheduled after it); each one is logged with what it did */
  longTurns: number;
  /** the longest driver turn, ms */
  maxTurnMs: number;
}

export interface PlaneHealth extends PlaneStats {
  /** ok: a frame from a peer arrived within two election timeouts; blocked: cut by /debug/planes; silent: nothing heard */
  health: 'ok' | 'blocked' | 'silent';
  lastRxAgoMs: Record<number, number | null>;
  /** datagrams the kernel dropped at this socket (Linux: /proc/net/udp, the socket's drop counter):
   * the kernel filter's drops and those of a full receive buffer together (null: unknown) */
  kernelDrops: number | null;
  /** bytes waiting in the socket's receive buffer (kernel accounting, per datagram about 1 KB more than its payload; null: unknown) */
  rxQueueBytes: number | null;
  /** the receive buffer the kernel granted (SO_RCVBUF as read back: twice what was asked, capped at 2 x net.core.rmem_max) */
  recvBufferBytes: number | null;
  /** datagrams waiting in Node's send queue of this socket (the kernel refused them for now) */
  sendQueueDatagrams: number | null;
}

/** The machine's UDP counters (/proc/net/snmp, every socket of the machine, not only this daemon's). */
export interface HostUdpCounters {
  /** datagrams dropped because a socket's receive buffer was full */
  rcvbufErrors: number;
  /** datagrams dropped at a socket for any reason (a socket filter, a full buffer, a bad checksum) */
  inErrors: number;
  /** datagrams not sent because the send buffer (or the device queue) was full */
  sndbufErrors: number;
}

/** /proc/net/snmp's Udp counters (Linux only). */
export function hostUdpCounters(): HostUdpCounters | null {
  let text: string;
  try { text = readFileSync('/proc/net/snmp', 'utf8'); } catch { return null; }
  const lines = text.split('\n').filter((l) => l.startsWith('Udp:'));
  if (lines.length < 2) return null;
  const names = lines[0]!.trim().split(/\s+/);
  const values = lines[1]!.trim().split(/\s+/);
  const get = (n: string): number => Number(values[names.indexOf(n)] ?? 0);
  return { rcvbufErrors: get('RcvbufErrors'), inErrors: get('InErrors'), sndbufErrors: get('SndbufErrors') };
}

/** Datagrams of each class (control, replication, client) the driver hands to the NIC per turn, at most. */
export const RX_BUDGET = [256, 1024, 256] as const;

/** `nicraft node --rejoin`: discard the local state and rejoin as a non-voter (docs/deploying.md §5). */
export interface RejoinOptions {
  /** the term floor when the hard state file is lost too */
  minTerm?: number;
}

/** Attaches the kernel filter to every plane socket (net.kernelFilter); false (logged) where it cannot. */
async function attachFilters(cfg: NodeConfig, sockets: Socket[], maxPayload: number, log: Logger): Promise<boolean> {
  if (!cfg.net.kernelFilter) return false;
  for (let p = 0; p < sockets.length; p++) {
    const members = new Map(cfg.members.filter((m) => m.id !== cfg.id).map((m) => [m.id, m.planes[p]!]));
    const prog = buildKernelFilter({ clusterId: cfg.clusterId, selfId: cfg.id, maxPayload, members, sampleEvery: cfg.net.kernelFilterSample, bundleBytes: cfg.net.bundleBytes });
    const r = await attachKernelFilter(sockets[p]!, prog);
    if (!r.ok) {
      log.warn({ plane: p, why: r.why }, 'kernel filter not attached: junk datagrams are dropped by the daemon (each costs it a wake-up)');
      return false;
    }
  }
  log.info({ planes: sockets.length, sampleEvery: cfg.net.kernelFilterSample }, 'kernel filter attached to the plane sockets');
  return true;
}

/** Per local UDP port: the kernel's drop counter of that socket and the bytes in its receive queue (Linux only). */
function kernelUdpSockets(): Map<number, { drops: number; rxQueueBytes: number }> | undefined {
  let text: string;
  try { text = readFileSync('/proc/net/udp', 'utf8'); } catch { return undefined; }
  const out = new Map<number, { drops: number; rxQueueBytes: number }>();
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const port = parseInt(f[1]!.split(':')[1]!, 16);
    const prev = out.get(port);
    const drops = Number(f[f.length - 1]), rxQueueBytes = parseInt(f[4]!.split(':')[1]!, 16);
    out.set(port, { drops: (prev?.drops ?? 0) + drops, rxQueueBytes: (prev?.rxQueueBytes ?? 0) + rxQueueBytes });
  }
  return out;
}

/** Local reads (`localReads`): what the daemon did with the client gets it took off the NIC's path. */
export interface ReadStats {
  /** answered under the leader's lease */
  lease: number;
  /** answered after a heartbeat round a quorum acknowledged (ReadIndex) */
  quorum: number;
  /** answered by this node as a follower under its read lease (core config followerReads) */
  follower: number;
  /** not the leader (any more): NOT_LEADER with the hint, the client asks again */
  refused: number;
  /** the same request again (its copy on another plane, or a retry while it waits): dropped */
  copies: number;
}

/** A read's copy on another plane arrives within this time of the first (ms). */
const READ_COPY_WINDOW_MS = 200;

export class NodeDaemon implements StatusSource {
  readonly reads: ReadStats = { lease: 0, quorum: 0, follower: 0, refused: 0, copies: 0 };
  /** per client: the last get taken off the NIC's path */
  private readonly readSeen = new Map<number, { seq: number; atMs: number; pending: boolean }>();
  readonly startedAt = Date.now();
  readonly seed: number;
  readonly driver: DriverStats = { pumps: 0, ticks: 0, settleCycles: 0, tickCycles: 0, settleCapped: 0, hostFrames: 0, hostBatches: 0, snapshots: 0, busyNs: 0, lateTicks: 0, maxTickLateMs: 0, longTurns: 0, maxTurnMs: 0 };
  readonly replica: Replica;
  readonly storage: FileStorage;
  private readonly net: PlaneNet;
  private readonly dnic: DaemonNic;
  private pumpScheduled = false;
  private timer?: NodeJS.Timeout;
  private http?: Server;
  private stopped = false;
  private readonly t0 = process.hrtime.bigint();
  private lastSnapshotIndex = 0;
  private inPump = false;
  /** the plane sockets have the kernel filter (sockfilter.ts) */
  kernelFilter = false;
  /** rejoining: the index (and its term) to reach: the leader's commit in its first Append, or its last index in its first Heartbeat, of that term */
  private rejoinTarget?: { term: number; commit: number };
  readonly rejoin = { votesDropped: 0, completedAtMs: 0 };

  private constructor(readonly cfg: NodeConfig, readonly log: Logger, sockets: Socket[], dnic: DaemonNic, seed: number) {
    this.seed = seed;
    this.dnic = dnic;
    const nic = dnic.nic;
    this.net = new PlaneNet(cfg.id, cfg.members, sockets, { clusterId: cfg.clusterId, maxPayload: nic.readCsr(Csr.IDENT_PARAMS1) & 0xffff, bundleBytes: cfg.net.bundleBytes });
    this.net.onError = (plane, err) => log.warn({ plane, err: err.message }, 'plane socket error');
    // storage: replays the log; a torn final record is cut off and reported here; corruption throws (WalError)
    this.storage = new FileStorage(cfg.dataDir, {
      identity: { clusterId: cfg.clusterId, nodeId: cfg.id },
      fsync: cfg.storage.fsync,
      syncsInFlight: cfg.storage.syncsInFlight,
      onInit: (i) => log.info({ dataDir: cfg.dataDir, incarnation: i.incarnation.toString(16) }, 'new data directory: WAL and hard state created'),
      onTail: (t) => log.warn({ wal: this.storage.path, ...t }, `WAL: torn tail truncated: ${t.droppedBytes} bytes after ${t.records} good records (offset ${t.validBytes}) cut off, not applied (the final record is ${t.why === 'short' ? 'incomplete' : 'failing its CRC'}, nothing valid follows it)`),
      onCompact: (c) => log.info({ ...c }, 'WAL: compacted at a snapshot'),
    });
    // the fast path's timing registers the core does not own (RTO, NACK timing)
    nic.writeCsr(Csr.RAFT_RTO, cfg.nic.rtoCycles);
    nic.writeCsr(Csr.RAFT_NACK_DELAY, cfg.nic.nackDelayCycles);
    nic.writeCsr(Csr.RAFT_NACK_INTERVAL, cfg.nic.nackIntervalCycles);
    const voters = cfg.members.map((m) => m.id).sort((a, b) => a - b);
    this.replica = new Replica({
      config: {
        id: cfg.id, clusterId: cfg.clusterId, voters,
        electionTimeoutNs: Math.round(cfg.timing.electionTimeoutMs * 1e6),
        heartbeatIntervalNs: Math.round(cfg.timing.heartbeatIntervalMs * 1e6),
        rand: new SeededRand(seed), // seeded from the OS at start; the seed is logged
        followerReads: cfg.followerReads,
      },
      serveReads: cfg.followerReads,
      clock: () => this.nowNs(),
      stampMessages: true,
      nic,
      storage: this.storage,
      key: Buffer.from(cfg.key, 'hex'),
      frameAuth: cfg.frameAuth ? { nodeSecret: Buffer.from(cfg.frameAuth.nodeSecret, 'hex'), clientSecret: Buffer.from(cfg.frameAuth.clientSecret, 'hex'), slot: cfg.frameAuth.slot } : undefined,
      tuning: { ackCount: cfg.nic.ackCount, ackDelayCycles: cfg.nic.ackDelayCycles, ackGapCycles: cfg.nic.ackGapCycles, hbIntervalCycles: cfg.nic.hbIntervalCycles, hbCommitDelayCycles: cfg.nic.hbCommitDelayCycles },
      durableReplies: cfg.durableReplies,
      batchHostFrames: true,
      keepAppliedLog: false,
      log: (line) => log.debug({ src: 'replica' }, line),
      filterMessage: (m, dir) => this.gate(m, dir),
    });
    const r = this.storage.lastReplay;
    const st = this.replica.core.status();
    log.info({ wal: this.storage.path, records: r?.records ?? 0, bytes: r?.badOffset ?? 0, tail: r?.verdict ?? 'clean', term: st.term, vote: st.vote, commit: st.commit, lastIndex: st.lastIndex, applied: this.replica.kv.appliedIndex, recovering: st.recovering, rejoining: this.storage.rejoining }, 'WAL replayed');
    if (this.storage.rejoining) log.warn({ term: st.term, fromTerm: this.storage.rejoinFromTerm }, 'rejoining: a non-voting member until it has caught up with a leader (no votes given or asked)');
    this.lastSnapshotIndex = this.storage.lastReplay?.state.snapshot?.index ?? 0;
    this.replica.onRoleChange = (role, term) => {
      const lead = this.replica.core.lead;
      log.info({ role, term, lead }, `role ${role} term ${term}`);
      // an election started here: what this node last heard, per member and plane, and what its
      // sockets and NIC dropped (after this turn: the reads step the NIC clock)
      if (role === 'precandidate' || role === 'candidate') setImmediate(() => this.logSilence(role, term));
    };
    this.net.onReadable = () => this.schedulePump();
    if (cfg.debug.frameInjection) {
      this.net.enableCapture();
      log.warn({}, 'debug.frameInjection is on: POST /debug/inject hands datagrams with any claimed source to the planes (attack tests only; any local process can speak as a member)');
    }
  }

  /**
   * Starts a node: binds its plane sockets and status endpoint first (nothing is written if that
   * fails), then opens its storage, creates its NIC and starts the clock.
   */
  static async start(cfg: NodeConfig, log: Logger, rejoin?: RejoinOptions): Promise<NodeDaemon> {
    const self = cfg.members.find((m) => m.id === cfg.id)!;
    const mi = cfg.members.indexOf(self);
    const sockets: Socket[] = [];
    let http: Server | undefined;
    let daemon: NodeDaemon | undefined;
    try {
      for (let p = 0; p < cfg.planes; p++) sockets.push(await bindUdp(self.planes[p]!, `members[${mi}].planes[${p}]`, cfg.net.recvBufferBytes));
      let ref: NodeDaemon | undefined;
      if (self.http) http = await listenStatus(self.http, `members[${mi}].http`, () => ref, cfg.debug);
      if (rejoin) {
        const r = prepareRejoin(cfg.dataDir, { clusterId: cfg.clusterId, nodeId: cfg.id }, { minTerm: rejoin.minTerm });
        log.warn({ ...r, incarnation: r.incarnation.toString(16) }, `rejoin: local log discarded${r.discardedWal ? ` (kept as ${r.discardedWal})` : ''}; term ${r.term} vote ${r.vote} kept from ${r.source}`);
      }
      const seed = randomBytes(4).readUInt32LE(0);
      const dnic = await createNic(cfg.nic.backend, cfg.planes, cfg.nic.maxPayloadBytes);
      const kernelFilter = await attachFilters(cfg, sockets, dnic.nic.readCsr(Csr.IDENT_PARAMS1) & 0xffff, log);
      log.info({ id: cfg.id, backend: cfg.nic.backend, planes: self.planes.map(formatEndpoint), http: self.http ? formatEndpoint(self.http) : null, seed, dataDir: cfg.dataDir, members: cfg.members.map((m) => m.id), recvBufferBytes: sockets.map((s) => s.getRecvBufferSize()) }, `node ${cfg.id} starting (seed ${seed})`);
      daemon = new NodeDaemon(cfg, log, sockets, dnic, seed);
      daemon.kernelFilter = kernelFilter;
      ref = daemon;
      daemon.http = http;
      daemon.pump();
      daemon.scheduleTick();
      return daemon;
    } catch (e) {
      for (const s of sockets) { try { s.close(); } catch { /* closed */ } }
      http?.close();
      throw e;
    }
  }

  private nowNs(): number {
    return Number(process.hrtime.bigint() - this.t0);
  }

  private tickDueMs = 0;

  private scheduleTick(): void {
    if (this.stopped) return;
    this.tickDueMs = performance.now() + this.cfg.timing.tickMs;
    this.timer = setTimeout(() => this.tick(), this.cfg.timing.tickMs);
  }

  /**
   * This process was not scheduled for `lateMs` (a late tick, or a tick stalled before its timers):
   * counted and logged. The timers would run before the sockets are read: judge no timeout on what
   * this node missed while it was not running. The frames that arrived meanwhile are read first (the
   * poll phase comes before setImmediate's), the leader's among the first (the queues' priority).
   */
  private afterPause(lateMs: number, msg: string): void {
    this.driver.lateTicks++;
    this.driver.maxTickLateMs = Math.max(this.driver.maxTickLateMs, Math.round(lateMs));
    this.log.warn({ lateMs: Math.round(lateMs), electionTimeoutMs: this.cfg.timing.electionTimeoutMs }, msg);
    setImmediate(() => {
      if (this.net.queued > 0) this.pump();
      this.tick(true);
    });
  }

  private tick(afterPause = false): void {
    if (this.stopped) return;
    const lateMs = performance.now() - this.tickDueMs;
    if (!afterPause && lateMs > this.cfg.timing.electionTimeoutMs / 4) {
      this.afterPause(lateMs, `tick ${Math.round(lateMs)} ms late: this process was not scheduled (heartbeats and timeouts ran late too)`);
      return;
    }
    const t0 = process.hrtime.bigint();
    const startMs = performance.now();
    try {
      this.driver.ticks++;
      this.dnic.nic.step(this.cfg.nic.tickCycles);
      this.driver.tickCycles += this.cfg.nic.tickCycles;
      this.drain();
      // a pause that began inside this tick, before its timers are judged (the NIC's step and its
      // drain take most of a tick): the same as a late tick, the frames that arrived meanwhile first
      const stalledMs = performance.now() - startMs;
      if (!afterPause && stalledMs > this.cfg.timing.electionTimeoutMs / 4) {
        this.endTurn('tick', t0);
        this.afterPause(stalledMs, `tick stalled ${Math.round(stalledMs)} ms before its timers: this process was not scheduled`);
        return;
      }
      this.replica.tick(this.nowNs());
      this.settle();
      this.maybeSnapshot();
      this.checkRejoin();
      this.sampleSyncRate();
      if (this.net.queued > 0) this.schedulePump();
    } catch (e) {
      this.fatal(e);
      return;
    }
    this.endTurn('tick', t0);
    this.scheduleTick();
  }

  /** What the current turn did that can take long (named in the long-turn warning). */
  private turnNote = '';

  /** Accounts a driver turn that started at t0 (hrtime ns); a long one is counted and logged. */
  private endTurn(kind: 'tick' | 'pump', t0: bigint): void {
    const ns = Number(process.hrtime.bigint() - t0);
    this.driver.busyNs += ns;
    const ms = ns / 1e6;
    if (ms > this.driver.maxTurnMs) this.driver.maxTurnMs = Math.round(ms);
    if (ms > this.cfg.timing.electionTimeoutMs / 4) {
      this.driver.longTurns++;
      this.log.warn({ kind, turnMs: Math.round(ms), electionTimeoutMs: this.cfg.timing.electionTimeoutMs, did: this.turnNote || undefined }, `driver ${kind} ran ${Math.round(ms)} ms: no socket read, no timer meanwhile`);
    }
    this.turnNote = '';
  }

  /** fsyncs per second and entries per fsync over the last full second (the /metrics gauges) */
  readonly syncRate = { fsyncsPerSec: 0, entriesPerFsync: 0 };
  private syncSample = { atMs: Date.now(), syncs: 0, records: 0 };

  private sampleSyncRate(): void {
    const now = Date.now();
    const dt = now - this.syncSample.atMs;
    if (dt < 1000) return;
    const st = this.storage.stats;
    const syncs = st.syncs - this.syncSample.syncs;
    const records = st.records - this.syncSample.records;
    this.syncRate.fsyncsPerSec = Math.round((syncs * 1000) / dt);
    this.syncRate.entriesPerFsync = syncs ? +(records / syncs).toFixed(2) : 0;
    this.syncSample = { atMs: now, syncs: st.syncs, records: st.records };
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => this.pump());
  }

  /**
   * The rejoin gate (docs/deploying.md §5): a node started with --rejoin lost its log, so it must
   * not help anyone win an election, nor stand itself, until it holds again every entry that may
   * have been committed with its help: its own vote requests and every vote it would grant are
   * dropped (counted); its refusals go out (a refusal from a restarted node also tells the amnesia
   * guard that it restarted, which it did), and so do all other messages. It notes the commit index
   * the leader reports in its first Append of a term, or the last index in its first Heartbeat of a term
   * (a node catching up through the NIC and a snapshot may never see a host Append); it is done once a leader reconciled it (not
   * recovering) in that term and its own commit index reached that index and an entry of the
   * leader's term (the leader's term has committed, so every older committed entry is there too).
   */
  private gate(m: Message, dir: 'in' | 'out'): boolean {
    if (!this.storage.rejoining) return true;
    if (dir === 'out') {
      const ask = m.type === MsgType.PreVote || m.type === MsgType.Vote;
      const grant = (m.type === MsgType.PreVoteResp || m.type === MsgType.VoteResp) && !m.reject;
      if (ask || grant) { this.rejoin.votesDropped++; return false; }
      return true;
    }
    if (m.type === MsgType.TimeoutNow) { this.rejoin.votesDropped++; return false; }
    const hb = m.type === MsgType.Heartbeat;
    if ((m.type === MsgType.Append || hb) && m.term >= this.replica?.core.term && (!this.rejoinTarget || this.rejoinTarget.term < m.term)) {
      // an Append's commit index, or a Heartbeat's index (the leader's last index, NIC or host: at
      // least its commit index, so at least every index committed before this node lost its log)
      const commit = hb ? m.index : m.commit;
      this.rejoinTarget = { term: m.term, commit };
      this.log.info({ term: m.term, commit, leader: m.from, from: hb ? 'heartbeat' : 'append' }, `rejoining: catching up to index ${commit} of term ${m.term}`);
    }
    return true;
  }

  private checkRejoin(): void {
    if (!this.storage.rejoining) return;
    const c = this.replica.core;
    const t = this.rejoinTarget;
    if (!t || c.recovering || c.role !== 'follower' || c.lead === 0 || t.term !== c.term) return;
    const commit = c.log.commit;
    if (commit < t.commit || c.log.term(commit) !== c.term) return;
    this.storage.clearRejoin();
    this.rejoin.completedAtMs = Date.now();
    this.log.warn({ term: c.term, commit, target: t.commit, votesDropped: this.rejoin.votesDropped }, `rejoin complete at commit ${commit} (term ${c.term}): a voting member again`);
  }

  /** Frames in from the planes, then run the NIC until it is quiet. */
  private pump(): void {
    this.pumpScheduled = false;
    if (this.stopped || this.inPump) return;
    this.inPump = true;
    const t0 = process.hrtime.bigint();
    try {
      this.driver.pumps++;
      const nic = this.dnic.nic;
      // at most a budget of each class per turn, the cluster's own traffic first; what is left
      // waits for the next turn, after the event loop has run its timers and read its sockets
      const frames = this.net.take(RX_BUDGET);
      for (let p = 0; p < frames.length; p++) {
        let fs = frames[p]!;
        if (this.cfg.localReads && fs.length) fs = fs.filter((f) => !this.localRead(f));
        if (fs.length) nic.pushRx(p, fs);
      }
      this.settle();
      if (this.net.queued > 0) this.schedulePump();
    } catch (e) {
      this.fatal(e);
    } finally {
      this.inPump = false;
      this.endTurn('pump', t0);
    }
  }

  /**
   * A client's `get` at the leader, answered without the log (Replica.readLocal: under the lease at
   * once, else ReadIndex after a heartbeat round; either way once this replica applied up to the
   * read index and, with durable replies, once a quorum holds it on disk). True: the frame was
   * taken (answered, waiting, or a copy of one that was); false: it goes to the NIC as before (a
   * write, a follower, a frame that does not decode).
   */
  private localRead(frame: Uint8Array): boolean {
    if (frame[15] !== W.REQ || this.replica.core.role !== 'leader') return false;
    let h: ReturnType<typeof decodeHeader>;
    let key: string;
    try {
      h = decodeHeader(frame);
      const c = decodeCommand(framePayload(frame));
      if (c.op !== 'get') return false;
      key = c.key;
    } catch {
      return false;
    }
    const now = Date.now();
    const seen = this.readSeen.get(h.clientId);
    if (seen && (h.seq < seen.seq || (h.seq === seen.seq && (seen.pending || now - seen.atMs < READ_COPY_WINDOW_MS)))) {
      this.reads.copies++;
      return true;
    }
    const mine = { seq: h.seq, atMs: now, pending: true };
    if (!seen && this.readSeen.size >= 65_536) this.readSeen.delete(this.readSeen.keys().next().value!);
    this.readSeen.set(h.clientId, mine);
    const { clientId, seq } = h;
    this.replica.readLocal(key, (r) => {
      mine.pending = false;
      mine.atMs = Date.now();
      const core = this.replica.core;
      let reply;
      if (r.via === 'refused') {
        this.reads.refused++;
        reply = { status: Status.NOT_LEADER, leader: core.role === 'leader' ? this.cfg.id : core.lead };
      } else {
        this.reads[r.via]++;
        reply = r.value ? { status: Status.OK, value: r.value } : { status: Status.NOT_FOUND };
      }
      const fr = replyFrame(this.cfg.clusterId, this.cfg.id, clientId, seq, Math.max(0, r.index), core.term, reply);
      for (let p = 0; p < this.net.planes; p++) this.net.send(p, fr);
    });
    return true;
  }

  /**
   * Runs the NIC until it is quiet. Frames it sends go out at once; frames for the host are
   * collected and handed to the replica together once the NIC has nothing more in flight (one
   * Ready, hence one fdatasync, per batch).
   */
  private settle(): void {
    const nic = this.dnic.nic;
    const q = this.cfg.nic.settleQuantumCycles;
    let quiet = 0;
    let cycles = 0;
    let host: HostFrame[] = [];
    for (;;) {
      if (cycles >= this.cfg.nic.maxSettleCycles) {
        this.driver.settleCapped++;
        if (host.length) this.toHost(host);
        break;
      }
      nic.step(q);
      cycles += q;
      const tx = this.drainTx();
      const h = nic.pollHost();
      if (h.length) host = host.length ? host.concat(h) : h;
      if (tx + h.length > 0 || this.dnic.inputsDrained() === false) { quiet = 0; continue; }
      if (host.length) {
        this.toHost(host);
        host = [];
        quiet = 0;
        continue;
      }
      if (++quiet >= 3) break;
    }
    this.driver.settleCycles += cycles;
  }

  private drainTx(): number {
    const nic = this.dnic.nic;
    let n = 0;
    for (let p = 0; p < this.net.planes; p++) {
      const tx = nic.pullTx(p);
      for (const f of tx) this.net.send(p, f.frame);
      n += tx.length;
    }
    return n;
  }

  private toHost(frames: HostFrame[]): void {
    this.driver.hostFrames += frames.length;
    this.driver.hostBatches++;
    this.replica.onHostFrames(frames);
  }

  /** Everything the NIC sent or handed to the host since the last call; returns how many frames. */
  private drain(): number {
    const n = this.drainTx();
    const host = this.dnic.nic.pollHost();
    if (host.length) this.toHost(host);
    return n + host.length;
  }

  private maybeSnapshot(): void {
    const every = this.cfg.storage.snapshotEveryEntries;
    const kv = this.replica.kv;
    if (every <= 0 || kv.appliedIndex - this.lastSnapshotIndex < every) return;
    const index = kv.appliedIndex;
    const t0 = performance.now();
    const data = kv.snapshot();
    const t1 = performance.now();
    this.replica.request({ kind: 'compact', index, data });
    const t2 = performance.now();
    this.lastSnapshotIndex = index;
    this.driver.snapshots++;
    this.settle();
    const t3 = performance.now();
    this.turnNote = `snapshot at ${index} (WAL compacted in ${Math.round(t2 - t1)} ms)`;
    this.log.info({ index, bytes: data.length, kvSnapshotMs: +(t1 - t0).toFixed(1), compactMs: +(t2 - t1).toFixed(1), settleMs: +(t3 - t2).toFixed(1) }, `snapshot at ${index}`);
  }

  /** Why this node stood for election: when it last heard each member on each plane, its sockets' and NIC's drops. */
  private logSilence(role: string, term: number): void {
    if (this.stopped) return;
    try {
      const planes = this.planeHealth().map((p) => ({ plane: p.plane, lastRxAgoMs: p.lastRxAgoMs, kernelDrops: p.kernelDrops, rxAccepted: p.rxAccepted, rxQueued: p.rxQueued, txDatagrams: p.txDatagrams, txErrors: p.txErrors }));
      const c = this.dnic.nic.readCounters();
      this.drain();
      const nic = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== 0n).map(([k, v]) => [k, Number(v)]));
      this.log.warn({ role, term, planes, nic, driver: { ...this.driver } }, `stood for election in term ${term}: what this node last heard`);
    } catch { /* stopped */ }
  }

  /** debug.frameInjection: a datagram into plane `plane`'s receive path, claimed to come from `from` (PlaneNet.inject). */
  injectDatagram(plane: number, datagram: Uint8Array, from: { host: string; port: number }): { accepted: boolean; verdict: string } {
    if (!this.cfg.debug.frameInjection) throw new Error('frame injection is off (debug.frameInjection)');
    const v = this.net.inject(plane, datagram, from.host, from.port);
    const verdict = v === 'blocked' ? 'blocked' : v >= 0 ? RX_CLASSES[v]! : RX_DROP_REASONS[-1 - v]!;
    this.log.warn({ plane, from: formatEndpoint(from), bytes: datagram.length, verdict }, 'debug: datagram injected');
    return { accepted: typeof v === 'number' && v >= 0, verdict };
  }

  /** debug.frameInjection: the datagrams plane `plane`'s socket delivered and the filter accepted (the last CAPTURE_DATAGRAMS). */
  capturedDatagrams(plane: number): Array<{ from: string; atMs: number; hex: string }> {
    if (!this.cfg.debug.frameInjection) throw new Error('frame injection is off (debug.frameInjection)');
    return this.net.captured(plane).map((c) => ({ from: `${c.address}:${c.port}`, atMs: c.atMs, hex: Buffer.from(c.datagram).toString('hex') }));
  }

  /** Blocks (drops every frame in and out of) or unblocks a plane. */
  setPlaneBlocked(plane: number, blocked: boolean): void {
    if (plane < 0 || plane >= this.net.planes) throw new RangeError(`plane ${plane} is not a plane (0..${this.net.planes - 1})`);
    this.net.setBlocked(plane, blocked);
    this.log.warn({ plane, blocked }, blocked ? `plane ${plane} blocked` : `plane ${plane} unblocked`);
  }

  planeHealth(): PlaneHealth[] {
    const now = Date.now();
    const window = 2 * this.cfg.timing.electionTimeoutMs;
    const peers = this.cfg.members.map((m) => m.id).filter((id) => id !== this.cfg.id);
    const kd = kernelUdpSockets();
    const self = this.cfg.members.find((m) => m.id === this.cfg.id)!;
    return this.net.snapshot().map((s) => {
      const ago: Record<number, number | null> = {};
      let recent = false;
      for (const p of peers) {
        const t = s.lastRxMs[p];
        ago[p] = t === undefined ? null : now - t;
        if (t !== undefined && now - t <= window) recent = true;
      }
      const k = kd?.get(self.planes[s.plane]!.port);
      return { ...s, lastRxAgoMs: ago, kernelDrops: k?.drops ?? null, rxQueueBytes: k?.rxQueueBytes ?? null, ...this.net.socketInfo(s.plane), health: s.blocked ? 'blocked' : recent || peers.length === 0 ? 'ok' : 'silent' };
    });
  }

  /** The status document (GET /status). */
  status(): Record<string, unknown> {
    const s = this.replica.core.status();
    let nicCounters: Record<string, number> = {};
    let nicRegs: Record<string, number> = {};
    try {
      const names = ['ROLE', 'TERM', 'LEADER_ID', 'FAST_EN', 'LAST_INDEX', 'COMMIT_INDEX', 'APPLIED_INDEX', 'TERM_START', 'MEMBERS', 'QUORUM', 'PLANE_EN', 'STATUS'] as const;
      const v = this.dnic.nic.readCsrs(names.map((n) => Csr[`RAFT_${n}`]));
      nicRegs = Object.fromEntries(names.map((n, i) => [n, v[i]!]));
      const dbg = this.dnic.nic as unknown as Record<string, unknown>;
      if (process.env.NICRAFT_DEBUG === '1' && 'hLocked' in dbg) {
        const used = (k: string): number => (dbg[k] as { used: number }).used;
        nicRegs = { ...nicRegs, hLocked: Number(dbg.hLocked), hLockedSel: Number(dbg.hLockedSel), dlvUsed: used('dlv'), pntUsed: used('pnt'), evtUsed: used('evt'), dlvAsmLen: Number(dbg.dlvAsmLen), dlvBeat: Number(dbg.dlvBeat), oooValid: Number(dbg.oooValid), oooMin: Number(dbg.oooMin) };
      }
      const c = this.dnic.nic.readCounters();
      nicCounters = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Number(v)]));
      this.drain(); // the reads stepped the clock
    } catch { /* stopped */ }
    return {
      id: this.cfg.id, pid: process.pid, uptimeMs: Date.now() - this.startedAt, backend: this.cfg.nic.backend, seed: this.seed,
      role: s.role, term: s.term, lead: s.lead, vote: s.vote, commit: s.commit, applied: this.replica.kv.appliedIndex, lastIndex: s.lastIndex,
      fastPath: s.fastPath, recovering: s.recovering, voters: s.voters,
      refused: { ...s.refused },
      leases: s.leases,
      kernelFilter: this.kernelFilter ? { sampleEvery: this.cfg.net.kernelFilterSample } : null,
      rejoining: this.storage.rejoining, rejoin: { ...this.rejoin, target: this.rejoinTarget ?? null },
      durableIndex: this.replica.core.durableIndex(),
      localReads: this.cfg.localReads,
      syncRate: { ...this.syncRate },
      entriesPerSync: { bounds: [...ENTRIES_PER_SYNC_BOUNDS], counts: [...this.storage.entriesPerSync], sum: this.storage.stats.syncedEntries },
      planes: this.planeHealth(),
      hostUdp: hostUdpCounters(),
      clientsKnown: this.net.knownClients(),
      nicCycle: this.dnic.nic.cycle,
      nicRegisters: nicRegs,
      ...(process.env.NICRAFT_DEBUG === '1' ? { debug: this.coreDebug() } : {}),
      counters: {
        replica: { ...this.replica.stats, punts: { ...this.replica.stats.punts } },
        codec: { ...this.replica.codec.stats },
        storage: { ...this.storage.stats },
        reads: { ...this.reads, follower: this.replica.followerReads.served, refused: this.reads.refused + this.replica.followerReads.refused, log: this.replica.stats.logGets },
        driver: { ...this.driver },
        nic: nicCounters as Partial<Record<CounterName, number>>,
      },
    };
  }

  /** Core internals for debugging (NICRAFT_DEBUG=1): read-only, not a stable format (the core's private fields). */
  private coreDebug(): Record<string, unknown> {
    try {
      return this.coreDebugUnsafe();
    } catch (e) {
      return { error: (e as Error).message };
    }
  }

  private coreDebugUnsafe(): Record<string, unknown> {
    const c = this.replica.core as unknown as Record<string, unknown>;
    const t = c.tracker as { progress: Map<number, Record<string, unknown>> };
    const prog: Record<string, unknown> = {};
    for (const [id, p] of t.progress) prog[id] = { match: p.match, next: p.next, state: p.state, probeSent: p.probeSent, inflight: (p.inflight as number[]).length, durable: p.durable, nicMatch: p.nicMatch };
    const pick = ['reconciledTerm', 'synced', 'syncing', 'fastOn', 'nicLast', 'stableIndex', 'proposing', 'lastRepairAsk', 'leaderLast', 'leadTransferee'];
    return {
      ...Object.fromEntries(pick.map((k) => [k, c[k]])),
      frameBuf: (c.frameBuf as Map<number, unknown>).size,
      frameBufMin: Math.min(...(c.frameBuf as Map<number, unknown>).keys()), frameBufMax: Math.max(...(c.frameBuf as Map<number, unknown>).keys()),
      frameBufNext: (c.frameBuf as Map<number, { term: number }>).get(this.replica.core.status().lastIndex + 1)?.term ?? null, syncWaiters: (c.syncWaiters as unknown[]).length, csrWaiters: (c.csrWaiters as unknown[]).length,
      logWaiters: (c.logWaiters as Map<number, unknown>).size, fetchWaiters: (c.fetchWaiters as unknown[]).length, appendWaiting: [...(c.appendWaiting as Set<number>)],
      progress: prog,
    };
  }

  private fatal(e: unknown): void {
    this.log.fatal({ err: (e as Error).stack ?? String(e) }, 'driver failed; stopping');
    void this.stop(1);
  }

  /** Graceful stop: timers and sockets closed, storage closed (every batch was already durable). */
  async stop(exitCode = 0): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.net.close();
    await new Promise<void>((res) => {
      if (!this.http) return res();
      this.http.close(() => res());
      this.http.closeAllConnections();
    });
    this.replica.close();
    this.storage.close();
    try { this.dnic.nic.close(); } catch { /* already closed */ }
    const s = this.replica.core.status();
    this.log.info({ exitCode, term: s.term, commit: s.commit, applied: this.replica.kv.appliedIndex }, 'stopped');
    this.onStopped?.(exitCode);
  }

  onStopped?: (exitCode: number) => void;
}
