// The deterministic cluster runtime: a world of N replica NICs, P plane switches, clients and
// fault injectors in one native object (native/fabric.cpp), and per-replica host software
// run between batches of cycles. One FFI call advances a batch; the host sees simulated time only.
//
//   const c = new Cluster({ replicas: 3, planes: 2, ... });
//   c.run(cycles, (done) => progress(done));   // batches end at timers, host polls, faults
//   c.summary() ...
//
// Host software implements `HostSoftware` and drives its NIC only through the `Nic` interface
// (ctrl/nic/nic.ts), exactly as a driver would: CSRs, log port, host queues. Posted operations
// reach the NIC `hostLatencyCycles` after the host issued them (PCIe + software); frames the NIC
// hands to the host are seen at the first host poll at least `hostLatencyCycles` after they left
// the NIC. Reads (readCsr, logRead) advance the whole world until the answer is back, so time
// passes for every node while a host waits, as it would.
import { chainPlaceIn } from '../ctrl/chain/master.js';
import { declareApi } from '../native/ffi.js';
import { libraryPath, type Variant } from '../native/build.js';
import { SimNic, type SimFrame } from '../native/binding.js';
import { COUNTER_ADDRS, countersOf, type HostFrame, type Nic, type RxFrame, type TxFrame } from '../ctrl/nic/nic.js';
import { followerReplyMask } from '../ctrl/core/quorum.js';
import { Csr, HDR_BYTES, MIN_FRAME_BYTES, type CounterName, wirePs as wireTimePs, lineRateFps as wireLineRateFps } from '../ctrl/wire/wire.gen.js';

// ---- configuration ------------------------------------------------------------------------------

/** The network model (docs/network-model.md). Times in ns, rates in Gb/s. */
export interface NetworkModel {
  clockMHz: number;
  linkGbps: number;
  nicTxNs: number;
  nicRxNs: number;
  clientTxNs: number;
  clientRxNs: number;
  cableNs: number;
  switchNs: number;
  switching: 'cut-through' | 'store-and-forward';
  egressBufferBytes: number;
  /** Clients listen to the replica group MAC (commit snooping); off = the group is the replicas only. */
  clientsInGroup: boolean;
  /** Clients notice that their link on a plane went down (or up) this long after it happened. */
  linkDetectNs: number;
  /**
   * A full-duplex cross-link between each pair of plane switches (same link model, egress buffer
   * and drops as any switch port); each switch relays the replica-group frames it gets from an
   * endpoint to the others, which forward them as their own. Off by default (docs/network-model.md).
   */
  crossLinks: boolean;
}

export const DEFAULT_NETWORK: NetworkModel = {
  clockMHz: 250,
  linkGbps: 100,
  nicTxNs: 40,
  nicRxNs: 140,
  clientTxNs: 40,
  clientRxNs: 140,
  cableNs: 10,
  switchNs: 300,
  switching: 'cut-through',
  egressBufferBytes: 262_144,
  clientsInGroup: false,
  linkDetectNs: 10_000,
  crossLinks: false,
};

/** The NIC fast-path settings the static host writes (docs/register-map.md). */
export interface NicSettings {
  ackCount: number;
  ackDelayCycles: number;
  hbIntervalCycles: number;
  hbCommitDelayCycles: number;
  /**
   * Load-adaptive ACKs (RAFT_ACK_GAP): a follower ACKs as soon as an entry is unacknowledged and no
   * ACK left in the last ackGapCycles cycles (0 or absent: off; docs/architecture.md "ACK timing").
   */
  ackGapCycles?: number;
  /**
   * Go-back-N timeout (RAFT_RTO, cycles; absent: the reset value, 512). A chain's ACKs come up the chain
   * (each node ACKs what its successor confirmed), so the head's must cover every hop's ACK delay.
   */
  rtoCycles?: number;
}
export const DEFAULT_NIC: NicSettings = { ackCount: 1, ackDelayCycles: 16, hbIntervalCycles: 1000, hbCommitDelayCycles: 32 };

/** How clients use the planes (docs/simulation.md). */
export type PlaneMode = 'spread' | 'duplicate' | number;

export interface Workload {
  mode: 'open' | 'closed';
  /** Open loop: offered load in % of the link's line rate in frames of this size (preamble and IFG counted). */
  ratePct: number;
  /** Closed loop: requests in flight per client. */
  outstanding: number;
  payloadBytes: number;
  clients: number;
  /**
   * 'nic': the leader NIC replies at commit (NIC_REPLY); 'snoop': clients learn commits from the group stream;
   * 'host': neither (REQs without NIC_REPLY): clients wait for a REPLY sent by host software;
   * 'follower': follower replies (FOLLOWER_REPLY): the follower NIC whose REPLY_MASK holds the client
   * id mod 8 replies when its commit index covers the entry (resends ask the leader NIC, NIC_REPLY);
   * the static hosts write REPLY_MASK (followerReplyMask).
   */
  reply: 'nic' | 'snoop' | 'host' | 'follower';
  /**
   * 'spread': each request on one plane, round robin; a number: that plane only; 'duplicate': each
   * request (and resend) on every plane that is up, the leader NIC sequences the first copy.
   */
  planes: PlaneMode;
  /** A request not answered after this long is sent again on another plane (0: never). */
  retryCycles: number;
  /** Retry budget: retries may use at most this % of the line rate, all clients together (0: no limit). */
  retryBudgetPct: number;
  startCycle: number;
  /** Stop offering at this cycle (0: never). */
  stopCycle: number;
  /** Stop after this many requests (0: unlimited). */
  maxRequests: number;
  /** Latency samples only for requests sent at or after this cycle. */
  measureFromCycle: number;
}

export type FaultSpec =
  | { kind: 'drop' | 'duplicate' | 'corrupt'; at: number; until?: number; plane?: number; from?: number[]; to?: number[]; prob?: number }
  | { kind: 'delay'; at: number; until?: number; plane?: number; from?: number[]; to?: number[]; prob?: number; delayNs: number; jitterNs?: number }
  | { kind: 'partition'; at: number; until?: number; plane?: number; groups: number[][]; oneWay?: boolean }
  | { kind: 'planeDown' | 'planeUp'; at: number; until?: number; plane: number }
  | { kind: 'crash' | 'restart'; at: number; until?: number; node: number };

