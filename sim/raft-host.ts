// The control plane in the co-simulation: one `Replica` (ctrl/driver/replica.ts) per node as the
// Cluster's host software, with storage that survives crashes, and TypeScript KV clients (the real
// client library, ctrl/app/client.ts) attached to the fabric as external clients, recording a
// history for the linearizability checker.
//
//   const rc = new RaftCluster({ replicas: 3, planes: 2, seed: 7, kvClients: 4 });
//   rc.campaign(0); rc.run(us(200));            // node 0 (core id 1) leads
//   rc.startKvWorkload({ keys: 4 });  rc.run(us(2000));
//   rc.checkAgreement();  rc.history()  ...
//
// Node numbering: Cluster ports are 0..N-1; the control core numbers voters from 1 (0 means
// "none" in votes), so core id = port + 1, and the fabric is told so (nodeIdBase 1).

import { Cluster, DEFAULT_NIC, type ClusterConfig, type HostContext, type HostSoftware } from './cluster.js';
import { Replica, type NicTuning } from '../ctrl/driver/replica.js';
import { MemStorage } from '../ctrl/core/memstore.js';
import type { NodeId } from '../ctrl/core/types.js';
import { KvClient, type Outcome } from '../ctrl/app/client.js';
import { decodeHeader } from '../ctrl/wire/wire.gen.js';
import { HistoryRecorder, type JsonHistory } from '../ctrl/app/history.js';
import type { HostFrame } from '../ctrl/nic/nic.js';
import type { Entry } from '../ctrl/core/types.js';
import { crc32 } from '../ctrl/core/crc32.js';
import { entryIdentity } from '../ctrl/core/entry.js';
import { HostCore, type SoftwareCost } from './software-host.js';
import type { LocalRead } from '../ctrl/driver/replica.js';
import type { Nic } from '../ctrl/nic/nic.js';

/** mulberry32: the driver's seeded randomness for the cores (election timeouts). */
import { SeededRand } from '../ctrl/rand.js';
export { SeededRand };

export interface RaftOptions {
  /** minimum election timeout; the core draws from [T, 2T) (default 100 us) */
  electionTimeoutNs: number;
  /** host-level heartbeat of the leader (default 20 us) */
  heartbeatIntervalNs: number;
  /** the host driver's tick: progress read + core timers (default 5 us) */
  tickNs: number;
  tuning: Partial<NicTuning>;
  /** client ids answered by the leader's host at apply (default: the external clients only) */
  hostReplies?: (clientId: number) => boolean;
  key: Uint8Array;
  /**
   * Frame authentication (issue 16; docs/auth.md): each Replica installs the node and client keys
   * derived from these secrets (ReplicaOptions.frameAuth); external clients must then sign their REQs.
   */
  frameAuth?: { nodeSecret: Uint8Array; clientSecret: Uint8Array };
  preVote: boolean;
  leaseReads: boolean;
  /** replies wait until a quorum of replicas' storage holds the entry (survives a crash of all) */
  durableReplies: boolean;
  /** follower reads under leases (core followerReads; followers answer client gets: Replica serveReads) */
  followerReads?: boolean;
  /** follower replies (core config followerReplies: the cores write REPLY_MASK) */
  followerReplies?: boolean;
  /** the core's maxClockDrift (default 1e-4) */
  maxClockDrift?: number;
  /** leader reads take COMMIT_INDEX from the next tick's progress read (core readIndexAtTick) */
  readIndexAtTick?: boolean;
  /** NIC failure detection: the core's nicSilenceNs (0 or absent: off; the NIC's threshold is tuning.silenceCycles) */
  nicSilenceNs?: number;
  /** the core's armOnVote (default false) */
  armOnVote?: boolean;
  /**
   * Host CPU cost (the software path's model, sim/software-host.ts): each host has one core that
   * spends perFrameNs per frame it takes from its NIC or a host-path client, and per frame it sends;
   * what a batch sends leaves when the batch is done, and a busy core delays the next batch.
   * Absent: host software costs no time (as before).
   */
  hostCost?: SoftwareCost;
}

export const DEFAULT_RAFT: RaftOptions = {
  electionTimeoutNs: 100_000,
  heartbeatIntervalNs: 20_000,
  tickNs: 5_000,
  tuning: {},
  key: new TextEncoder().encode('nicraft-sim-cluster-key'),
  preVote: true,
  leaseReads: true,
  durableReplies: false,
};

