// Chain replication with reconfiguration in the co-simulated cluster (docs/replication-modes.md):
// the RTL NICs of sim/cluster.ts, each node's host running the chain node procedure
// (ctrl/chain/node.ts), and the chain master (ctrl/chain/master.ts) beside them on the control
// network. The traffic generators' clients send to the head the master announces and retry
// unanswered requests; the tail answers.
//
// The control network (beats, the master's commands and the nodes' answers, catch-up entries) is
// modelled as a fixed one-way delay (`ctlDelayNs`, plus the entries' bytes at `ctlGbps`); it is not
// subject to the data network's faults (a separate management network): a node cut off by a data
// partition keeps beating, so its chain waits for the partition to heal (go-back-N repairs the gap).
// Crashes (FaultSpec 'crash', with `until` for a restart) reach the hosts; a crashed node's host keeps
// what it persisted (the entries its NIC delivered as committed, its epoch, its incarnation).
//
// `check()` is the oracle of the chain fault campaigns (verify/fuzz/chain.ts): every node's persisted
// log agrees with every other at every index (one log), every reply a NIC sent (taken off the wire
// tap) names the entry the log holds at the index it names, nothing is delivered out of order, the
// master never met a log longer than its new head's, and every request was answered once the faults
// ended (clients retry; a retry sequenced again is a second entry the application skips: exactly-once
// by (client, seq), counted as `duplicates`).
import { Cluster, type ClusterConfig, type FaultSpec, type HostContext, type HostSoftware, type NicSettings, periodPs, DEFAULT_NETWORK } from './cluster.js';
import type { HostFrame } from '../ctrl/nic/nic.js';
import { ChainMaster, type ChainCmd, type ChainMasterDurable, type ChainMasterOptions, type ChainReply } from '../ctrl/chain/master.js';
import { ChainNode } from '../ctrl/chain/node.js';
import type { CounterName } from '../ctrl/wire/wire.gen.js';
import * as M_wire from '../ctrl/wire/wire.gen.js';
// imported bindings as module constants (per-frame paths; under vitest each use of an import is a getter call)
const { getClientId, getLogIndex, getSeq, getType } = M_wire;
const H_COMMITTED = M_wire.HostReason.COMMITTED, H_LEADER_SILENT = M_wire.HostReason.LEADER_SILENT, MT_REPLY = M_wire.MsgType.REPLY;

/**
 * NIC settings of a chain (the benchmark's CHAIN_NIC and the chain tests take them from here): ACKs
 * coalesced by 32 entries or 48 cycles (the tail's uplink also carries a REPLY per request), a long
 * go-back-N timeout (a node's view of its successor is what the whole chain below holds, which stalls
 * while a later hop repairs a gap; gaps are repaired by NACKs hop by hop).
 */
export const CHAIN_NIC_SETTINGS: NicSettings = { ackCount: 32, ackDelayCycles: 48, hbIntervalCycles: 1000, hbCommitDelayCycles: 32, ackGapCycles: 0, rtoCycles: 32768 };

export interface ChainControl {
  /** a node beats to the master this often (ns) */
  beatNs: number;
  /** the master takes a member out after this long without a beat (ns) */
  suspectNs: number;
  /** a reconfiguration round not complete after this long starts again (ns) */
  roundTimeoutNs: number;
  /** the master looks at beats and deadlines this often (ns) */
  tickNs: number;
  /** control network: one-way delay of a message, software included (ns) */
  ctlDelayNs: number;
  /** control network: catch-up bandwidth (Gb/s) */
  ctlGbps: number;
  /** NIC silence detection: SILENCE_CYCLES (0: off, beats alone) and the head's HB_INTERVAL with it */
  silenceCycles: number;
  hbIntervalCycles: number;
  /**
   * Read leases (ChainMasterOptions.readLeaseNs; 0: off): the master answers each member's beat with a
   * lease this long, under which the member's application answers reads without the log. More than
   * beatNs + 2 x ctlDelayNs (a renewal must come before the lease ends).
   */
  readLeaseNs: number;
}

export const DEFAULT_CHAIN_CONTROL: ChainControl = { beatNs: 2_000, suspectNs: 10_000, roundTimeoutNs: 200_000, tickNs: 1_000, ctlDelayNs: 2_000, ctlGbps: 25, silenceCycles: 0, hbIntervalCycles: 1000, readLeaseNs: 0 };

