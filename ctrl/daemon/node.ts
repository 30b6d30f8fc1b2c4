// The real-time driver: one replica (ctrl/driver/replica.ts) next to its NIC, as a long-lived
// process. Wall clock, UDP sockets per plane (planes.ts), the write-ahead log on disk
// (file-storage.ts), the OS's randomness (seeded once, logged), pino logs, an HTTP status
// endpoint (status.ts), graceful stop on SIGTERM.
//
// The NIC clock (a simulated backend's cycles) moves only when the driver steps it:
//   * after input (frames from the plane sockets): in quanta of `settleQuantumCycles` until the NIC
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
import { Csr, type CounterName } from '../wire/wire.gen.js';
import type { HostFrame } from '../nic/nic.js';
import { createNic, type DaemonNic } from './backend.js';
import { formatEndpoint, type NodeConfig } from './config.js';
import { FileStorage } from './file-storage.js';
import { bindUdp, PlaneNet, type PlaneStats } from './planes.js';
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
}

export interface PlaneHealth extends PlaneStats {
  /** ok: a frame from a peer arrived within two election timeouts; blocked: cut by /debug/planes; silent: nothing heard */
  health: 'ok' | 'blocked' | 'silent';
  lastRxAgoMs: Record<number, number | null>;
}

export class NodeDaemon implements StatusSource {
  readonly startedAt = Date.now();
  readonly seed: number;
  readonly driver: DriverStats = { pumps: 0, ticks: 0, settleCycles: 0, tickCycles: 0, settleCapped: 0, hostFrames: 0, hostBatches: 0, snapshots: 0, busyNs: 0 };
  readonly replica: Replica;
  readonly storage: FileStorage;
  private readonly net: PlaneNet;
  private readonly dnic: DaemonNic;
  private readonly rx: Uint8Array[][];
  private pumpScheduled = false;
  private timer?: NodeJS.Timeout;
  private http?: Server;
  private stopped = false;
  private readonly t0 = process.hrtime.bigint();
  private lastSnapshotIndex = 0;
  private inPump = false;