export interface ClusterConfig {
  replicas: number;
  planes: number;
  seed: number;
  network?: Partial<NetworkModel>;
  nic?: Partial<NicSettings>;
  workload?: Partial<Workload>;
  /** Faults; times (at/until) in cycles. Endpoints in from/to/groups: nodes 0..N-1, clients N.. */
  faults?: FaultSpec[];
  /** PCIe + software latency between a NIC and its host, in cycles (default 250 = 1 µs). */
  hostLatencyCycles?: number;
  /** Host software polls its NIC's host queue this often (cycles; default 250). */
  hostPollCycles?: number;
  /**
   * Replication protocol of the default StaticHost (docs/replication-modes.md): 'leader' (default) or
   * 'chain' (node 0 the head of the chain 0 -> 1 -> ...; with follower replies the tail answers).
   */
  replication?: 'leader' | 'chain';
  /** Per-replica host software (default: StaticHost, node 0 leader of term 1). */
  host?: (node: number) => HostSoftware;
  /** Longest batch of cycles per FFI call (default 20,000). */
  maxBatchCycles?: number;
  /** Keep committed entries for the hosts (off: counted only, for speed). */
  keepCommitted?: boolean;
  variant?: Variant;
  /** Use this simulation library (default: libraryPath(variant), built if its sources changed). */
  libPath?: string;
  /** NIC node ids are nodeIdBase .. nodeIdBase+N-1 (default 0; the control core numbers voters from 1). */
  nodeIdBase?: number;
  /** Client endpoints driven from TypeScript (clientSend/clientPoll), after the traffic generators' clients. */
  externalClients?: number;
}

// ---- host software hooks -----------------------------------------------------------------------

/** What a replica's host software sees of the world. */
export interface HostContext {
  /** Port index 0..N-1. */
  readonly node: number;
  /** The NIC's node id (node + nodeIdBase): what NODE_ID, MACs and header node fields carry. */
  readonly nodeId: number;
  readonly replicas: number;
  readonly planes: number;
  /** The NIC, as a driver sees it. step() is not available: the runtime owns time. */
  readonly nic: Nic;
  /** Simulated time in cycles (the host's clock). */
  now(): number;
  /** Runs fn at simulated cycle `at` (at a batch boundary, never earlier). */
  setTimer(at: number, fn: () => void): void;
  /** Tells the traffic generators which node leads (port index; they address REQs to its MAC). */
  announceLeader(node: number): void;
  /** Adds a line to the event log. */
  log(text: string): void;
}

/**
 * Host software of one replica. The real control plane (ctrl/core) plugs in here: it receives
 * NIC events and timer ticks and acts only through ctx.nic.
 */
export interface HostSoftware {
  /** At boot (cycle 0), before any traffic. */
  start(ctx: HostContext): void;
  /** Frames the NIC put on the host RX queue (punts, and committed entries with keepCommitted). */
  onHostFrames?(ctx: HostContext, frames: HostFrame[]): void;
  /** The node crashed: the NIC lost its state (held in reset). */
  onCrash?(ctx: HostContext): void;
  /** The node restarted: the NIC is out of reset with its registers at their reset values. */
  onRestart?(ctx: HostContext): void;
}

/**
 * The place of a node in a chain (docs/replication-modes.md): the chain runs from the head (the leader)
 * through the node ids in order, wrapping (leader 0 of 3: 0 -> 1 -> 2). The CSR values of that place:
 * head ROLE 2, a middle ROLE 3 (follows its predecessor, leads its successor), the tail ROLE 1 with
 * CHAIN.TAIL; MEMBERS and QUORUM count the node and its successor (the tail: itself and its predecessor).
 */
export function chainPlace(node: number, leader: number, replicas: number): ReturnType<typeof chainPlaceIn> {
  return chainPlaceIn(Array.from({ length: replicas }, (_, k) => (leader + k) % replicas), node);
}

/**
 * The minimal static configuration: node 0 leads term 1, the others follow; with `chain`, node 0 is the
 * head of the chain 0 -> 1 -> ... (chainPlace) and the tail replies to every client (follower replies).
 */
export class StaticHost implements HostSoftware {
  /** followerReplies: write REPLY_MASK (followerReplyMask) for follower replies */
  constructor(private readonly nic: NicSettings, private readonly leader = 0, private readonly followerReplies = false,
    private readonly chain = false) {}

  private configure(ctx: HostContext): void {
    const n = ctx.nic;
    const members = (1 << ctx.replicas) - 1;
    const quorum = Math.floor(ctx.replicas / 2) + 1;
    const cp = this.chain ? chainPlace(ctx.node, this.leader, ctx.replicas) : null;
    n.writeCsr(Csr.RAFT_NODE_ID, ctx.node);
    n.writeCsr(Csr.RAFT_TERM, 1);
    n.writeCsr(Csr.RAFT_LEADER_ID, cp ? cp.leaderId : this.leader);
    n.writeCsr(Csr.RAFT_MEMBERS, cp ? cp.members : members);
    n.writeCsr(Csr.RAFT_QUORUM, cp ? cp.quorum : quorum);
    if (cp) n.writeCsr(Csr.RAFT_CHAIN, cp.chain);
    n.writeCsr(Csr.RAFT_ACK_COUNT, this.nic.ackCount);
    n.writeCsr(Csr.RAFT_ACK_DELAY, this.nic.ackDelayCycles);
    if (this.nic.ackGapCycles) n.writeCsr(Csr.RAFT_ACK_GAP, this.nic.ackGapCycles);   // (0: the reset value stays)
    if (this.nic.rtoCycles) n.writeCsr(Csr.RAFT_RTO, this.nic.rtoCycles);
    n.writeCsr(Csr.RAFT_HB_INTERVAL, this.nic.hbIntervalCycles);
    n.writeCsr(Csr.RAFT_HB_COMMIT_DELAY, this.nic.hbCommitDelayCycles);
    n.writeCsr(Csr.RAFT_ROLE, cp ? cp.role : ctx.node === this.leader ? 2 : 1);
    if (cp) {
      if (this.followerReplies) n.writeCsr(Csr.RAFT_REPLY_MASK, cp.tail || ctx.replicas === 1 ? 0xff : 0);
    } else if (this.followerReplies) {
      const ids = Array.from({ length: ctx.replicas }, (_, i) => i);
      n.writeCsr(Csr.RAFT_REPLY_MASK, followerReplyMask(ctx.node, this.leader, ids));
    }
    n.writeCsr(Csr.RAFT_FAST_EN, 1);
  }