/**
 * The part of a cluster runtime a chain world uses: the RTL co-simulation (sim/cluster.ts `Cluster`)
 * or the ModelNic cluster (sim/model-cluster.ts). Built from a ClusterConfig whose `host` factory gives
 * each node its host software; traffic generators' clients with the config's workload (follower
 * replies, retries); `stats()` has at least offered, completed, retries; the tap keeps the frames that
 * entered the network from any endpoint.
 */
export interface ChainFabric {
  readonly cycle: number;
  run(cycles: number): void;
  runUntil(pred: () => boolean, limit: number, step?: number): boolean;
  stats(): Record<string, number>;
  addFault(f: FaultSpec): void;
  announceLeader(node: number): void;
  addPoller(fn: () => void): void;
  tap(keep: number): void;
  tapPoll(): Array<{ frame: Uint8Array; src: number; plane: number; cycle: number }>;
  nicCounters(): Array<Record<CounterName, bigint> | undefined>;
  destroy(): void;
}

/** An application on a chain node's host (for example the KV store): fed the persisted entries in order. */
export interface ChainApp {
  /** entries appended to the node's persisted log, from index `from` (ChainNodeEnv.persisted) */
  persisted(from: number, frames: readonly Uint8Array[]): void;
  /** host RX frames other than committed entries and silence events (punts: requests, control) */
  onHostFrames?(frames: HostFrame[]): void;
  /** the node crashed (its host process stopped) / restarted */
  onCrash?(): void;
  onRestart?(): void;
}

export interface ChainWorldConfig extends Omit<ClusterConfig, 'host' | 'keepCommitted' | 'replication'> {
  /** an application on each node's host (given the node's host context and its chain node) */
  app?: (node: number, ctx: HostContext, chain: ChainNode) => ChainApp;
  control?: Partial<ChainControl>;
  /** the cluster runtime (default: RTL NICs, `new Cluster(cfg)`) */
  fabric?: (cfg: ClusterConfig) => ChainFabric;
  /** a deliberate bug in the master (tests of the checks; ChainMasterOptions.mutation) */
  masterMutation?: 'no-lease-wait';
}

export interface ChainReplyRecord { client: number; seq: number; index: number; src: number; cycle: number }

export interface ChainCheck {
  ok: boolean;
  problems: string[];
  /** the agreed log's length (the longest persisted log) */
  logLength: number;
  replies: number;
  /** entries of a (client, seq) after its first (a retry sequenced again): skipped by the application */
  duplicates: number;
  offered: number;
  completed: number;
  reconfigurations: number;
  epoch: number;
  order: number[];
}

export class ChainWorld {
  readonly cluster: ChainFabric;
  /** the master (a new instance after each restart: crashMaster) */
  master: ChainMaster;
  /** the master process runs (crashMaster: down; beats, answers and reports sent to it meanwhile are lost) */
  masterUp = true;
  /** the master's stable storage: durable() after every call, written before its commands go out */
  masterStore: ChainMasterDurable;
  private readonly masterOptions: Omit<ChainMasterOptions, 'order' | 'epoch' | 'startNs'>;
  readonly nodes: ChainNode[] = [];
  /** the application on each node's host (ChainWorldConfig.app) */
  readonly apps: ChainApp[] = [];
  readonly control: ChainControl;
  readonly replies: ChainReplyRecord[] = [];
  /** master events and node notes with their cycle */
  readonly events: string[] = [];
  /** each configuration installed after the first: epoch, cycle, order, the common last index it started from */
  readonly installs: Array<{ epoch: number; cycle: number; order: number[]; last: number }> = [];
  private readonly nsPerCycle: number;
  private readonly up: boolean[];
  /** a host context: timers and time before the cluster object exists (hosts start inside its constructor) */
  private ctx0!: HostContext;