/** Host-path gets one batch of the costed host takes at most (RaftOptions.hostCost). */
const HOST_GETS_PER_BATCH = 32;

/** One node's host: a Replica that dies with its node and restarts from its storage. */
export class RaftHost implements HostSoftware {
  replica?: Replica;
  readonly storage = new MemStorage();
  private gen = 0;
  private ctx?: HostContext;
  crashes = 0;
  restarts = 0;

  constructor(
    private readonly owner: RaftCluster,
    readonly port: number,
    private readonly opts: RaftOptions,
    private readonly voters: NodeId[],
    private readonly seed: number,
  ) {}

  get id(): NodeId {
    return this.port + 1;
  }

  private boot(ctx: HostContext): void {
    const rand = new SeededRand((this.seed * 0x9e3779b1 + this.port * 7919 + this.restarts * 104729) >>> 0);
    const r = new Replica({
      config: {
        id: ctx.nodeId, clusterId: 1, voters: this.voters, electionTimeoutNs: this.opts.electionTimeoutNs,
        heartbeatIntervalNs: this.opts.heartbeatIntervalNs, rand, preVote: this.opts.preVote, leaseReads: this.opts.leaseReads,
        followerReads: this.opts.followerReads ?? false, ...(this.opts.maxClockDrift !== undefined ? { maxClockDrift: this.opts.maxClockDrift } : {}),
        readIndexAtTick: this.opts.readIndexAtTick ?? false,
        ...(this.opts.nicSilenceNs ? { nicSilenceNs: this.opts.nicSilenceNs } : {}),
        ...(this.opts.armOnVote ? { armOnVote: true } : {}),
        ...(this.opts.followerReplies ? { followerReplies: true } : {}),
      },
      serveReads: this.opts.followerReads ?? false,
      clock: () => ctx.now() * this.owner.nsPerCycle,
      nic: this.costed ? this.costedNic(ctx) : ctx.nic,
      storage: this.storage,
      key: this.opts.key,
      tuning: this.owner.tuning,
      hostReplies: this.opts.hostReplies ?? ((c) => c > this.owner.trafficClients),
      durableReplies: this.opts.durableReplies,
      ...(this.opts.frameAuth ? { frameAuth: this.opts.frameAuth } : {}),
      log: (s) => ctx.log(s),
    });
    r.onRoleChange = (role, term) => this.owner.roleChanged(this.port, role, term);
    r.onEntryApplied = (e, nicCycle) => this.owner.ledgerApply(this.port, e, nicCycle);
    r.onApplied = (a) => this.owner.onCommandApplied?.(this.port, a.clientId, a.seq, a.index, a.duplicate);
    this.replica = r;
    const g = ++this.gen;
    const period = this.owner.nsPerCycle;
    const tickCycles = Math.max(1, Math.round(this.opts.tickNs / period));
    // ticks are staggered per node so hosts do not all read their NICs in the same cycle
    const first = ctx.now() + 1 + ((this.port * 37) % tickCycles);
    const loop = (at: number): void => {
      ctx.setTimer(at, () => {
        if (g !== this.gen || !this.replica) return;
        this.batch(ctx, 0, () => this.replica!.tick(ctx.now() * period));
        loop(ctx.now() + tickCycles);
      });
    };
    loop(first);
  }

  start(ctx: HostContext): void {
    this.ctx = ctx;
    this.boot(ctx);
  }

  onHostFrames(ctx: HostContext, _frames: HostFrame[]): void {
    const frames = ctx.nic.pollHost();
    if (!this.costed) {
      this.replica?.onHostFrames(frames);
      return;
    }
    this.inbox.push({ frames });
    this.pump(ctx);
  }

  // ---- host CPU cost (RaftOptions.hostCost) ------------------------------------------------------

  private get costed(): boolean { return !!this.opts.hostCost; }
  private cpuCore?: HostCore;
  private get cpu(): HostCore { return (this.cpuCore ??= new HostCore(this.opts.hostCost ?? { perFrameNs: 0 })); }
  private busyUntil = 0;
  private pumpAt = -1;
  private inbox: Array<{ frames?: HostFrame[]; get?: { key: string; done: (r: LocalRead) => void } }> = [];
  /** frames the current batch sends (they leave when it is done), and replies to host-path clients */
  private outFrames: Uint8Array[] = [];
  private outReplies: Array<() => void> = [];
  private inBatch = false;
  /** host-path gets taken, and CPU cycles spent (utilisation) */
  readonly hostGets = { taken: 0 };