  private constructor(readonly cfg: NodeConfig, readonly log: Logger, sockets: Socket[], dnic: DaemonNic, seed: number) {
    this.seed = seed;
    this.dnic = dnic;
    const nic = dnic.nic;
    this.rx = sockets.map(() => []);
    this.net = new PlaneNet(cfg.id, cfg.members, sockets);
    this.net.onError = (plane, err) => log.warn({ plane, err: err.message }, 'plane socket error');
    // storage: replays the log; a torn or corrupt tail is cut off and reported here
    this.storage = new FileStorage(cfg.dataDir, {
      fsync: cfg.storage.fsync,
      onTail: (t) => log.warn({ wal: this.storage.path, ...t }, `WAL: ${t.tail} tail truncated: ${t.droppedBytes} bytes after ${t.records} good records (offset ${t.validBytes}) cut off, not applied`),
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
      },
      nic,
      storage: this.storage,
      key: Buffer.from(cfg.key, 'hex'),
      tuning: { ackCount: cfg.nic.ackCount, ackDelayCycles: cfg.nic.ackDelayCycles, hbIntervalCycles: cfg.nic.hbIntervalCycles, hbCommitDelayCycles: cfg.nic.hbCommitDelayCycles },
      durableReplies: cfg.durableReplies,
      batchHostFrames: true,
      keepAppliedLog: false,
      log: (line) => log.debug({ src: 'replica' }, line),
    });
    const r = this.storage.lastReplay;
    const st = this.replica.core.status();
    log.info({ wal: this.storage.path, records: r?.records ?? 0, bytes: r?.validBytes ?? 0, tail: r?.tail ?? 'clean', term: st.term, commit: st.commit, lastIndex: st.lastIndex, applied: this.replica.kv.appliedIndex, recovering: st.recovering }, 'WAL replayed');
    this.lastSnapshotIndex = this.storage.lastReplay?.state.snapshot?.index ?? 0;
    this.replica.onRoleChange = (role, term) => log.info({ role, term, lead: this.replica.core.lead }, `role ${role} term ${term}`);
    this.net.onFrame = (plane, frame) => {
      this.rx[plane]!.push(frame);
      if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        setImmediate(() => this.pump());
      }
    };
  }

  /**
   * Starts a node: binds its plane sockets and status endpoint first (nothing is written if that
   * fails), then opens its storage, creates its NIC and starts the clock.
   */
  static async start(cfg: NodeConfig, log: Logger): Promise<NodeDaemon> {
    const self = cfg.members.find((m) => m.id === cfg.id)!;
    const mi = cfg.members.indexOf(self);
    const sockets: Socket[] = [];
    let http: Server | undefined;
    let daemon: NodeDaemon | undefined;
    try {
      for (let p = 0; p < cfg.planes; p++) sockets.push(await bindUdp(self.planes[p]!, `members[${mi}].planes[${p}]`));
      let ref: NodeDaemon | undefined;
      if (self.http) http = await listenStatus(self.http, `members[${mi}].http`, () => ref, cfg.debug.planeControl);
      const seed = randomBytes(4).readUInt32LE(0);
      const dnic = await createNic(cfg.nic.backend, cfg.planes);
      log.info({ id: cfg.id, backend: cfg.nic.backend, planes: self.planes.map(formatEndpoint), http: self.http ? formatEndpoint(self.http) : null, seed, dataDir: cfg.dataDir, members: cfg.members.map((m) => m.id) }, `node ${cfg.id} starting (seed ${seed})`);
      daemon = new NodeDaemon(cfg, log, sockets, dnic, seed);
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

  private scheduleTick(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(), this.cfg.timing.tickMs);
  }

  private tick(): void {
    if (this.stopped) return;
    const t0 = process.hrtime.bigint();
    try {
      this.driver.ticks++;
      this.dnic.nic.step(this.cfg.nic.tickCycles);
      this.driver.tickCycles += this.cfg.nic.tickCycles;
      this.drain();
      this.replica.tick(this.nowNs());
      this.settle();
      this.maybeSnapshot();
    } catch (e) {
      this.fatal(e);
      return;
    }
    this.driver.busyNs += Number(process.hrtime.bigint() - t0);
    this.scheduleTick();
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
      for (let p = 0; p < this.rx.length; p++) {
        const q = this.rx[p]!;
        if (q.length) {
          nic.pushRx(p, q);
          this.rx[p] = [];
        }
      }
      this.settle();
    } catch (e) {
      this.fatal(e);
    } finally {
      this.inPump = false;
      this.driver.busyNs += Number(process.hrtime.bigint() - t0);
    }
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
    this.replica.request({ kind: 'compact', index, data: kv.snapshot() });
    this.lastSnapshotIndex = index;
    this.driver.snapshots++;
    this.log.info({ index }, `snapshot at ${index}`);
    this.settle();
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
    return this.net.stats.map((s) => {
      const ago: Record<number, number | null> = {};
      let recent = false;
      for (const p of peers) {
        const t = s.lastRxMs[p];
        ago[p] = t === undefined ? null : now - t;
        if (t !== undefined && now - t <= window) recent = true;
      }
      return { ...s, lastRxMs: { ...s.lastRxMs }, lastRxAgoMs: ago, health: s.blocked ? 'blocked' : recent || peers.length === 0 ? 'ok' : 'silent' };
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
      durableIndex: this.replica.core.durableIndex(),
      planes: this.planeHealth(),
      clientsKnown: this.net.knownClients(),
      nicCycle: this.dnic.nic.cycle,
      nicRegisters: nicRegs,
      ...(process.env.NICRAFT_DEBUG === '1' ? { debug: this.coreDebug() } : {}),
      counters: {
        replica: { ...this.replica.stats, punts: { ...this.replica.stats.punts } },
        codec: { ...this.replica.codec.stats },
        storage: { ...this.storage.stats },
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