  constructor(readonly cfg: ChainWorldConfig) {
    this.control = { ...DEFAULT_CHAIN_CONTROL, ...(cfg.control ?? {}) };
    const k = this.control;
    for (const f of ['beatNs', 'suspectNs', 'roundTimeoutNs', 'tickNs', 'ctlDelayNs', 'ctlGbps'] as const) {
      if (!(k[f] > 0)) throw new Error(`chain control: ${f} must be > 0 (got ${k[f]})`);
    }
    // a beat takes ctlDelayNs to arrive and comes every beatNs: a live node must never look silent
    if (k.suspectNs < 2 * (k.beatNs + k.ctlDelayNs)) {
      throw new Error(`chain control: suspectNs (${k.suspectNs}) must be at least 2 x (beatNs + ctlDelayNs) = ${2 * (k.beatNs + k.ctlDelayNs)}: a live node would be taken out`);
    }
    if (!(k.readLeaseNs === 0 || k.readLeaseNs > k.beatNs + 2 * k.ctlDelayNs)) {
      throw new Error(`chain control: readLeaseNs (${k.readLeaseNs}) must be 0 (off) or more than beatNs + 2 x ctlDelayNs = ${k.beatNs + 2 * k.ctlDelayNs}: a lease would end before its renewal came`);
    }
    this.nsPerCycle = periodPs({ ...DEFAULT_NETWORK, ...(cfg.network ?? {}) }) / 1000;
    const n = cfg.replicas;
    const order = Array.from({ length: n }, (_, i) => i);
    this.up = order.map(() => true);
    this.masterOptions = { nodes: order, suspectNs: this.control.suspectNs, roundTimeoutNs: this.control.roundTimeoutNs, readLeaseNs: this.control.readLeaseNs, ...(cfg.masterMutation ? { mutation: cfg.masterMutation } : {}) };
    this.master = new ChainMaster({ ...this.masterOptions, order, epoch: 1 });
    this.masterStore = this.master.durable();
    const tuning = { ...CHAIN_NIC_SETTINGS, ...(cfg.nic ?? {}), hbIntervalCycles: this.control.hbIntervalCycles, silenceCycles: this.control.silenceCycles };
    const host = (i: number): HostSoftware => ({
      start: (ctx: HostContext) => {
        this.ctx0 ??= ctx;
        const node = new ChainNode({
          nic: ctx.nic, nodeId: ctx.nodeId,
          reply: (r) => this.toMaster(i, r),
          sendEntries: (to, epoch, from, committedUpto, frames) => this.sendEntries(to, epoch, from, committedUpto, frames),
          log: (t) => this.note(t),
          silent: (pred, epoch) => this.viaControl(() => { if (this.masterUp) this.master.onSilent(i, pred, epoch, this.nowNs()); }),
          persisted: (from, frames) => this.apps[i]?.persisted(from, frames),
          nowNs: () => this.nowNs(),
        }, tuning, 1);
        this.nodes[i] = node;
        if (cfg.app) this.apps[i] = cfg.app(i, ctx, node);
        node.boot(1, order);
        if (i === 0) ctx.announceLeader(0);
        this.scheduleBeat(i, ctx.now());
      },
      onHostFrames: (_ctx, frames) => {
        const committed: Uint8Array[] = [];
        const other: HostFrame[] = [];
        let silent = false;
        for (const f of frames) {
          if (f.reason === H_COMMITTED) committed.push(f.frame);
          else if (f.reason === H_LEADER_SILENT) silent = true;
          else other.push(f);
        }
        const node = this.nodes[i]!;
        node.onCommitted(committed);
        if (silent) node.onSilent();
        if (other.length) this.apps[i]?.onHostFrames?.(other);
      },
      onCrash: () => {
        this.up[i] = false;
        this.nodes[i]!.crash();
        this.apps[i]?.onCrash?.();
        this.note(`node ${i} crashed`);
      },
      onRestart: (ctx) => {
        this.up[i] = true;
        this.nodes[i]!.restart();
        this.apps[i]?.onRestart?.();
        this.scheduleBeat(i, ctx.now());
      },
    });
    const make = cfg.fabric ?? ((c: ClusterConfig) => new Cluster(c));
    this.cluster = make({ ...cfg, nic: tuning, replication: 'chain', keepCommitted: true, host, workload: { reply: 'follower', ...(cfg.workload ?? {}) } });
    this.cluster.tap(1 << 16);
    this.cluster.addPoller(() => this.pollTap());
    this.scheduleTick(0);
  }

  private get now(): number {
    return this.ctx0.now();
  }
  private timer(at: number, fn: () => void): void {
    this.ctx0.setTimer(at, fn);
  }
  /** Runs fn when a message sent now over the control network arrives (ctlDelayNs, plus `extraNs`). */
  private viaControl(fn: () => void, extraNs = 0): void {
    this.timer(this.now + this.cyclesOf(this.control.ctlDelayNs + extraNs), fn);
  }