  start(ctx: HostContext): void {
    this.configure(ctx);
    if (ctx.node === this.leader) ctx.announceLeader(this.leader);
  }

  onRestart(ctx: HostContext): void {
    // No log recovery here (the control plane's job): the node rejoins with an empty log, so the
    // leader's APPENDs reach it as gaps and go to this host, which ignores them.
    this.configure(ctx);
    ctx.log(`host n${ctx.node}: restarted, reconfigured (no log repair in the static host)`);
  }
}

// ---- native API ----------------------------------------------------------------------------------

type Fn = (...args: unknown[]) => unknown;
interface ClusterApi {
  create: Fn; destroy: Fn; planes: Fn; nodes: Fn; cycle: Fn; nic: Fn; addFault: Fn; run: Fn; error: Fn;
  setLeader: Fn; setPlaneHint: Fn; stopTraffic: Fn; crashed: Fn; stats: Fn; events: Fn; log: Fn;
  latency: Fn; histogram: Fn; buckets: Fn; pullHost: Fn; hopPs: Fn; extSend: Fn; extPoll: Fn;
  injectRx: Fn; tap: Fn; tapPoll: Fn;
}
function api(path: string): ClusterApi {
  return declareApi(path, 'cluster', {
    create: 'void *nr_cluster_create(const char *config, _Out_ char *err, uint32_t err_cap)',
    destroy: 'void nr_cluster_destroy(void *h)',
    planes: 'uint32_t nr_cluster_planes(void *h)',
    nodes: 'uint32_t nr_cluster_nodes(void *h)',
    cycle: 'uint64_t nr_cluster_cycle(void *h)',
    nic: 'void *nr_cluster_nic(void *h, uint32_t i)',
    addFault: 'int32_t nr_cluster_add_fault(void *h, const char *line, _Out_ char *err, uint32_t err_cap)',
    run: 'uint64_t nr_cluster_run(void *h, uint64_t n)',
    error: 'const char *nr_cluster_error(void *h)',
    setLeader: 'void nr_cluster_set_leader(void *h, uint32_t node)',
    setPlaneHint: 'void nr_cluster_set_plane_hint(void *h, uint32_t mask)',
    stopTraffic: 'void nr_cluster_stop_traffic(void *h)',
    crashed: 'uint32_t nr_cluster_crashed(void *h, uint32_t node)',
    stats: 'int64_t nr_cluster_stats(void *h, void *buf, uint32_t cap)',
    events: 'int64_t nr_cluster_events(void *h, void *buf, uint32_t cap)',
    log: 'void nr_cluster_log(void *h, const char *text)',
    latency: 'uint32_t nr_cluster_latency(void *h, void *out, uint32_t n)',
    histogram: 'uint32_t nr_cluster_histogram(void *h, void *out, uint32_t n)',
    buckets: 'uint32_t nr_cluster_buckets(void *h, void *out, uint32_t n)',
    pullHost: 'int64_t nr_cluster_pull_host(void *h, uint32_t i, void *buf, uint32_t cap)',
    hopPs: 'int64_t nr_cluster_hop_ps(void *h, uint32_t len, uint32_t from_client, uint32_t to_client)',
    extSend: 'int32_t nr_cluster_ext_send(void *h, uint32_t k, uint32_t plane, const uint8_t *data, uint32_t len)',
    extPoll: 'int64_t nr_cluster_ext_poll(void *h, uint32_t k, void *buf, uint32_t cap)',
    injectRx: 'int32_t nr_cluster_inject_rx(void *h, uint32_t i, uint32_t plane, const uint8_t *data, uint32_t len)',
    tap: 'void nr_cluster_tap(void *h, uint32_t keep)',
    tapPoll: 'int64_t nr_cluster_tap_poll(void *h, void *buf, uint32_t cap)',
  });
}

// ---- the model's arithmetic (mirrors fabric.h) -------------------------------------------------

export function periodPs(net: NetworkModel): number {
  return Math.round(1e6 / net.clockMHz);
}
/** Serialization time of a frame of len bytes (spec/wire.yaml's Ethernet overhead counted). */
export function wirePs(net: NetworkModel, len: number): number {
  return wireTimePs(len, net.linkGbps);
}
/** Line rate in frames per second for frames of len bytes (FCS, preamble and IFG counted). */
export function lineRateFps(net: NetworkModel, len: number): number {
  return wireLineRateFps(len, net.linkGbps);
}
export function frameLen(payloadBytes: number): number {
  return Math.max(MIN_FRAME_BYTES, HDR_BYTES + payloadBytes);
}
/** One hop: sender's MAC gets the frame -> receiver's MAC hands it over, idle network (ps). */
export function hopPs(net: NetworkModel, len: number, fromClient: boolean, toClient: boolean): number {
  const w = wirePs(net, len);
  return Math.round(((fromClient ? net.clientTxNs : net.nicTxNs) + net.cableNs + net.switchNs + net.cableNs +
    (toClient ? net.clientRxNs : net.nicRxNs)) * 1000) + (net.switching === 'cut-through' ? 0 : w) + w;
}
/**
 * The network floor of one request: client -> leader (REQ), leader -> follower (APPEND),
 * follower -> leader (ACK), leader -> client (REPLY), on an idle network, without the NICs' cycles.
 */