  get busyCycles(): number { return this.cpu.busyCycles; }

  /** The NIC as the Replica sees it: frames it sends wait for the end of the batch. */
  private costedNic(ctx: HostContext): Nic {
    const inner = ctx.nic;
    const send = (frames: Uint8Array | readonly Uint8Array[]): void => {
      const list = frames instanceof Uint8Array ? [frames] : frames;
      if (this.inBatch) this.outFrames.push(...list);
      else inner.sendHost(frames);
    };
    return new Proxy(inner, {
      get(t, p) {
        if (p === 'sendHost') return send;
        const v = (t as unknown as Record<string | symbol, unknown>)[p];
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
  }

  /** Runs host work that took `inputs` frames; charges them and what it sends; outputs leave when done. */
  private batch(ctx: HostContext, inputs: number, fn: () => void): void {
    if (!this.costed) { fn(); return; }
    this.inBatch = true;
    try { fn(); } finally { this.inBatch = false; }
    const frames = this.outFrames;
    const replies = this.outReplies;
    this.outFrames = [];
    this.outReplies = [];
    const n = inputs + frames.length + replies.length;
    if (n === 0) return;
    const done = this.cpu.run(ctx.now(), n);
    this.busyUntil = done;
    const flush = (): void => {
      if (frames.length) ctx.nic.sendHost(frames);
      for (const r of replies) r();
    };
    if (done <= ctx.now()) flush();
    else ctx.setTimer(done, flush);
  }

  /** Takes everything waiting once the core is free. */
  private pump(ctx: HostContext): void {
    if (!this.replica) { this.inbox = []; return; }
    const now = ctx.now();
    if (now < this.busyUntil) {
      if (this.pumpAt !== this.busyUntil) {
        this.pumpAt = this.busyUntil;
        const g = this.gen;
        ctx.setTimer(this.busyUntil, () => { if (g === this.gen) this.pump(ctx); });
      }
      return;
    }
    // what the NIC handed over (control messages, committed entries) first, then at most
    // HOST_GETS_PER_BATCH client gets (a DPDK-style loop polls its control queue first; a burst of
    // gets must not hold back the heartbeat answers that keep the leases alive)
    const items = this.inbox.filter((i) => i.frames);
    const gets = this.inbox.filter((i) => i.get);
    items.push(...gets.slice(0, HOST_GETS_PER_BATCH));
    this.inbox = gets.slice(HOST_GETS_PER_BATCH);
    if (items.length === 0) return;
    if (this.inbox.length) {
      const g = this.gen;
      ctx.setTimer(now + 1, () => { if (g === this.gen) this.pump(ctx); });
    }
    const r = this.replica;
    const frames: HostFrame[] = [];
    let inputs = 0;
    for (const it of items) if (it.frames) { frames.push(...it.frames); inputs += it.frames.length; }
    this.batch(ctx, inputs + items.filter((i) => i.get).length, () => {
      if (frames.length) r.onHostFrames(frames);
      for (const it of items) {
        if (!it.get) continue;
        const { key, done } = it.get;
        this.hostGets.taken++;
        r.readLocal(key, (res) => {
          // the reply is a frame this host sends: it leaves with the batch that produced it
          if (this.inBatch) this.outReplies.push(() => done(res));
          else {
            const at = this.cpu.run(ctx.now(), 1);
            ctx.setTimer(at, () => done(res));
          }
        });
      }
    });
  }

  /**
   * A client's get through the host path (the daemon's way: the request reaches the host software,
   * not the NIC's sequencer): answered by Replica.readLocal (a leader's lease read or ReadIndex, a
   * follower's read under its lease, or refused); `done` runs when the reply leaves the host.
   */
  hostGet(ctx: HostContext, key: string, done: (r: LocalRead) => void): void {
    if (!this.replica) { done({ value: undefined, via: 'refused', index: -1 }); return; }
    if (!this.costed) { this.replica.readLocal(key, done); return; }
    this.inbox.push({ get: { key, done } });
    this.pump(ctx);
  }

  onCrash(ctx: HostContext): void {
    this.crashes++;
    this.replica?.close();
    this.replica = undefined;
    this.gen++;
    ctx.nic.pollHost();
    ctx.log(`host n${ctx.nodeId}: crashed with its NIC (storage keeps ${this.storage.saves} batches)`);
  }

  onRestart(ctx: HostContext): void {
    this.restarts++;
    ctx.nic.pollHost();
    ctx.log(`host n${ctx.nodeId}: restarting from storage`);
    this.boot(ctx);
  }

  /** @internal */
  context(): HostContext {
    if (!this.ctx) throw new Error('RaftHost: not started');
    return this.ctx;
  }
}

export interface KvWorkload {
  /** keys the clients pick from (default 3) */
  keys: number;
  /** share of reads (get), the rest: put 50%, append 25%, cas 25% of the writes (default 0.3) */
  readShare: number;
  /** attempt timeout of the client library (default 60 us) and attempts per op (default 6) */
  attemptTimeoutNs: number;
  maxAttempts: number;
  /** think time between ops per client (default 2 us) */
  thinkNs: number;
  /** stop issuing new ops after this many per client (0: until stopKvWorkload) */
  opsPerClient: number;
  /** where gets go first (KvClient readFrom; default 'leader') */
  readFrom?: 'leader' | 'any';
}

interface SimClient {
  k: number;
  clientId: number;
  kv: KvClient;
  busy: boolean;
  nextAt: number;
  done: number;
  plane: number;
  rand: SeededRand;
}

export interface RaftClusterConfig extends Omit<ClusterConfig, 'host' | 'nodeIdBase' | 'externalClients' | 'keepCommitted'> {
  raft?: Partial<RaftOptions>;
  /** TypeScript KV clients (external clients of the fabric) */
  kvClients?: number;
  /** more external client endpoints after the KV clients, driven by the caller (clientSend/clientPoll of `cluster`) */
  rawClients?: number;
  /** bootstrap voters: nodes 1..voters (default: every replica); the others start as non-members */
  voters?: number;
}

export class RaftCluster {
  readonly cluster: Cluster;
  readonly hosts: RaftHost[] = [];
  readonly nsPerCycle: number;
  readonly trafficClients: number;
  readonly opts: RaftOptions;
  /** the fast-path settings every replica writes (cluster nic settings, then raft.tuning) */
  readonly tuning: NicTuning;
  readonly roleLog: string[] = [];
  /** leader (port) and the cycle it became leader, in order */
  readonly leaderChanges: Array<{ port: number; term: number; cycle: number }> = [];
  private clients: SimClient[] = [];
  private workload?: KvWorkload;
  /** the key count of the last workload (the final reads cover every key even after a stop) */
  private lastKeys = 3;
  private recorder: HistoryRecorder;
  private counter = 0;
  readonly outcomes = { ok: 0, fail: 0, indeterminate: 0 };
  readonly indeterminateReasons: string[] = [];
  /** acknowledged writes: key -> values that a client saw acknowledged (put/append/cas ok) */
  readonly ackedWrites: Array<{ key: string; op: string; value: string }> = [];
  /** workload gets by who answered them (KvClient Outcome.path) */
  readonly readPaths = { leader: 0, replica: 0 };

  constructor(readonly cfg: RaftClusterConfig) {
    this.opts = { ...DEFAULT_RAFT, ...(cfg.raft ?? {}) };
    this.tuning = { ...DEFAULT_NIC, ...(cfg.nic ?? {}), ...this.opts.tuning };
    const clockMHz = cfg.network?.clockMHz ?? 250;
    this.nsPerCycle = 1000 / clockMHz;
    this.trafficClients = cfg.workload?.clients ?? 1;
    const voters = Array.from({ length: cfg.voters ?? cfg.replicas }, (_, i) => i + 1);
    const allNodes = Array.from({ length: cfg.replicas }, (_, i) => i + 1);
    this.recorder = new HistoryRecorder({ model: 'kv', clock: () => Math.round(this.cluster.cycle * this.nsPerCycle) });
    const self = this;
    this.cluster = new Cluster({
      ...cfg,
      nodeIdBase: 1,
      externalClients: (cfg.kvClients ?? 0) + (cfg.rawClients ?? 0),
      keepCommitted: true,
      nic: { ...(cfg.nic ?? {}) },
      host: (port) => {
        const h = new RaftHost(self, port, self.opts, voters, cfg.seed);
        self.hosts.push(h);
        return h;
      },
    });
    for (let k = 0; k < (cfg.kvClients ?? 0); k++) {
      const clientId = this.trafficClients + k + 1;
      const c: SimClient = {
        k, clientId, busy: false, nextAt: 0, done: 0, plane: k % cfg.planes, rand: new SeededRand((cfg.seed * 31 + k * 1013) >>> 0),
        kv: undefined as unknown as KvClient,
      };
      c.kv = new KvClient({
        clientId, clusterId: 1, nodes: allNodes, attemptTimeoutNs: 60_000, maxAttempts: 6,
        transport: {
          send: (_to, frame) => {
            // one plane per attempt, rotating: a retry goes out on the next plane
            this.cluster.clientSend(k, c.plane, frame);
            c.plane = (c.plane + 1) % cfg.planes;
          },
        },
      });
      this.clients.push(c);
    }
    this.cluster.addPoller(() => this.pollClients());
  }

  get cycle(): number {
    return this.cluster.cycle;
  }
  us(n: number): number {
    return Math.round((n * 1000) / this.nsPerCycle);
  }

  /** @internal */
  /** a client command applied by the KV store of node `port` (duplicate: answered from its session, not executed again) */
  onCommandApplied?: (port: number, clientId: number, seq: number, index: number, duplicate: boolean) => void;

  roleChanged(port: number, role: string, term: number): void {
    const cycle = this.cluster ? this.cluster.cycle : 0; // undefined while the Cluster boots its hosts
    this.roleLog.push(`${cycle} n${port + 1} ${role} t${term}`);
    if (role === 'leader') {
      this.leaderChanges.push({ port, term, cycle });
      this.cluster?.announceLeader(port);
    }
  }

  /** index -> the entry every replica applied there (term, crc, first node); violations found */
  readonly ledger = new Map<number, { term: number; crc: number; node: number }>();
  readonly ledgerViolations: string[] = [];
  /** @internal state-machine safety across time: no two applications of different entries at an index, by any node, ever */
  /** term -> the first entry of that term its leader's NIC committed (the cycle it delivered it) */
  readonly firstCommit = new Map<number, { port: number; index: number; nicCycle: number }>();

  ledgerApply(port: number, e: Entry, nicCycle?: number): void {
    if (nicCycle !== undefined && !this.firstCommit.has(e.term)) {
      const r = this.hosts[port]?.replica;
      if (r && r.core.role === 'leader' && r.core.term === e.term) this.firstCommit.set(e.term, { port, index: e.index, nicCycle });
    }
    const crc = crc32(entryIdentity(e.frame));
    const prev = this.ledger.get(e.index);
    if (!prev) this.ledger.set(e.index, { term: e.term, crc, node: port + 1 });
    else if (prev.term !== e.term || prev.crc !== crc) {
      if (this.ledgerViolations.length < 20) this.ledgerViolations.push(`n${port + 1} applied ${e.index}/t${e.term} but n${prev.node} applied ${e.index}/t${prev.term} (crc ${crc} vs ${prev.crc})`);
    }
  }

  /** The live leader with the highest term (port), or -1. */
  leader(): number {
    let best = -1;
    let term = -1;
    this.hosts.forEach((h, i) => {
      const r = h.replica;
      if (r && r.core.role === 'leader' && r.core.term > term) { best = i; term = r.core.term; }
    });
    return best;
  }

  /** Node `port` starts an election now. */
  campaign(port: number): void {
    this.hosts[port]!.replica?.request({ kind: 'campaign' });
  }

  run(cycles: number): void {
    this.cluster.run(cycles);
  }
  runUntil(pred: () => boolean, limitCycles: number, stepCycles = 500): boolean {
    return this.cluster.runUntil(pred, limitCycles, stepCycles);
  }

  /** Starts the TypeScript KV clients (each one op at a time, with think time). */
  startKvWorkload(w: Partial<KvWorkload> = {}): void {
    this.workload = { keys: 3, readShare: 0.3, attemptTimeoutNs: 60_000, maxAttempts: 20, thinkNs: 2_000, opsPerClient: 0, ...w };
    this.lastKeys = this.workload.keys;
    for (const c of this.clients) {
      (c.kv as unknown as { o: { attemptTimeoutNs: number; maxAttempts: number } }).o.attemptTimeoutNs = this.workload.attemptTimeoutNs;
      (c.kv as unknown as { o: { attemptTimeoutNs: number; maxAttempts: number } }).o.maxAttempts = this.workload.maxAttempts;
      (c.kv as unknown as { o: { readFrom?: 'leader' | 'any' } }).o.readFrom = this.workload.readFrom ?? 'leader';
      c.nextAt = this.cluster.cycle;
    }
  }
  stopKvWorkload(): void {
    this.workload = undefined;
  }
  /** Clients with an operation in flight. */
  busyClients(): number {
    return this.clients.filter((c) => c.busy).length;
  }

  private pollClients(): void {
    const nowNs = this.cluster.cycle * this.nsPerCycle;
    for (const c of this.clients) {
      for (const f of this.cluster.clientPoll(c.k)) {
        if (f.badFcs) continue;
        c.kv.receive(f.frame, nowNs);
      }
      c.kv.tick(nowNs);
      const w = this.workload;
      if (w && !c.busy && this.cluster.cycle >= c.nextAt && (w.opsPerClient === 0 || c.done < w.opsPerClient)) this.issue(c, w);
    }
  }

  private issue(c: SimClient, w: KvWorkload): void {
    const key = `k${c.rand.int(w.keys)}`;
    const x = c.rand.next();
    const val = `${c.clientId}.${++this.counter}`;
    const te = new TextEncoder();
    const td = new TextDecoder();
    c.busy = true;
    const finish = (): void => {
      c.busy = false;
      c.done++;
      c.nextAt = this.cluster.cycle + Math.round(w.thinkNs / this.nsPerCycle);
    };
    const tally = (o: Outcome): void => {
      if (o.kind === 'ok') this.outcomes.ok++;
      else if (o.kind === 'failed') this.outcomes.fail++;
      else {
        this.outcomes.indeterminate++;
        this.indeterminateReasons.push(`${this.cluster.cycle} c${c.clientId}: ${o.reason}`);
      }
    };
    if (x < w.readShare) {
      const id = this.recorder.invoke(c.clientId, { op: 'get', key });
      c.kv.invoke({ op: 'get', key }, (o) => {
        tally(o);
        if (o.kind === 'ok' && o.path !== 'follower') this.readPaths[o.path]++;
        if (o.kind === 'ok') this.recorder.ok(id, o.reply.value ? td.decode(o.reply.value) : null);
        else if (o.kind === 'failed') this.recorder.fail(id);
        else this.recorder.info(id);
        finish();
      });
      return;
    }
    const y = (x - w.readShare) / (1 - w.readShare);
    if (y < 0.5) {
      const id = this.recorder.invoke(c.clientId, { op: 'put', key, value: val });
      c.kv.invoke({ op: 'put', key, value: te.encode(val) }, (o) => {
        tally(o);
        if (o.kind === 'ok') { this.recorder.ok(id); this.ackedWrites.push({ key, op: 'put', value: val }); }
        else if (o.kind === 'failed') this.recorder.fail(id);
        else this.recorder.info(id);
        finish();
      });
    } else if (y < 0.75) {
      const v = ` ${val}`;
      const id = this.recorder.invoke(c.clientId, { op: 'append', key, value: v });
      c.kv.invoke({ op: 'append', key, value: te.encode(v) }, (o) => {
        tally(o);
        if (o.kind === 'ok') { this.recorder.ok(id); this.ackedWrites.push({ key, op: 'append', value: v }); }
        else if (o.kind === 'failed') this.recorder.fail(id);
        else this.recorder.info(id);
        finish();
      });
    } else {
      // cas from the value this client last read is unknown here: cas from absent (null) or a recent value
      const expected = c.rand.int(2) === 0 ? null : `${c.clientId}.${Math.max(1, this.counter - c.rand.int(4))}`;
      const id = this.recorder.invoke(c.clientId, { op: 'cas', key, value: [expected, val] });
      c.kv.invoke({ op: 'cas', key, expected: expected === null ? null : te.encode(expected), value: te.encode(val) }, (o) => {
        tally(o);
        if (o.kind === 'ok') {
          if (o.reply.status === 0) { this.recorder.ok(id); this.ackedWrites.push({ key, op: 'cas', value: val }); }
          else this.recorder.fail(id);
        } else if (o.kind === 'failed') this.recorder.fail(id);
        else this.recorder.info(id);
        finish();
      });
    }
  }

  /**
   * Stops the workload (and the C++ traffic generators), waits for the clients' operations in flight, then reads every key once
   * (recorded in the history): a lost acknowledged write shows up as a non-linearizable read.
   * Returns false if the reads did not finish within limitCycles.
   */
  finish(limitCycles: number): boolean {
    const keys = this.workload?.keys ?? this.lastKeys;
    this.stopKvWorkload();
    this.cluster.stopTraffic();
    if (!this.runUntil(() => this.busyClients() === 0, limitCycles)) return false;
    const c = this.clients[0];
    if (!c) return true;
    let pending = keys;
    const td = new TextDecoder();
    for (let k = 0; k < keys; k++) {
      const key = `k${k}`;
      const id = this.recorder.invoke(c.clientId, { op: 'get', key });
      c.busy = true;
      c.kv.invoke({ op: 'get', key }, (o) => {
        if (o.kind === 'ok') this.recorder.ok(id, o.reply.value ? td.decode(o.reply.value) : null);
        else if (o.kind === 'failed') this.recorder.fail(id);
        else this.recorder.info(id);
        if (--pending === 0) c.busy = false;
      });
    }
    return this.runUntil(() => pending === 0, limitCycles);
  }

  /** A read at node `port` without the log (lease or ReadIndex), recorded in the history. */
  readAt(port: number, key: string, done?: (via: string) => void): void {
    const r = this.hosts[port]?.replica;
    const id = this.recorder.invoke(1000 + port, { op: 'get', key });
    if (!r) { this.recorder.fail(id); done?.('down'); return; }
    r.readLocal(key, (res) => {
      if (res.via === 'refused') this.recorder.fail(id);
      else this.recorder.ok(id, res.value ? new TextDecoder().decode(res.value) : null);
      this.readsVia[res.via] = (this.readsVia[res.via] ?? 0) + 1;
      done?.(res.via);
    });
  }
  readonly readsVia: Record<string, number> = {};

  history(): JsonHistory {
    return this.recorder.toHistory();
  }
  historyJson(): string {
    return this.recorder.toJSON();
  }

  /**
   * Agreement of the live replicas: every pair's applied logs agree on their common prefix (term and
   * entry CRC per index), and replicas that applied the same prefix hold the same KV state.
   * Returns a description of the first disagreement, or undefined.
   */
  checkAgreement(): string | undefined {
    const live = this.hosts.filter((h) => h.replica).map((h) => h.replica!);
    for (let a = 0; a < live.length; a++) {
      for (let b = a + 1; b < live.length; b++) {
        const x = live[a]!;
        const y = live[b]!;
        const n = Math.min(x.appliedTerms.length, y.appliedTerms.length);
        for (let i = 1; i < n; i++) {
          if (x.appliedTerms[i] === -1 || y.appliedTerms[i] === -1) continue; // covered by a snapshot
          if (x.appliedTerms[i] !== y.appliedTerms[i] || x.appliedCrcs[i] !== y.appliedCrcs[i]) {
            return `n${x.id} and n${y.id} applied different entries at ${i}: t${x.appliedTerms[i]}/${x.appliedCrcs[i]} vs t${y.appliedTerms[i]}/${y.appliedCrcs[i]}`;
          }
        }
      }
    }
    return undefined;
  }

  /** Applied index per live replica (-1 for a crashed node). */
  appliedIndexes(): number[] {
    return this.hosts.map((h) => (h.replica ? h.replica.kv.appliedIndex : -1));
  }

  /** KV snapshots (deterministic bytes, base64) of the live replicas (of `ports` only, if given). */
  kvStates(ports?: number[]): string[] {
    return this.hosts
      .filter((h, i) => h.replica && (!ports || ports.includes(i)))
      .map((h) => Buffer.from(h.replica!.kv.snapshot()).toString('base64'));
  }

  statusLines(): string[] {
    return this.hosts.map((h) => {
      const r = h.replica;
      if (!r) return `n${h.id}: down`;
      const s = r.core.status();
      return `n${h.id}: ${s.role} term=${s.term} lead=${s.lead} last=${s.lastIndex} commit=${s.commit} applied=${s.applied} fast=${s.fastPath ? 1 : 0}${s.recovering ? ' recovering' : ''}`;
    });
  }

  /** Decoded header of a frame (for tests). */
  static header(f: Uint8Array): ReturnType<typeof decodeHeader> {
    return decodeHeader(f);
  }

  destroy(): void {
    this.cluster.destroy();
  }
}