  private nowNs(): number {
    return this.now * this.nsPerCycle;
  }
  private cyclesOf(ns: number): number {
    return Math.max(1, Math.ceil(ns / this.nsPerCycle));
  }
  private note(t: string): void {
    this.events.push(`@${this.now} ${t}`);
  }

  private scheduleBeat(i: number, at: number): void {
    const inc = this.nodes[i]?.incarnation ?? 0;
    const at2 = at + this.cyclesOf(this.control.beatNs);
    this.timer(at2, () => {
      if (!this.up[i] || this.nodes[i]!.incarnation !== inc) return;   // crashed (a restart starts its own beats)
      this.nodes[i]!.tick();
      const sentNs = this.nowNs();
      this.viaControl(() => {
        if (!this.masterUp) return;
        this.master.onBeat(i, inc, this.nowNs(), sentNs);
        this.drainMaster();
      });
      this.scheduleBeat(i, at2);
    });
  }

  private scheduleTick(at: number): void {
    this.timer(at + this.cyclesOf(this.control.tickNs), () => {
      if (this.masterUp) {
        this.master.tick(this.nowNs());
        this.drainMaster();
      }
      this.scheduleTick(this.now);
    });
  }

  private drainMaster(): void {
    const m = this.master;
    // stable storage first: nothing goes out that a restarted master would not know it sent
    this.masterStore = m.durable();
    for (const e of m.events.splice(0)) this.note(e);
    for (const { to, cmd } of m.out.splice(0)) {
      this.viaControl(() => this.deliverCmd(to, cmd));
    }
    if (m.announce !== null) {
      this.installs.push({ epoch: m.epoch, cycle: this.now, order: [...m.order], last: m.installedLast });
      this.cluster.announceLeader(m.announce);
      m.announce = null;
    }
  }

  /**
   * Read-lease safety, checked at every INSTALL a node takes (from then on entries of the new epoch may
   * commit): no node still holds a lease of an older epoch it runs installed in (it could answer a read
   * from a state the new epoch moves past).
   */
  readonly leaseViolations: string[] = [];

  private deliverCmd(to: number, cmd: ChainCmd): void {
    if (!this.up[to]) return;
    const node = this.nodes[to]!;
    const before = node.installed;
    node.onCommand(cmd);
    if (cmd.k !== 'install' || node.installed !== cmd.epoch || before === cmd.epoch) return;
    const now = this.nowNs();
    this.nodes.forEach((nd, k) => {
      if (this.up[k] && nd.installed !== 0 && nd.installed < cmd.epoch && nd.leaseEpoch === nd.installed && now < nd.leaseUntilNs && this.leaseViolations.length < 10) {
        this.leaseViolations.push(`node ${k} holds a read lease of epoch ${nd.installed} until ${Math.round(nd.leaseUntilNs)} ns when node ${to} installs epoch ${cmd.epoch} at ${Math.round(now)} ns`);
      }
    });
  }

  private toMaster(from: number, r: ChainReply): void {
    this.viaControl(() => {
      if (!this.masterUp) return;
      this.master.onReply(from, r, this.nowNs());
      this.drainMaster();
    });
  }

  private sendEntries(to: number, epoch: number, from: number, committedUpto: number, frames: Uint8Array[]): void {
    let bytes = 0;
    for (const f of frames) bytes += f.length;
    this.viaControl(() => {
      if (this.up[to]) this.nodes[to]!.onEntries(epoch, from, committedUpto, frames);
    }, (bytes * 8) / this.control.ctlGbps);
  }

  private pollTap(): void {
    const n = this.cfg.replicas;
    for (const t of this.cluster.tapPoll()) {
      if (t.src >= n || getType(t.frame) !== MT_REPLY) continue;
      this.replies.push({ client: getClientId(t.frame), seq: getSeq(t.frame), index: getLogIndex(t.frame), src: t.src, cycle: t.cycle });
    }
  }

  addFault(f: FaultSpec): void {
    this.cluster.addFault(f);
  }

  /** nodes a crashPosition() took down, and when each restarts (cycle) */
  private readonly crashedNodes = new Set<number>();
  private readonly restartsAt = new Map<number, number>();