export function networkFloorPs(net: NetworkModel, payloadBytes: number): number {
  const req = frameLen(payloadBytes);
  return hopPs(net, req, true, false) + hopPs(net, req, false, false) + hopPs(net, MIN_FRAME_BYTES, false, false) +
    hopPs(net, MIN_FRAME_BYTES, false, true);
}
/**
 * The network floor of chain replication (docs/replication-modes.md): the REQ to the head, the APPEND
 * down each of the replicas - 1 links, the tail's REPLY to the client.
 */
export function chainFloorPs(net: NetworkModel, payloadBytes: number, replicas: number): number {
  const req = frameLen(payloadBytes);
  return hopPs(net, req, true, false) + Math.max(0, replicas - 1) * hopPs(net, req, false, false) + hopPs(net, MIN_FRAME_BYTES, false, true);
}
/**
 * A lone request's latency in cycles, given the NICs' own cycles: `nicCycles` is the back-to-back
 * figure (leader REQ presented -> REPLY's last beat out, with zero-delay links that hand a frame
 * over the cycle after its last beat). Each hop then costs 1 + ceil(hop / period) cycles: the MAC
 * starts at the next clock edge and the receiver sees the frame from the first edge after it
 * arrived; the back-to-back world already counts 1 cycle for each of the two inner hops.
 */
export function predictedLoneLatencyCycles(net: NetworkModel, payloadBytes: number, nicCycles: number): number {
  const P = periodPs(net);
  const req = frameLen(payloadBytes);
  const c = (ps: number) => Math.ceil(ps / P);
  return nicCycles + 2 + c(hopPs(net, req, true, false)) + c(hopPs(net, req, false, false)) +
    c(hopPs(net, MIN_FRAME_BYTES, false, false)) + c(hopPs(net, MIN_FRAME_BYTES, false, true));
}

function endpointMask(list: number[] | undefined): string {
  if (!list) return '';
  let m = 0n;
  for (const e of list) m |= 1n << BigInt(e);
  return `0x${m.toString(16)}`;
}

export function faultLine(f: FaultSpec, psPerCycle: number): string {
  const kinds: Record<FaultSpec['kind'], string> = {
    drop: 'drop', duplicate: 'duplicate', delay: 'delay', corrupt: 'corrupt', partition: 'partition',
    planeDown: 'plane_down', planeUp: 'plane_up', crash: 'crash', restart: 'restart',
  };
  const parts = [`kind=${kinds[f.kind]}`, `at=${Math.round(f.at)}`];
  if (f.until !== undefined) parts.push(`until=${Math.round(f.until)}`);
  if ('plane' in f && f.plane !== undefined) parts.push(`plane=${f.plane}`);
  if ('node' in f) parts.push(`node=${f.node}`);
  if ('from' in f && f.from) parts.push(`from=${endpointMask(f.from)}`);
  if ('to' in f && f.to) parts.push(`to=${endpointMask(f.to)}`);
  if ('prob' in f && f.prob !== undefined) parts.push(`prob=${f.prob}`);
  if (f.kind === 'delay') {
    parts.push(`delay_ps=${Math.round(f.delayNs * 1000)}`);
    if (f.jitterNs) parts.push(`jitter_ps=${Math.round(f.jitterNs * 1000)}`);
  }
  if (f.kind === 'partition') {
    parts.push(`groups=${f.groups.map((g) => g.join(',')).join('|')}`);
    if (f.oneWay) parts.push('oneway=1');
  }
  void psPerCycle;
  return parts.join(' ');
}

// ---- the Nic of a world replica --------------------------------------------------------------------

/** The `Nic` interface over a NIC inside the world: posted operations delayed by the host latency. */
export class WorldNic implements Nic {
  readonly planes: number;
  private inbox: HostFrame[] = [];

  constructor(private readonly cluster: Cluster, readonly node: number, readonly sim: SimNic) {
    this.planes = sim.planes;
  }

  get cycle(): number {
    return this.cluster.cycle;
  }
  reset(): void {
    throw new Error('WorldNic.reset: a world NIC resets only by a crash fault');
  }
  step(_cycles: number): void {
    throw new Error('WorldNic.step: the Cluster runtime owns time (use HostContext.setTimer)');
  }
  private posted(fn: () => void): void {
    this.cluster.post(this.node, fn);
  }
  readCsr(addr: number): number {
    return this.readCsrs([addr])[0]!;
  }
  readCsrs(addrs: readonly number[]): number[] {
    this.cluster.waitPosted(this.node);
    const tags = addrs.map((a) => this.sim.csrReadRequest(a));
    const out: Array<number | undefined> = tags.map(() => undefined);
    for (let guard = 0; out.some((v) => v === undefined); guard++) {
      if (guard > 100_000) throw new Error(`WorldNic(${this.node}).readCsrs: no answer (node crashed?)`);
      this.cluster.advanceRaw(1);
      tags.forEach((t, i) => {
        if (out[i] === undefined) {
          const r = this.sim.result(t);
          if (r !== undefined) out[i] = r as number;
        }
      });
    }
    return out as number[];
  }
  writeCsr(addr: number, value: number): void {
    this.posted(() => this.sim.csrWrite(addr, value));
  }
  readCounters(): Record<CounterName, bigint> {
    return countersOf(this.readCsrs(COUNTER_ADDRS));
  }
  clearCounters(): void {
    this.posted(() => this.sim.csrWrite(Csr.COUNTERS_CTR_CLEAR, 1));
  }
  sendHost(frames: Uint8Array | readonly Uint8Array[]): void {
    const list = frames instanceof Uint8Array ? [frames] : [...frames];
    this.posted(() => this.sim.push(this.sim.hostPort, list.map((data): SimFrame => ({ data }))));
  }
  /** Frames delivered to this host so far (the runtime fills the inbox at host polls). */
  pollHost(): HostFrame[] {
    const f = this.inbox;
    this.inbox = [];
    return f;
  }
  /** @internal */
  deliver(frames: HostFrame[]): void {
    this.inbox.push(...frames);
  }
  logRead(index: number): Uint8Array {
    return this.logReadMany([index])[0]!;
  }
  /** Reads several log slots, pipelined (one wait). */
  logReadMany(indices: readonly number[]): Uint8Array[] {
    this.cluster.waitPosted(this.node);
    const tags = indices.map((i) => this.sim.logReadRequest(i));
    const out: Array<Uint8Array | undefined> = tags.map(() => undefined);
    for (let guard = 0; out.some((v) => v === undefined); guard++) {
      if (guard > 100_000) throw new Error(`WorldNic(${this.node}).logRead: no answer`);
      this.cluster.advanceRaw(1);
      tags.forEach((t, i) => {
        if (out[i] === undefined) out[i] = this.sim.logResult(t);
      });
    }
    return out as Uint8Array[];
  }
  logWrite(index: number, frame: Uint8Array): void {
    const copy = Uint8Array.from(frame);
    this.posted(() => this.sim.logWriteRequest(index, copy));
  }
  flush(): void {
    this.cluster.flushPosted(this.node);
    for (let guard = 0; this.sim.commandsPending > 0; guard++) {
      if (guard > 100_000) throw new Error(`WorldNic(${this.node}).flush: commands never finished`);
      this.cluster.advanceRaw(1);
    }
  }
  pushRx(_plane: number, _frames: ReadonlyArray<Uint8Array | RxFrame>): void {
    throw new Error('WorldNic.pushRx: frames reach a world NIC through the fabric');
  }
  pullTx(_plane: number): TxFrame[] {
    throw new Error('WorldNic.pullTx: frames leave a world NIC through the fabric');
  }
  close(): void { /* owned by the world */ }
}

// ---- the runtime ---------------------------------------------------------------------------------

export interface ClientLatency { count: number; p50: number; p99: number; p999: number; max: number; overflow: number; min: number; mean: number }

interface Timer { at: number; seq: number; fn: () => void }

export class Cluster {
  readonly replicas: number;
  readonly planes: number;
  readonly net: NetworkModel;
  readonly nicSettings: NicSettings;
  readonly workload: Workload;
  readonly libPath: string;
  readonly nics: WorldNic[] = [];
  readonly hostLatencyCycles: number;
  readonly hostPollCycles: number;
  /** The configuration text given to nr_cluster_create (e.g. for a plain C++ loop over the same world). */
  readonly configText: string;
  readonly nodeIdBase: number;
  readonly externalClients: number;
  private readonly a: ClusterApi;
  private pollers: Array<() => void> = [];
  private h: unknown;
  private readonly hosts: HostSoftware[] = [];
  private readonly ctxs: HostContext[] = [];
  private timers: Timer[] = [];
  private timerSeq = 0;
  private posts: Array<{ due: number; node: number; seq: number; fn: () => void }> = [];
  private postSeq = 0;
  private pendingHost: HostFrame[][] = [];
  private crashedView: boolean[] = [];
  /**
   * Per node, the cycles at which crash faults take effect and that no host poll has looked past
   * yet. A crash and its restart can both fall between two looks (host code waiting synchronously,
   * e.g. a CSR read behind the host latency, advances the world without running hosts): the host
   * must still be told of both (fuzz F3).
   */
  private crashDue: number[][] = [];
  private readonly maxBatch: number;
  private readonly faultTimes: number[] = [];
  private buf = Buffer.alloc(1 << 16);
  private eventLines: string[] = [];
  private nextPoll = 0;
  private _cycle = 0;
  /** Wall-clock seconds spent in native run calls. */
  nativeSeconds = 0;
  nativeCycles = 0;