  /**
   * Crashes the node at a position of the installed chain now ('any': the first member up), restarting
   * it at cycle `until` (absent: never). Nothing happens (a skip, with the reason) while the master
   * changes the chain, when no member is at that position, or when the crash would leave no member up:
   * a chain survives as long as one member does.
   */
  crashPosition(pos: 'head' | 'middle' | 'tail' | 'any', until?: number):
    { node: number; place: 'head' | 'middle' | 'tail' } | { skipped: string } {
    const now = this.cluster.cycle;
    for (const [n, at] of this.restartsAt) if (at <= now) { this.crashedNodes.delete(n); this.restartsAt.delete(n); }
    const m = this.master;
    const order = m.order.filter((n) => !this.crashedNodes.has(n));
    const cands = pos === 'head' ? order.slice(0, 1) : pos === 'tail' ? order.slice(-1) : pos === 'middle' ? order.slice(1, -1) : order;
    if (m.phase !== 'run' || order.length < 2 || cands.length === 0) return { skipped: `${m.phase}, ${order.length} member(s) up` };
    const node = cands[0]!;
    const i = order.indexOf(node);
    const place = i === 0 ? 'head' : i === order.length - 1 ? 'tail' : 'middle';
    this.crashedNodes.add(node);
    if (until !== undefined) this.restartsAt.set(node, until);
    this.addFault({ kind: 'crash', at: now, node, ...(until !== undefined ? { until } : {}) });
    return { node, place };
  }

  /**
   * The master process crashes now and restarts `downNs` later from its stable storage
   * (ChainMaster.recover): meanwhile nothing reconfigures the chain (the data path runs on), and every
   * beat, answer and silence report sent to it is lost. Ignored while it is down already.
   */
  crashMaster(downNs: number): boolean {
    if (!this.masterUp) return false;
    this.masterUp = false;
    this.note('chain master crashed');
    this.timer(this.now + this.cyclesOf(downNs), () => {
      this.master = ChainMaster.recover(this.masterOptions, this.masterStore, this.nowNs(), { stats: this.master.stats });
      this.masterUp = true;
      this.drainMaster();
    });
    return true;
  }

  run(cycles: number): void {
    this.cluster.run(cycles);
    this.pollTap();
  }

  /** Runs until every offered request was answered, at most `limit` cycles. */
  drain(limit: number): boolean {
    const ok = this.cluster.runUntil(() => { const s = this.cluster.stats(); return s.completed === s.offered; }, limit, 5000);
    this.pollTap();
    return ok;
  }

  check(): ChainCheck {
    const problems: string[] = [];
    const st = this.cluster.stats();
    // one log: the persisted logs agree index by index
    let longest: Uint8Array[] = [];
    for (const nd of this.nodes) if (nd.committed.length > longest.length) longest = nd.committed;
    const key = (f: Uint8Array): string => `${getClientId(f)}:${getSeq(f)}`;
    for (let k = 0; k < this.nodes.length; k++) {
      const c = this.nodes[k]!.committed;
      for (let i = 0; i < c.length; i++) {
        const f = c[i]!, g = longest[i]!;
        if ((getClientId(f) !== getClientId(g) || getSeq(f) !== getSeq(g)) && problems.length < 20) problems.push(`node ${k} persisted ${key(c[i]!)} at index ${i + 1} where another holds ${key(longest[i]!)}`);
      }
      const s = this.nodes[k]!.stats;
      if (s.deliveryGaps) problems.push(`node ${k}: ${s.deliveryGaps} committed frames delivered beyond a gap`);
      if (s.catchupFailures) problems.push(`node ${k}: ${s.catchupFailures} catch-ups it could not serve`);
    }
    // every reply names the entry the log holds at its index (index 0: a host's redirect, no entry)
    for (const r of this.replies) {
      if (r.index === 0) continue;
      const f = longest[r.index - 1];
      if (!f) { if (problems.length < 40) problems.push(`a reply from node ${r.src} for ${r.client}:${r.seq} at index ${r.index}, beyond every persisted log (${longest.length})`); continue; }
      if (getClientId(f) !== r.client || getSeq(f) !== r.seq) {
        if (problems.length < 40) problems.push(`a reply from node ${r.src} (cycle ${r.cycle}) for ${r.client}:${r.seq} at index ${r.index}, where the log holds ${key(f)}`);
      }
    }
    const ms = this.master.stats;
    if (ms.prefixViolations) problems.push(`the master met ${ms.prefixViolations} member log(s) longer than the new head's`);
    if (this.master.phase === 'halted') problems.push('the chain halted');
    if (!this.masterUp) problems.push('the master is down at the end');
    problems.push(...this.leaseViolations.map((v) => `read lease: ${v}`));
    if (st.completed !== st.offered) problems.push(`${st.offered - st.completed} of ${st.offered} requests never answered`);
    // (client, seq) as one number while it is exact (client ids are small), else as its string
    const seen = new Set<number | string>();
    let duplicates = 0;
    for (const f of longest) {
      const c = getClientId(f);
      const k = c < 0x200000 ? c * 0x100000000 + getSeq(f) : key(f);
      if (seen.has(k)) duplicates++; else seen.add(k);
    }
    return {
      ok: problems.length === 0, problems, logLength: longest.length, replies: this.replies.length, duplicates,
      offered: st.offered!, completed: st.completed!, reconfigurations: ms.reconfigurations,
      epoch: this.master.epoch, order: [...this.master.order],
    };
  }