  constructor(readonly cfg: ClusterConfig) {
    this.replicas = cfg.replicas;
    this.planes = cfg.planes;
    this.net = { ...DEFAULT_NETWORK, ...(cfg.network ?? {}) };
    this.nicSettings = { ...DEFAULT_NIC, ...(cfg.nic ?? {}) };
    const line = lineRateFps(this.net, frameLen(cfg.workload?.payloadBytes ?? 16));
    this.workload = {
      mode: 'open', ratePct: 10, outstanding: 1, payloadBytes: 16, clients: 1, reply: 'nic', planes: 'spread',
      retryCycles: 0, retryBudgetPct: 0, startCycle: 0, stopCycle: 0, maxRequests: 0, measureFromCycle: 0, ...(cfg.workload ?? {}),
    };
    this.hostLatencyCycles = cfg.hostLatencyCycles ?? 250;
    this.nodeIdBase = cfg.nodeIdBase ?? 0;
    this.externalClients = cfg.externalClients ?? 0;
    this.hostPollCycles = Math.max(1, cfg.hostPollCycles ?? 250);
    this.maxBatch = Math.max(1, cfg.maxBatchCycles ?? 20_000);
    const variant: Variant = cfg.variant ?? (cfg.planes > 1 ? { params: { PLANES: cfg.planes } } : {});
    this.libPath = cfg.libPath ?? libraryPath(variant);
    this.a = api(this.libPath);
    const w = this.workload;
    const P = periodPs(this.net);
    const ratePerCycle = (w.ratePct / 100) * line * P * 1e-12;
    const conf: Record<string, string | number> = {
      replicas: cfg.replicas, planes: cfg.planes, clients: w.clients, seed: cfg.seed,
      period_ps: P, link_gbps: this.net.linkGbps,
      nic_tx_ps: Math.round(this.net.nicTxNs * 1000), nic_rx_ps: Math.round(this.net.nicRxNs * 1000),
      client_tx_ps: Math.round(this.net.clientTxNs * 1000), client_rx_ps: Math.round(this.net.clientRxNs * 1000),
      cable_ps: Math.round(this.net.cableNs * 1000), switch_ps: Math.round(this.net.switchNs * 1000),
      cut_through: this.net.switching === 'cut-through' ? 1 : 0, egress_buffer_bytes: this.net.egressBufferBytes,
      clients_in_group: this.net.clientsInGroup || w.reply === 'snoop' ? 1 : 0,
      cross_links: this.net.crossLinks ? 1 : 0,
      keep_committed: cfg.keepCommitted ? 1 : 0,
      mode: w.mode, rate: ratePerCycle.toPrecision(17), outstanding: w.outstanding, payload: w.payloadBytes,
      start: w.startCycle, stop: w.stopCycle, max_requests: w.maxRequests,
      nic_reply: w.reply === 'nic' ? 1 : 0, snoop: w.reply === 'snoop' ? 1 : 0, follower_reply: w.reply === 'follower' ? 1 : 0,
      fixed_plane: typeof w.planes === 'number' ? w.planes : -1, duplicate: w.planes === 'duplicate' ? 1 : 0,
      retry_cycles: w.retryCycles,
      retry_rate: ((w.retryBudgetPct / 100) * line * P * 1e-12).toPrecision(17),
      measure_from: w.measureFromCycle, bucket_cycles: 2500, leader: this.nodeIdBase,
      node_base: this.nodeIdBase, ext_clients: cfg.externalClients ?? 0,
      link_detect_cycles: Math.round((this.net.linkDetectNs * 1000) / P),
    };
    const text = Object.entries(conf).map(([k, v]) => `${k}=${v}`).join(' ');
    this.configText = text;
    const err = Buffer.alloc(512);
    this.h = this.a.create(text, err, err.length);
    if (!this.h) throw new Error(`cluster: ${err.toString('utf8').replace(/\0.*$/s, '')}`);
    for (const f of cfg.faults ?? []) {
      const e = Buffer.alloc(512);
      if ((this.a.addFault(this.h, faultLine(f, P), e, e.length) as number) !== 0) {
        throw new Error(`cluster: ${e.toString('utf8').replace(/\0.*$/s, '')} (${JSON.stringify(f)})`);
      }
      // batches end just after a fault took effect, so hosts hear of crashes and restarts at once
      if (f.kind === 'crash') this.noteCrash(f.node, f.at);
      this.faultTimes.push(f.at + 1);
      if (f.until !== undefined) this.faultTimes.push(f.until + 1);
    }
    this.faultTimes.sort((x, y) => x - y);
    this._cycle = Number(this.a.cycle(this.h));
    const hostFactory = cfg.host ?? (() => new StaticHost(this.nicSettings, 0, w.reply === 'follower', cfg.replication === 'chain'));
    for (let i = 0; i < cfg.replicas; i++) {
      const sim = SimNic.borrow(this.libPath, this.a.nic(this.h, i));
      const nic = new WorldNic(this, i, sim);
      this.nics.push(nic);
      this.pendingHost.push([]);
      this.crashedView.push(false);
      this.crashDue[i] ??= [];
      this.hosts.push(hostFactory(i));
      const self = this;
      this.ctxs.push({
        node: i, nodeId: i + this.nodeIdBase, replicas: cfg.replicas, planes: cfg.planes, nic,
        now: () => self._cycle,
        setTimer: (at, fn) => self.setTimer(at, fn),
        announceLeader: (n) => self.announceLeader(n),
        log: (t) => self.log(t),
      });
    }
    // boot: the hosts configure their NICs before any traffic (no host latency at boot)
    this.booting = true;
    for (let i = 0; i < cfg.replicas; i++) this.hosts[i]!.start(this.ctxs[i]!);
    this.booting = false;
    this.nextPoll = this._cycle + this.hostPollCycles;
  }
  private booting = false;

  private get handle(): unknown {
    if (!this.h) throw new Error('Cluster: used after destroy()');
    return this.h;
  }

  get cycle(): number {
    return this._cycle;
  }

  /** @internal posted NIC operation from node's host: applied after the host latency. */
  post(node: number, fn: () => void): void {
    if (this.booting) { fn(); return; }
    this.posts.push({ due: this._cycle + this.hostLatencyCycles, node, seq: this.postSeq++, fn });
  }
  /** @internal advances the world until every operation node posted so far has reached its NIC. */
  waitPosted(node: number): void {
    for (let guard = 0; this.posts.some((p) => p.node === node); guard++) {
      if (guard > 1_000_000) throw new Error(`Cluster.waitPosted(${node}): stuck`);
      let due = Infinity;
      for (const p of this.posts) if (p.node === node) due = Math.min(due, p.due);
      if (due > this._cycle) this.advanceRaw(due - this._cycle);
      this.applyDuePosts();
    }
  }
  private applyDuePosts(): void {
    if (!this.posts.length) return;
    const due = this.posts.filter((p) => p.due <= this._cycle).sort((x, y) => x.due - y.due || x.seq - y.seq);
    if (!due.length) return;
    this.posts = this.posts.filter((p) => p.due > this._cycle);
    for (const p of due) p.fn();
  }
  /** Tells the traffic generators which node (port index) leads. */
  announceLeader(node: number): void {
    this.a.setLeader(this.handle, node + this.nodeIdBase);
  }
  /** Runs fn at every host poll (after the hosts), e.g. TypeScript clients. */
  addPoller(fn: () => void): void {
    this.pollers.push(fn);
  }
  /** External client k (0-based; its client id is workload.clients + k + 1) sends a frame on a plane. */
  clientSend(k: number, plane: number, frame: Uint8Array): void {
    const r = this.a.extSend(this.handle, k, plane, frame, frame.length) as number;
    if (r !== 0) throw new Error(`Cluster.clientSend: bad client ${k} or plane ${plane} (externalClients=${this.externalClients}, planes=${this.planes})`);
  }
  /** Frames that reached external client k since the last call (`reason` holds the plane). */
  clientPoll(k: number): Array<{ frame: Uint8Array; plane: number; badFcs: boolean; cycle: number }> {
    const out: Array<{ frame: Uint8Array; plane: number; badFcs: boolean; cycle: number }> = [];
    for (;;) {
      const n = Number(this.a.extPoll(this.handle, k, this.buf, this.buf.length));
      if (n === 0) return out;
      if (n < 0) {
        if (k >= this.externalClients) throw new Error(`Cluster.clientPoll: no external client ${k}`);
        this.buf = Buffer.alloc(Math.max(-n, this.buf.length * 2));
        continue;
      }
      let off = 0;
      while (off < n) {
        const len = this.buf.readUInt32LE(off);
        const user = this.buf.readUInt32LE(off + 4);
        const cycle = Number(this.buf.readBigUInt64LE(off + 8));
        out.push({ frame: Uint8Array.from(this.buf.subarray(off + 16, off + 16 + len)), plane: user >>> 8, badFcs: (user & 1) !== 0, cycle });
        off += 16 + ((len + 7) & ~7);
      }
    }
  }

  /**
   * An attacker on the link into node's NIC on a plane (tests of forged frames): the frame enters the
   * NIC's input now, past the switch and its faults. False if the node or the plane is down.
   */
  injectRx(node: number, plane: number, frame: Uint8Array): boolean {
    const r = this.a.injectRx(this.handle, node, plane, frame, frame.length) as number;
    if (r < 0) throw new Error(`Cluster.injectRx: bad node ${node}, plane ${plane} or a ${frame.length}-byte frame`);
    return r === 0;
  }
  /** The wire tap: keep the last `keep` frames that entered the fabric from any endpoint (0: off). */
  tap(keep: number): void {
    this.a.tap(this.handle, keep);
  }
  /** The frames the tap kept since the last call: sender endpoint, plane, the cycle it sent them. */
  tapPoll(): Array<{ frame: Uint8Array; src: number; plane: number; cycle: number }> {
    return this.drainRecords((buf, cap) => Number(this.a.tapPoll(this.handle, buf, cap)),
      (frame, user, cycle) => ({ frame, src: user & 0xffff, plane: user >>> 16, cycle }));
  }

  /** @internal applies node's posted operations now (flush). */
  flushPosted(node: number): void {
    const mine = this.posts.filter((p) => p.node === node);
    this.posts = this.posts.filter((p) => p.node !== node);
    for (const p of mine) p.fn();
  }

  setTimer(at: number, fn: () => void): void {
    this.timers.push({ at: Math.max(at, this._cycle), seq: this.timerSeq++, fn });
    this.timers.sort((x, y) => x.at - y.at || x.seq - y.seq);
  }

  log(text: string): void {
    this.a.log(this.handle, text);
  }

  /** Schedules a fault while running (its `at` is clamped to now). */
  addFault(f: FaultSpec): void {
    const e = Buffer.alloc(512);
    const P = periodPs(this.net);
    if ((this.a.addFault(this.handle, faultLine(f, P), e, e.length) as number) !== 0) {
      throw new Error(`cluster: ${e.toString('utf8').replace(/\0.*$/s, '')} (${JSON.stringify(f)})`);
    }
    if (f.kind === 'crash') this.noteCrash(f.node, Math.max(f.at, this._cycle));
    const ts = [Math.max(f.at, this._cycle) + 1, ...(f.until !== undefined ? [f.until + 1] : [])];
    this.faultTimes.push(...ts);
    this.faultTimes.sort((x, y) => x - y);
  }

  /** Tells clients which planes to use (bit p = plane p usable; 0 = all). */
  setPlaneHint(mask: number): void {
    this.a.setPlaneHint(this.handle, mask >>> 0);
  }

  /** Clients stop offering new requests (outstanding ones may still be retried). */
  stopTraffic(): void {
    this.a.stopTraffic(this.handle);
  }

  /** @internal advances the world without running host code (used by waiting reads). */
  advanceRaw(n: number): void {
    const t0 = performance.now();
    const c = Number(this.a.run(this.handle, n));
    this.nativeSeconds += (performance.now() - t0) / 1000;
    this.nativeCycles += c - this._cycle;
    this._cycle = c;
    const e = this.a.error(this.handle) as string;
    if (e) throw new Error(`cluster: ${e}`);
  }

  private nextStop(limit: number): number {
    let t = Math.min(limit, this._cycle + this.maxBatch, this.nextPoll);
    if (this.timers.length) t = Math.min(t, this.timers[0]!.at);
    for (const p of this.posts) t = Math.min(t, p.due);
    for (const f of this.faultTimes) if (f > this._cycle) { t = Math.min(t, f); break; }
    return Math.max(t, this._cycle + 1);
  }

  private noteCrash(node: number, at: number): void {
    (this.crashDue[node] ??= []).push(at);
  }

  private notifyCrashState(i: number, c: boolean): void {
    this.crashedView[i] = c;
    this.pendingHost[i] = [];
    this.posts = this.posts.filter((p) => p.node !== i || !c);
    if (c) this.hosts[i]!.onCrash?.(this.ctxs[i]!);
    else this.hosts[i]!.onRestart?.(this.ctxs[i]!);
  }

  private runHosts(): void {
    // posted operations that are due
    this.applyDuePosts();
    // crash / restart notices
    for (let i = 0; i < this.replicas; i++) {
      const c = (this.a.crashed(this.handle, i) as number) !== 0;
      // a crash fault that took effect since the last look (it holds from its cycle + 1)
      const due = this.crashDue[i]!;
      const crashedSince = due.some((t) => t < this._cycle);
      if (crashedSince) this.crashDue[i] = due.filter((t) => t >= this._cycle);
      // up then and up now, yet crashed in between: it crashed and restarted unseen; tell both
      if (crashedSince && !c && !this.crashedView[i]) this.notifyCrashState(i, true);
      if (c !== this.crashedView[i]) this.notifyCrashState(i, c);
    }
    // timers
    while (this.timers.length && this.timers[0]!.at <= this._cycle) this.timers.shift()!.fn();
    // host polls
    if (this._cycle >= this.nextPoll) {
      this.nextPoll = this._cycle + this.hostPollCycles;
      for (let i = 0; i < this.replicas; i++) {
        const fresh = this.pullHost(i);
        const q = this.pendingHost[i]!;
        q.push(...fresh);
        let k = 0;
        while (k < q.length && q[k]!.cycle + this.hostLatencyCycles <= this._cycle) k++;
        if (k > 0) {
          const ready = q.splice(0, k);
          this.nics[i]!.deliver(ready);
          this.hosts[i]!.onHostFrames?.(this.ctxs[i]!, ready);
        }
      }
      for (const fn of this.pollers) fn();
    }
  }