  destroy(): void {
    this.cluster.destroy();
  }
}

// ---- failover of one chain position (bench/report/sections.ts modes[]) ------------------------------

export interface ChainFailoverSpec {
  replicas: number;
  planes: number;
  seed: number;
  position: 'head' | 'middle' | 'tail';
  /** offered load, % of line rate; retry budget, % of line rate */
  ratePct: number;
  retryBudgetPct: number;
  retryUs: number;
  payloadBytes: number;
  clients: number;
  /** the crash this long after traffic starts; the run this long after it */
  crashAtUs: number;
  afterUs: number;
  network?: ClusterConfig['network'];
  control?: Partial<ChainControl>;
}

export interface ChainFailoverResult {
  position: 'head' | 'middle' | 'tail';
  node: number;
  /**
   * µs after the crash: the master starts the change (FREEZE); the master has every INSTALLED answer (the
   * head's last: its first commits can come a moment before); the first reply for an entry sequenced in it
   */
  detectUs: number | null;
  installedUs: number | null;
  firstCommitUs: number | null;
  /** entries the surviving head held beyond the survivors' logs (caught up through the control network) */
  caughtUpEntries: number;
  offered: number;
  completed: number;
  /** every check of ChainWorld.check() passed (one log, replies, every request answered) */
  ok: boolean;
  problems: string[];
}

/** Crashes one chain position under traffic and measures the change (RTL NICs unless `fabric`). */
export function runChainFailover(s: ChainFailoverSpec, fabric?: (cfg: ClusterConfig) => ChainFabric): ChainFailoverResult {
  const us = 250;
  const w = new ChainWorld({
    replicas: s.replicas, planes: s.planes, seed: s.seed, ...(s.network ? { network: s.network } : {}),
    workload: { ratePct: s.ratePct, clients: s.clients, payloadBytes: s.payloadBytes, stopCycle: (s.crashAtUs + s.afterUs) * us, retryCycles: s.retryUs * us, retryBudgetPct: s.retryBudgetPct },
    control: { silenceCycles: 750, hbIntervalCycles: 250, ...(s.control ?? {}) },
    ...(fabric ? { fabric } : {}),
  });
  try {
    w.run(s.crashAtUs * us);
    const order = w.master.order;
    const node = s.position === 'head' ? order[0]! : s.position === 'tail' ? order[order.length - 1]! : order[1]!;
    if (order.length < 3 && s.position === 'middle') throw new Error('runChainFailover: a chain of fewer than 3 has no middle');
    const crashAt = w.cluster.cycle;
    w.addFault({ kind: 'crash', at: crashAt, node });
    w.run(s.afterUs * us);
    w.drain(3000 * us);
    const c = w.check();
    const inst = w.installs[0];
    const firstNew = inst ? w.replies.find((r) => r.cycle > crashAt && r.index > inst.last) : undefined;
    const det = w.events.find((e) => /freezing/.test(e));
    const detCycle = det ? Number(det.slice(1, det.indexOf(' '))) : null;
    const caught = w.nodes.reduce((a, n) => a + n.stats.entriesToNicLog + n.stats.entriesToHostLog, 0);
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    return {
      position: s.position, node,
      detectUs: detCycle !== null ? r3((detCycle - crashAt) / us) : null,
      installedUs: inst ? r3((inst.cycle - crashAt) / us) : null,
      firstCommitUs: firstNew ? r3((firstNew.cycle - crashAt) / us) : null,
      caughtUpEntries: caught, offered: c.offered, completed: c.completed, ok: c.ok, problems: c.problems.slice(0, 5),
    };
  } finally {
    w.destroy();
  }
}