  private pullHost(i: number): HostFrame[] {
    return this.drainRecords((buf, cap) => Number(this.a.pullHost(this.handle, i, buf, cap)),
      (frame, user, cycle) => ({ frame, reason: user & 0xff, cycle }));
  }

  /**
   * Drains a native record queue (pullHost, tapPoll): `fetch` fills the buffer with records (u32 length,
   * u32 user word, u64 cycle, the frame padded to 8 bytes) and returns their bytes, 0 when empty, or
   * minus the size it needs; the buffer grows to fit.
   */
  private drainRecords<T>(fetch: (buf: Buffer, cap: number) => number, make: (frame: Uint8Array, user: number, cycle: number) => T): T[] {
    const out: T[] = [];
    for (;;) {
      const n = fetch(this.buf, this.buf.length);
      if (n === 0) return out;
      if (n < 0) { this.buf = Buffer.alloc(Math.max(-n, this.buf.length * 2)); continue; }
      let off = 0;
      while (off < n) {
        const len = this.buf.readUInt32LE(off);
        const user = this.buf.readUInt32LE(off + 4);
        const cycle = Number(this.buf.readBigUInt64LE(off + 8));
        out.push(make(Uint8Array.from(this.buf.subarray(off + 16, off + 16 + len)), user, cycle));
        off += 16 + ((len + 7) & ~7);
      }
    }
  }

  /** Runs `cycles` cycles: batches in native code, host software between batches. */
  run(cycles: number, onProgress?: (done: number) => void): void {
    const end = this._cycle + cycles;
    const start = this._cycle;
    while (this._cycle < end) {
      const stop = this.nextStop(end);
      this.advanceRaw(stop - this._cycle);
      this.runHosts();
      this.drainEvents();
      onProgress?.(this._cycle - start);
    }
  }

  /** Runs until `pred` holds (checked between batches of at most `step` cycles) or `limit` cycles passed. */
  runUntil(pred: () => boolean, limit: number, step = 1000): boolean {
    const end = this._cycle + limit;
    while (this._cycle < end) {
      if (pred()) return true;
      this.run(Math.min(step, end - this._cycle));
    }
    return pred();
  }

  private drainEvents(): void {
    for (;;) {
      const n = Number(this.a.events(this.handle, this.buf, this.buf.length));
      if (n === 0) return;
      if (n < 0) { this.buf = Buffer.alloc(Math.max(-n, this.buf.length * 2)); continue; }
      const text = this.buf.toString('utf8', 0, n);
      for (const l of text.split('\n')) if (l) this.eventLines.push(l);
    }
  }

  /** The event log so far: "cycle text" lines, in time order. */
  events(): string[] {
    this.drainEvents();
    return this.eventLines;
  }

  /** Fabric and client counters (drops by reason, per-port figures), name -> value. */
  stats(): Record<string, number> {
    for (;;) {
      const n = Number(this.a.stats(this.handle, this.buf, this.buf.length));
      if (n < 0) { this.buf = Buffer.alloc(-n * 2); continue; }
      const out: Record<string, number> = {};
      for (const l of this.buf.toString('utf8', 0, n).split('\n')) {
        const eq = l.indexOf('=');
        if (eq > 0) out[l.slice(0, eq)] = Number(l.slice(eq + 1));
      }
      return out;
    }
  }

  /** Client request latency (request handed to the client's MAC -> reply handed over), cycles. */
  latency(): ClientLatency {
    const b = new BigUint64Array(8);
    this.a.latency(this.handle, b, 8);
    const v = Array.from(b, Number);
    return { count: v[0]!, p50: v[1]!, p99: v[2]!, p999: v[3]!, max: v[4]!, overflow: v[5]!, min: v[6]!, mean: v[0]! ? v[7]! / v[0]! : 0 };
  }

  /** The exact latency histogram: h[v] = requests that took v cycles. */
  histogram(maxCycles = 65536): number[] {
    const b = new BigUint64Array(maxCycles);
    const n = this.a.histogram(this.handle, b, maxCycles) as number;
    return Array.from(b.subarray(0, n), Number);
  }

  /** Requests completed per 2,500-cycle (10 µs at 250 MHz) bucket, from cycle 0. */
  completionBuckets(): number[] {
    const n = this.a.buckets(this.handle, new BigUint64Array(1), 0) as number;
    const b = new BigUint64Array(Math.max(1, n));
    this.a.buckets(this.handle, b, n);
    return Array.from(b.subarray(0, n), Number);
  }

  /** The native hop figure for cross-checking the TypeScript arithmetic (ps). */
  nativeHopPs(len: number, fromClient: boolean, toClient: boolean): number {
    return Number(this.a.hopPs(this.handle, len, fromClient ? 1 : 0, toClient ? 1 : 0));
  }

  /** NIC counters of every replica (reads advance the world by a few dozen cycles). */
  nicCounters(): Array<Record<CounterName, bigint> | undefined> {
    return this.nics.map((n, i) => (this.crashedView[i] ? undefined : n.readCounters()));
  }

  /** Starts an FST waveform per NIC: `${base}.n${i}.fst`. */
  traceOpen(base: string): string[] {
    const stem = base.replace(/\.fst$/, '');
    return this.nics.map((n, i) => {
      const p = `${stem}.n${i}.fst`;
      n.sim.traceOpen(p);
      return p;
    });
  }
  traceClose(): void {
    for (const n of this.nics) n.sim.traceClose();
  }

  destroy(): void {
    if (!this.h) return;
    this.traceClose();
    for (const n of this.nics) n.sim.destroy();
    this.a.destroy(this.h);
    this.h = undefined;
  }
}
