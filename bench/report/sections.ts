// The sections of the cluster benchmark (bench/cluster.ts, `nicraft bench`), one function each:
//   load       load sweep, 3 and 5 replicas, fast path (commit snooping and NIC replies), host replies,
//              the CDF at 85.5%, and where the time goes at 85.5% (breakdown)
//   payload    payload sweep at fixed loads, 64..1500-byte frames
//   software   the same cluster with the fast path off (sim/software-host.ts) vs the fast path
//   failover   leader crash under load with the real control plane (sim/failover.ts), medians over seeds
//   planeLoss  one plane fails under 85.5% load: before, during, after
//   elections  spurious elections: the load sweep, the plane-loss run and 1% loss on a plane with
//              electing hosts and the failover section's NIC failure detection, no crash
//   simSpeed   simulated cycles per second, TypeScript-driven vs a plain C++ loop
//   readScaling  95% gets, 1/3/5 replicas, gets from the leader vs any replica (follower leases),
//              with the software path's host cost model (sim/read-scaling.ts)
//   wor        the WOR applications (bench/report/wor.ts): shared-log appends, 2PC commit latency (ModelNic)
// docs/benchmarks.md explains every figure.
import { BEAT_BYTES, HDR_BYTES, lineRateFps, MIN_FRAME_BYTES } from '../../ctrl/wire/wire.gen.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Nic } from '../../ctrl/nic/nic.js';
import { ROOT, variantName, type Variant } from '../../native/build.js';
import {
  DEFAULT_NETWORK, StaticHost, networkFloorPs, periodPs, type HostContext, type NetworkModel, type NicSettings, type PlaneMode,
} from '../../sim/cluster.js';
import { runFailover, type FailoverSummary, type RunHealth } from '../../sim/failover.js';
import { CHAIN_NIC_SETTINGS, runChainFailover } from '../../sim/chain-world.js';
import { loadScenario } from '../../sim/scenario.js';
import { DEFAULT_SOFTWARE_COST, type SoftwareCost } from '../../sim/software-host.js';
import { runReadScaling, type ReadScalingResult } from '../../sim/read-scaling.js';
import { runChainReads, type ChainReadsResult } from '../../sim/chain-reads.js';
import {
  cdfOf, floorHops, histPercentile, loneLatency, makeCluster, replyFloorPs, runPoint,
  type HostModel, type Path, type PointResult, type PointSpec, type Reply,
} from './measure.js';

// ---- configuration --------------------------------------------------------------------------------

export type Mode = 'full' | 'quick' | 'tiny';
export const SECTIONS = ['load', 'modes', 'payload', 'software', 'failover', 'planeLoss', 'elections', 'simSpeed', 'readScaling', 'wor'] as const;
export type Section = (typeof SECTIONS)[number];

/**
 * Fast-path settings of every run (the demo's, with a shorter ACK delay: see docs/benchmarks.md). The
 * ACK gap (RAFT_ACK_GAP) is not here: it follows from the replica count (benchAckGapCycles), unless
 * set (ackGapCycles 0: off, the ACK_COUNT/ACK_DELAY coalescing alone).
 */
export const BENCH_NIC: NicSettings = { ackCount: 16, ackDelayCycles: 32, hbIntervalCycles: 1000, hbCommitDelayCycles: 32 };

/**
 * The least ACK gap (cycles) that keeps the leader's ingress within line rate on each plane at 100%
 * offered load (docs/architecture.md "ACK timing"): minimum-size requests spread over `planes` planes
 * take 1/planes of a plane's line rate, and each follower's ACKs go out on every plane, so
 * followers / gap <= (1 - 1/planes) x line-rate frames per cycle. 3 replicas, 2 planes: 7 cycles; 5: 14.
 * One plane, or clients in duplicate mode (every request on every plane): no room for ACKs at 100%, the
 * gap is off (0) and ACK_COUNT/ACK_DELAY alone pace the ACKs, as before issue 17.
 */
export function benchAckGapCycles(replicas: number, planes: number, net: NetworkModel, clientPlanes: PlaneMode = 'spread'): number {
  if (planes < 2 || clientPlanes !== 'spread') return 0;
  const linePerCycle = lineRateFps(MIN_FRAME_BYTES, net.linkGbps) / (net.clockMHz * 1e6);
  return Math.ceil((replicas - 1) / ((1 - 1 / planes) * linePerCycle));
}
/** The Cluster's host model (its defaults): every host <-> NIC crossing 1 us, polls every 1 us. */
export const BENCH_HOST: HostModel = { latencyNs: 1000, pollNs: 1000 };
/**
 * Request payload of the benchmarks: 4 bytes, the most a one-beat (64-byte) frame holds after the
 * 60-byte header of frame authentication (docs/auth.md, "Wire cost"): a 64-byte request (68 with FCS),
 * one beat in the NIC. (Before authentication the header was 44 bytes and the payload 16: a 60-byte
 * request; with the 60-byte header 16 bytes would make a 76-byte, two-beat request.)
 */
export const MIN_PAYLOAD = BEAT_BYTES - HDR_BYTES;
export const HEADLINE_LOAD = 85.5;
/** Waverunner (NSDI'23): p99 1.8 us at 85.5 Gb/s, minimum-size, no batching. */
export const WAVERUNNER_P99_NS = 1800;
/** What-if network: no RS-FEC (PG203's 21.7 ns TX and 114.8 ns RX RS-FEC latency removed). */
export const NO_FEC: Partial<NetworkModel> = { nicTxNs: 18.3, nicRxNs: 25.2, clientTxNs: 18.3, clientRxNs: 25.2 };

export interface Profile {
  /** Offered loads (% of line rate) of the fast-path sweep with commit snooping. */
  loads: number[];
  /** Loads of the NIC-reply and host-reply sweeps (they stop after two unsustained points). */
  replyLoads: number[];
  /** Loads of the follower-reply sweep (reply 'follower'; stops after two unsustained points). */
  followerLoads: number[];
  /** Loads of the replication-mode comparison (leader and chain side by side; stops after two unsustained points). */
  modeLoads: number[];
  targetRequests: number;
  maxDurationUs: number;
  payloadWireBytes: number[];
  payloadLoads: number[];
  softwareLoads: number[];
  softwareRequests: number;
  /** Replica counts of the software-path comparison (intersected with --replicas). */
  softwareReplicas: number[];
  planeLossPhaseUs: number;
  /** fault-free loads of the plane-loss section's sweep in each client plane mode (highest sustained) */
  planeLossSweepPcts: number[];
  /** spurious elections: loads (with electing hosts) and the simulated window of each, us */
  electionLoads: number[];
  electionWindowUs: number;
  /** ... the plane-loss runs (phase = planeLossPhaseUs) and the 1%-loss run (its window; 0: neither) */
  electionLossUs: number;
  speedCycles: number;
  speedRepeats: number;
  loneRequests: number;
  /** read scaling: replica counts and the measured window per point (simulated us) */
  readScalingReplicas: number[];
  readScalingUs: number;
}

export const PROFILES: Record<Mode, Profile> = {
  full: {
    loads: [10, 20, 30, 40, 50, 60, 70, 80, 85.5, 90, 100],
    replyLoads: [10, 20, 30, 40, 50, 60, 70, 80],
    followerLoads: [10, 50, 80, 85.5, 90, 95, 98, 100],
    modeLoads: [10, 30, 50, 60, 70, 85.5, 90, 95, 98, 100],
    targetRequests: 100_000,
    maxDurationUs: 80_000,
    payloadWireBytes: [64, 128, 256, 512, 1024, 1500],
    payloadLoads: [50, 85.5, 95],
    softwareLoads: [1, 2, 3, 4, 5],
    softwareRequests: 100_000,
    softwareReplicas: [3],
    planeLossPhaseUs: 800,
    planeLossSweepPcts: [85.5, 88, 90, 92, 95, 100],
    electionLoads: [10, 20, 30, 40, 50, 60, 70, 80, 85.5, 90, 100],
    electionWindowUs: 200,
    electionLossUs: 800,
    speedCycles: 200_000,
    speedRepeats: 3,
    loneRequests: 200,
    readScalingReplicas: [1, 3, 5],
    readScalingUs: 300,
  },
  quick: {
    loads: [10, 50, 85.5, 100],
    replyLoads: [10, 30, 50, 60],
    followerLoads: [10, 50, 85.5, 95, 98, 100],
    modeLoads: [10, 50, 60, 85.5, 95, 100],
    targetRequests: 20_000,
    maxDurationUs: 20_000,
    payloadWireBytes: [64, 512, 1500],
    payloadLoads: [50, 95],
    softwareLoads: [1, 3],
    softwareRequests: 10_000,
    softwareReplicas: [3],
    planeLossPhaseUs: 150,
    planeLossSweepPcts: [85.5, 90, 95, 100],
    electionLoads: [10, 50, 85.5, 100],
    electionWindowUs: 100,
    electionLossUs: 300,
    speedCycles: 60_000,
    speedRepeats: 1,
    loneRequests: 50,
    readScalingReplicas: [1, 3, 5],
    readScalingUs: 100,
  },
  tiny: {
    loads: [50, 85.5],
    replyLoads: [20],
    followerLoads: [85.5],
    modeLoads: [50, 85.5],
    targetRequests: 2_000,
    maxDurationUs: 2_000,
    payloadWireBytes: [64, 128],
    payloadLoads: [50],
    softwareLoads: [2],
    softwareRequests: 1_000,
    softwareReplicas: [3],
    planeLossPhaseUs: 40,
    planeLossSweepPcts: [85.5],
    electionLoads: [85.5],
    electionWindowUs: 30,
    electionLossUs: 0,
    speedCycles: 10_000,
    speedRepeats: 1,
    loneRequests: 10,
    readScalingReplicas: [1, 3],
    readScalingUs: 30,
  },
};

export interface BenchContext {
  mode: Mode;
  profile: Profile;
  replicas: number[];
  seed: number;
  planes: number;
  network: NetworkModel;
  nic: NicSettings;
  host: HostModel;
  softwareCost: Required<SoftwareCost>;
  /** Progress lines (stderr). */
  log: (line: string) => void;
}

export function makeContext(mode: Mode, opts: { replicas?: number[]; seed?: number; requests?: number; log?: (l: string) => void } = {}): BenchContext {
  const profile = { ...PROFILES[mode] };
  if (opts.requests) {
    profile.targetRequests = opts.requests;
    profile.softwareRequests = opts.requests;
  }
  return {
    mode,
    profile,
    replicas: opts.replicas ?? (mode === 'tiny' ? [3] : [3, 5]),
    seed: opts.seed ?? 1,
    planes: 2,
    network: { ...DEFAULT_NETWORK },
    nic: { ...BENCH_NIC },
    host: { ...BENCH_HOST },
    softwareCost: { ...DEFAULT_SOFTWARE_COST },
    log: opts.log ?? (() => {}),
  };
}

/**
 * The fast-path settings of a point: BENCH_NIC (ctx.nic) with the ACK gap for its replicas and planes.
 * Replies from the NIC or the host: HB_COMMIT_DELAY 32 cycles (the reset value) instead of 4, since the
 * clients do not learn the commit from the leader's heartbeats there (only the followers do), and at 50%
 * the leader's uplink is full with an APPEND and a REPLY per request: with ACKs every few entries (the
 * ACK gap) the commit index moves every few cycles, and 4-cycle commit heartbeats overflowed it
 * (LOG_FULL at 50%, docs/benchmarks.md).
 */
export function benchNic(ctx: BenchContext, replicas: number, planes: number, clientPlanes: PlaneMode = 'spread', reply: Reply = 'snoop'): NicSettings {
  const hb = reply === 'snoop' ? {} : { hbCommitDelayCycles: HB_COMMIT_DELAY_REPLY };
  if (ctx.nic.ackGapCycles !== undefined) return { ...ctx.nic, ...hb };
  return { ...ctx.nic, ...hb, ackGapCycles: benchAckGapCycles(replicas, planes, ctx.network, clientPlanes) };
}
/** HB_COMMIT_DELAY of the points with NIC or host replies (benchNic). */
export const HB_COMMIT_DELAY_REPLY = 32;

export function pointSpec(ctx: BenchContext, over: Partial<PointSpec> & { replicas: number; path: Path; reply: Reply; ratePct: number }): PointSpec {
  return {
    planes: ctx.planes,
    seed: ctx.seed,
    payloadBytes: MIN_PAYLOAD,
    clients: 2,
    nic: benchNic(ctx, over.replicas, over.planes ?? ctx.planes, over.clientPlanes, over.reply),
    network: ctx.network,
    host: ctx.host,
    softwareCost: ctx.softwareCost,
    targetRequests: ctx.profile.targetRequests,
    minDurationUs: 10,
    maxDurationUs: ctx.profile.maxDurationUs,
    warmupUs: 5,
    drainUs: over.path === 'software' ? 200 : 60,
    retryUs: 0,
    ...over,
  };
}

const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function logPoint(ctx: BenchContext, tag: string, r: PointResult): void {
  ctx.log(`[bench] ${tag.padEnd(22)} ${String(r.replicas)}r ${String(r.offeredPct).padStart(7)}% ${String(r.wireFrameBytes).padStart(4)}B  p50 ${fmt(r.latencyNs.p50).padStart(7)}  p99 ${fmt(r.latencyNs.p99).padStart(7)}  p99.9 ${fmt(r.latencyNs.p999).padStart(7)} ns  ${fmt(r.samples)} req  ${r.sustained ? 'sustained' : 'NOT sustained'}  ${r.wallSeconds} s`);
}

/** Runs the loads in order; stops after two unsustained points in a row (overload only grows). */
function sweep(ctx: BenchContext, tag: string, loads: number[], mk: (rate: number) => PointSpec, opts: { stopAfterTwoFailures?: boolean; histogramAt?: number } = {}): { points: PointResult[]; histogram?: number[] } {
  const points: PointResult[] = [];
  let histogram: number[] | undefined;
  let fails = 0;
  for (const rate of loads) {
    const want = opts.histogramAt === rate;
    const { result, extras } = runPoint(mk(rate), { histogram: want });
    if (want) histogram = extras.histogram;
    points.push(result);
    logPoint(ctx, tag, result);
    fails = result.sustained ? 0 : fails + 1;
    if (opts.stopAfterTwoFailures && fails >= 2) break;
  }
  return { points, histogram };
}

// ---- 1. load sweep ------------------------------------------------------------------------------

export interface Breakdown {
  replicas: number;
  offeredPct: number;
  p50Ns: number;
  p99Ns: number;
  p999Ns: number;
  networkFloorNs: number;
  floorHops: ReturnType<typeof floorHops>;
  /** Cycle quantisation: each hop rounds up to whole cycles, plus 2 cycles of MAC hand-off. */
  cycleRoundingNs: number;
  /** NIC pipeline cycles of a lone request with immediate ACKs (ACK_COUNT=1). */
  nicPipelineNs: number;
  /**
   * p50 / p99 at this load minus the lone request with immediate ACKs: the wait for the followers'
   * coalesced ACK (ACK_COUNT/ACK_DELAY) plus contention and queueing.
   */
  ackAndQueueingP50Ns: number;
  ackAndQueueingP99Ns: number;
  /** Longest an entry waits for the ACK that covers it at this load: min(ACK_DELAY, ACK_COUNT / requests per cycle, ACK_GAP). */
  ackIntervalNs: number;
  loneLatencyNs: { settings: number; immediateAck: number; samples: number; deterministic: boolean };
  meetsWaverunner: boolean;
  statement: string;
  whatIfNoFec?: PointResult;
}

export interface LoadResult {
  loadSweep: PointResult[];
  hostReplySweep: PointResult[];
  cdf: { replicas: number; offeredPct: number; reply: Reply; samples: number; networkFloorNs: number; points: Array<{ latencyNs: number; fraction: number }> } | null;
  breakdown: Breakdown | null;
}

export function loadSection(ctx: BenchContext): LoadResult {
  const loadSweep: PointResult[] = [];
  const hostReplySweep: PointResult[] = [];
  let cdf: LoadResult['cdf'] = null;
  const cdfReplicas = ctx.replicas.includes(3) ? 3 : ctx.replicas[0]!;
  const nsPerCycle = periodPs(ctx.network) / 1000;
  for (const n of ctx.replicas) {
    const snoop = sweep(ctx, 'fast path, snoop', ctx.profile.loads,
      (rate) => pointSpec(ctx, { replicas: n, path: 'fast', reply: 'snoop', ratePct: rate }),
      { histogramAt: n === cdfReplicas ? HEADLINE_LOAD : undefined });
    loadSweep.push(...snoop.points);
    if (snoop.histogram) {
      const p = snoop.points.find((x) => Math.abs(x.offeredPct - HEADLINE_LOAD) < 0.05)!;
      cdf = { replicas: n, offeredPct: p.offeredPct, reply: 'snoop', samples: p.samples, networkFloorNs: p.networkFloorNs, points: cdfOf(snoop.histogram, nsPerCycle) };
    }
    loadSweep.push(...sweep(ctx, 'fast path, NIC reply', ctx.profile.replyLoads,
      (rate) => pointSpec(ctx, { replicas: n, path: 'fast', reply: 'nic', ratePct: rate }), { stopAfterTwoFailures: true }).points);
    loadSweep.push(...sweep(ctx, 'fast path, follower reply', ctx.profile.followerLoads,
      (rate) => pointSpec(ctx, { replicas: n, path: 'fast', reply: 'follower', ratePct: rate }), { stopAfterTwoFailures: true }).points);
    hostReplySweep.push(...sweep(ctx, 'host reply', ctx.profile.replyLoads,
      (rate) => pointSpec(ctx, { replicas: n, path: 'hostReply', reply: 'host', ratePct: rate }), { stopAfterTwoFailures: true }).points);
  }
  const head = loadSweep.find((p) => p.replicas === cdfReplicas && p.reply === 'snoop' && Math.abs(p.offeredPct - HEADLINE_LOAD) < 0.05);
  const breakdown = head ? breakdownOf(ctx, head) : null;
  return { loadSweep, hostReplySweep, cdf, breakdown };
}

/**
 * Chain mode's fast-path settings (docs/replication-modes.md): every node ACKs its predecessor, a middle
 * what its successor confirmed, so ACKs are coalesced harder than in leader mode (the tail's uplink
 * carries a REPLY per request besides them: one ACK per 48 cycles at most, a middle's by ACK_DELAY alone,
 * is 3.5% of its line rate) and the go-back-N timeout is long: a node's view of its successor is what
 * the whole chain below holds, which stalls while a later hop repairs a gap, and a short timeout resends
 * what the successor has (gaps are repaired by NACKs hop by hop; sim/scenarios/chain.yaml).
 */
export const CHAIN_NIC: Partial<NicSettings> = {
  ackCount: CHAIN_NIC_SETTINGS.ackCount, ackDelayCycles: CHAIN_NIC_SETTINGS.ackDelayCycles, ackGapCycles: CHAIN_NIC_SETTINGS.ackGapCycles, rtoCycles: CHAIN_NIC_SETTINGS.rtoCycles,
};

/** One replication mode's row of the side-by-side comparison (issue 21). */
export interface ModeRow {
  replicas: number;
  mode: 'leader' | 'chain';
  /** leader: the leader NIC replies (NIC_REPLY) or the followers (FOLLOWER_REPLY); chain: the tail */
  reply: 'nic' | 'follower' | 'tail';
  /** highest offered load of the sweep that was sustained (every reply, no drop), % of line rate */
  maxSustainedPct: number | null;
  at50: { p50Ns: number; p99Ns: number; sustained: boolean } | null;
  at85: { p50Ns: number; p99Ns: number; sustained: boolean } | null;
  /** network floor of the reply's path (chain: REQ, one APPEND per link, REPLY) */
  networkFloorNs: number;
  /**
   * after a crash of each position (µs after the crash): the first commit (leader: the new leader's first
   * commit; chain: the first reply for an entry sequenced in the new configuration), the detection (chain:
   * the master starts the change), the new configuration installed; entries caught up through the control
   * network; `ok`: one log, every reply matched, every request answered (null: not measured, failoverNote)
   */
  failover: Array<{ position: string; firstCommitUs: number | null; detectUs?: number | null; installedUs?: number | null; caughtUpEntries?: number; ok?: boolean }> | null;
  failoverNote: string;
  /**
   * Where the time goes at 85.5% (null: not sustained there): the reply path's network floor, the NIC
   * pipelines and cycle rounding (a lone request's latency minus the floor), and the wait under load (p50
   * and p99 minus the lone request's latency: ACK coalescing on the path, contention)
   */
  breakdown85?: { floorNs: number; loneNs: number; nicAndRoundingNs: number; loadP50Ns: number; loadP99Ns: number; p99Ns: number } | null;
}

export interface ModesResult {
  rows: ModeRow[];
  points: Array<PointResult & { replication: 'leader' | 'chain' }>;
  /** the payload sweep of both modes with a reply per request (3 replicas): leader mode's follower replies, chain mode's tail */
  payloadPoints: Array<PointResult & { replication: 'leader' | 'chain' }>;
}

/**
 * Failover per position (issue 21), under the failover section's traffic (sim/scenarios/demo.yaml
 * failover: 85.5% of line rate, 16-byte requests, 2 clients, 2 planes, retries after 20 us within a 6%
 * budget), one crash 100 us into it: leader mode's leader (sim/failover.ts, the real Raft control plane,
 * NIC silence detection), chain mode's head, middle and tail (sim/chain-world.ts runChainFailover: the
 * chain master, NIC silence reports, beats); the tail replies to every client.
 */
export function modeFailovers(ctx: BenchContext, n: number): { leader: ModeRow['failover']; chain: ModeRow['failover'] } {
  const sc = loadScenario(join(ROOT, 'sim/scenarios/demo.yaml'));
  const spec = sc.failover!;
  const tiny = ctx.mode === 'tiny';
  const crashAtUs = tiny ? 50 : spec.crashAtUs;
  const afterUs = tiny ? 150 : spec.afterUs;
  const leader = runFailover({ ...sc, replicas: n }, { ...spec, crashAtUs, afterUs }, ctx.seed);
  ctx.log(`[bench] modes failover, ${n} replicas, leader mode: leader crash: detected ${leader.detectUs} us, first commit ${leader.firstCommitUs} us, lost ${leader.lostRequests}, agreement ${leader.agreement}`);
  const chain: NonNullable<ModeRow['failover']> = [];
  for (const position of ['head', 'middle', 'tail'] as const) {
    const r = runChainFailover({
      replicas: n, planes: sc.planes, seed: ctx.seed, position, ratePct: sc.workload.ratePct, retryBudgetPct: spec.retryBudgetPct ?? 6,
      retryUs: sc.workload.retryUs ?? 20, payloadBytes: sc.workload.payloadBytes, clients: sc.workload.clients, crashAtUs, afterUs,
      network: ctx.network,
    });
    ctx.log(`[bench] modes failover, ${n} replicas, chain: ${position} (node ${r.node}) crash: change started ${r.detectUs} us, installed ${r.installedUs} us, first commit ${r.firstCommitUs} us, ` +
      `${r.caughtUpEntries} entries caught up, ${r.completed}/${r.offered} answered, ok ${r.ok}${r.problems.length ? ` (${r.problems.join('; ')})` : ''}`);
    chain.push({ position, firstCommitUs: r.firstCommitUs, detectUs: r.detectUs, installedUs: r.installedUs, caughtUpEntries: r.caughtUpEntries, ok: r.ok });
  }
  return {
    leader: [{ position: 'leader', firstCommitUs: leader.firstCommitUs, detectUs: leader.detectUs, installedUs: leader.electedUs, ok: leader.agreement && leader.lostRequests === 0 }],
    chain,
  };
}

export const LEADER_FAILOVER_NOTE = "leader crash under the failover section's traffic (demo.yaml failover: 85.5%, snooping clients, NIC silence detection; installedUs = elected); a follower's crash leaves a quorum and is not measured here";
export const CHAIN_FAILOVER_NOTE = "crash of each position under the failover section's traffic (85.5%, the tail's replies), the chain master with NIC silence reports (750 cycles) and beats (suspect after 10 us), a 2 us control network at 25 Gb/s (sim/chain-world.ts)";

/**
 * Leader mode and chain mode side by side, with a reply per request (issue 21): for each replica count,
 * leader mode with NIC replies and with follower replies, chain mode with the tail's replies; the same
 * loads, seed, network and clients.
 */
export function modesSection(ctx: BenchContext): ModesResult {
  const rows: ModeRow[] = [];
  const points: ModesResult['points'] = [];
  const at = (pts: PointResult[], pct: number) => {
    const p = pts.find((x) => Math.abs(x.offeredPct - pct) < 0.05);
    return p ? { p50Ns: p.latencyNs.p50, p99Ns: p.latencyNs.p99, sustained: p.sustained } : null;
  };
  for (const n of ctx.replicas) {
    const fo = modeFailovers(ctx, n);
    const runs: Array<{ mode: 'leader' | 'chain'; reply: ModeRow['reply'] }> = [
      { mode: 'leader', reply: 'nic' }, { mode: 'leader', reply: 'follower' }, { mode: 'chain', reply: 'tail' },
    ];
    for (const r of runs) {
      const reply: Reply = r.reply === 'nic' ? 'nic' : 'follower';
      const { points: pts } = sweep(ctx, `${r.mode}, ${r.reply} replies`, ctx.profile.modeLoads, (rate) => {
        const base = pointSpec(ctx, { replicas: n, path: 'fast', reply, ratePct: rate });
        return r.mode === 'chain' ? { ...base, replication: 'chain', nic: { ...base.nic, ...CHAIN_NIC } } : base;
      }, { stopAfterTwoFailures: true });
      for (const p of pts) points.push({ ...p, replication: r.mode });
      const ok = pts.filter((p) => p.sustained);
      const p85 = pts.find((x) => Math.abs(x.offeredPct - HEADLINE_LOAD) < 0.05 && x.sustained);
      let breakdown85: ModeRow['breakdown85'] = null;
      if (p85) {
        const base = pointSpec(ctx, { replicas: n, path: 'fast', reply, ratePct: HEADLINE_LOAD });
        const spec = r.mode === 'chain' ? { ...base, replication: 'chain' as const, nic: { ...base.nic, ...CHAIN_NIC } } : base;
        const lone = loneLatency(spec, ctx.profile.loneRequests);
        const ns = periodPs(ctx.network) / 1000;
        const rd = (x: number): number => Math.round(x * 1000) / 1000;
        const loneNs = lone.p50 * ns;
        breakdown85 = {
          floorNs: rd(p85.networkFloorNs), loneNs: rd(loneNs), nicAndRoundingNs: rd(loneNs - p85.networkFloorNs),
          loadP50Ns: rd(p85.latencyNs.p50 - loneNs), loadP99Ns: rd(p85.latencyNs.p99 - loneNs), p99Ns: p85.latencyNs.p99,
        };
        ctx.log(`[bench] modes breakdown, ${n} replicas, ${r.mode} (${r.reply} replies) at ${HEADLINE_LOAD}%: floor ${breakdown85.floorNs} ns + NIC pipelines and rounding ${breakdown85.nicAndRoundingNs} ns (lone request ${breakdown85.loneNs} ns) + under load p50 ${breakdown85.loadP50Ns} / p99 ${breakdown85.loadP99Ns} ns = p99 ${breakdown85.p99Ns} ns`);
      }
      rows.push({
        replicas: n, mode: r.mode, reply: r.reply,
        maxSustainedPct: ok.length ? Math.max(...ok.map((p) => p.offeredPct)) : null,
        at50: at(pts, 50), at85: at(pts, HEADLINE_LOAD),
        networkFloorNs: pts[0]?.networkFloorNs ?? 0,
        failover: r.mode === 'chain' ? fo.chain : fo.leader,
        failoverNote: r.mode === 'chain' ? CHAIN_FAILOVER_NOTE : LEADER_FAILOVER_NOTE,
        breakdown85,
      });
    }
  }
  // the payload sweep, a reply per request, 3 replicas: leader mode with follower replies, chain mode with the tail's
  const payloadPoints: ModesResult['payloadPoints'] = [];
  const n3 = ctx.replicas.includes(3) ? 3 : ctx.replicas[0]!;
  const variant = payloadVariant(Math.max(...ctx.profile.payloadWireBytes), ctx.planes);
  for (const mode of ['leader', 'chain'] as const) {
    for (const load of ctx.profile.payloadLoads) {
      for (const wire of ctx.profile.payloadWireBytes) {
        const base = pointSpec(ctx, { replicas: n3, path: 'fast', reply: 'follower', ratePct: load, payloadBytes: wire - 4 - HDR_BYTES, variant });
        const spec = mode === 'chain' ? { ...base, replication: 'chain' as const, nic: { ...base.nic, ...CHAIN_NIC } } : base;
        const r = runPoint(spec).result;
        payloadPoints.push({ ...r, replication: mode });
        logPoint(ctx, `modes payload, ${mode} @${load}%`, r);
      }
    }
  }
  return { rows, points, payloadPoints };
}

/** Where the time goes at one load: floor, cycle rounding, NIC cycles, ACK coalescing, queueing. */
export function breakdownOf(ctx: BenchContext, p: PointResult): Breakdown {
  const net = ctx.network;
  const ns = periodPs(net) / 1000;
  const hops = floorHops(net, p.payloadBytes, p.reply, p.replicas);
  const floorNs = replyFloorPs(net, p.payloadBytes, p.reply, p.replicas) / 1000;
  const netCycles = 2 + hops.reduce((a, h) => a + h.cycles, 0);
  const base = pointSpec(ctx, { replicas: p.replicas, path: 'fast', reply: p.reply === 'follower' ? 'follower' : 'snoop', ratePct: HEADLINE_LOAD });
  // follower replies with 3 replicas: the follower commits at once (no ACK on the reply's path)
  const ackOnPath = !(p.reply === 'follower' && p.replicas <= 3);
  const lone = loneLatency(base, ctx.profile.loneRequests);
  const loneImm = loneLatency({ ...base, nic: { ...base.nic, ackCount: 1, ackDelayCycles: 1 } }, ctx.profile.loneRequests);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const loneNs = lone.p50 * ns;   // with the bench's ACK settings: an idle request waits ACK_DELAY
  let whatIfNoFec: PointResult | undefined;
  if (ctx.mode !== 'tiny') {
    whatIfNoFec = runPoint({ ...base, network: { ...net, ...NO_FEC } }).result;
    logPoint(ctx, 'what-if: no RS-FEC', whatIfNoFec);
  }
  const meets = p.latencyNs.p99 <= WAVERUNNER_P99_NS;
  const b: Breakdown = {
    replicas: p.replicas,
    offeredPct: p.offeredPct,
    p50Ns: p.latencyNs.p50,
    p99Ns: p.latencyNs.p99,
    p999Ns: p.latencyNs.p999,
    networkFloorNs: round(floorNs),
    floorHops: hops,
    cycleRoundingNs: round(netCycles * ns - floorNs),
    nicPipelineNs: round((loneImm.p50 - netCycles) * ns),
    ackAndQueueingP50Ns: round(p.latencyNs.p50 - loneImm.p50 * ns),
    ackAndQueueingP99Ns: round(p.latencyNs.p99 - loneImm.p50 * ns),
    ackIntervalNs: round(Math.min(base.nic.ackDelayCycles, base.nic.ackCount / (p.committedMpps / ctx.network.clockMHz), base.nic.ackGapCycles || Infinity) * ns),
    loneLatencyNs: { settings: loneNs, immediateAck: loneImm.p50 * ns, samples: lone.samples, deterministic: lone.min === lone.max },
    meetsWaverunner: meets,
    statement: '',
    ...(whatIfNoFec ? { whatIfNoFec } : {}),
  };
  const parts = `${p.reply === 'follower' ? 'follower replies, ' : ''}network floor ${fmt(b.networkFloorNs, 1)} ns (${hops.length} hops of ${fmt(hops[0]!.ns, 2)} ns: MAC/PHY+RS-FEC ${fmt(net.nicTxNs + net.nicRxNs)} ns, switch ${fmt(net.switchNs)} ns, cables ${fmt(2 * net.cableNs)} ns, serialisation ${fmt(hops[0]!.ns - net.nicTxNs - net.nicRxNs - net.switchNs - 2 * net.cableNs, 2)} ns: ${hops.map((h) => h.hop).join(', ')}), ` +
    `cycle rounding ${fmt(b.cycleRoundingNs, 1)} ns, NIC pipeline ${fmt(b.nicPipelineNs)} ns (together the lone-request latency with immediate ACKs, ${fmt(loneImm.p50 * ns)} ns), ` +
    (ackOnPath
      ? `waiting for the followers' coalesced ACKs plus contention at p99 ${fmt(b.ackAndQueueingP99Ns)} ns (at this load an entry waits up to ${fmt(b.ackIntervalNs)} ns for the ACK that covers it)`
      : `contention at p99 ${fmt(b.ackAndQueueingP99Ns)} ns (no ACK on this path: the follower commits the entry it took from the leader at once)`);
  b.statement = meets
    ? `p99 ${fmt(p.latencyNs.p99)} ns <= ${WAVERUNNER_P99_NS} ns at ${p.offeredPct}% with ${p.replicas} replicas: ${parts}.`
    : `p99 ${fmt(p.latencyNs.p99)} ns > ${WAVERUNNER_P99_NS} ns at ${p.offeredPct}% with ${p.replicas} replicas under the default network model. Where the time goes: ${parts}. ` +
      `The network floor alone exceeds ${WAVERUNNER_P99_NS} ns, so no NIC can meet it under this model` +
      (whatIfNoFec ? `; without RS-FEC (what-if, floor ${fmt(whatIfNoFec.networkFloorNs, 1)} ns) p99 is ${fmt(whatIfNoFec.latencyNs.p99)} ns${whatIfNoFec.latencyNs.p99 <= WAVERUNNER_P99_NS ? ', within the target' : ''}.` : '.');
  return b;
}

// ---- 2. payload sweep ---------------------------------------------------------------------------

export interface PayloadResult { variant: string; points: PointResult[] }

/** The RTL variant for frames up to `maxWire` bytes (MAX_PAYLOAD is 256 by default). */
export function payloadVariant(maxWire: number, planes: number): Variant {
  const need = maxWire - 4 - HDR_BYTES;
  if (need <= 256) return { params: { PLANES: planes } };
  return { params: { PLANES: planes, MAX_PAYLOAD: Math.ceil(need / 16) * 16 } };
}

export function payloadSection(ctx: BenchContext): PayloadResult {
  const n = ctx.replicas.includes(3) ? 3 : ctx.replicas[0]!;
  const variant = payloadVariant(Math.max(...ctx.profile.payloadWireBytes), ctx.planes);
  const points: PointResult[] = [];
  for (const load of ctx.profile.payloadLoads) {
    for (const wire of ctx.profile.payloadWireBytes) {
      const r = runPoint(pointSpec(ctx, { replicas: n, path: 'fast', reply: 'snoop', ratePct: load, payloadBytes: wire - 4 - HDR_BYTES, variant })).result;
      points.push(r);
      logPoint(ctx, `payload @${load}%`, r);
    }
  }
  return { variant: variantName(variant), points };
}

// ---- 3. hardware vs software path -----------------------------------------------------------------

export interface SoftwareResult {
  softwarePath: PointResult[];
  hardwareAtSameLoads: PointResult[];
  ratio: Array<{ replicas: number; offeredPct: number; p50: number; p99: number; p999: number; softwareSustained: boolean }>;
}

export function softwareSection(ctx: BenchContext): SoftwareResult {
  const softwarePath: PointResult[] = [];
  const hardwareAtSameLoads: PointResult[] = [];
  const ratio: SoftwareResult['ratio'] = [];
  const reps = ctx.profile.softwareReplicas.filter((n) => ctx.replicas.includes(n));
  for (const n of reps.length ? reps : [ctx.replicas[0]!]) {
    for (const load of ctx.profile.softwareLoads) {
      const common = { replicas: n, reply: 'nic' as const, ratePct: load, targetRequests: ctx.profile.softwareRequests };
      const sw = runPoint(pointSpec(ctx, { ...common, path: 'software' })).result;
      logPoint(ctx, 'software path', sw);
      const hw = runPoint(pointSpec(ctx, { ...common, path: 'fast' })).result;
      logPoint(ctx, 'fast path, NIC reply', hw);
      softwarePath.push(sw);
      hardwareAtSameLoads.push(hw);
      const q = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
      ratio.push({ replicas: n, offeredPct: load, p50: q(sw.latencyNs.p50, hw.latencyNs.p50), p99: q(sw.latencyNs.p99, hw.latencyNs.p99), p999: q(sw.latencyNs.p999, hw.latencyNs.p999), softwareSustained: sw.sustained });
    }
  }
  return { softwarePath, hardwareAtSameLoads, ratio };
}

// ---- 4. failover ----------------------------------------------------------------------------------

/** One failover run: sim/failover.ts's summary (times in us after the crash) with its seed and gap. */
export type FailoverRun = { seed: number; gapUs: number } & Pick<FailoverSummary,
  'crashAtUs' | 'newLeader' | 'term' | 'detectUs' | 'electedUs' | 'firstCommitUs' | 'fullThroughputUs' | 'to95Us' | 'minAfter95Pct' | 'elections' |
  'silenceEvents' | 'lostRequests' | 'retries' | 'agreement'>;

/** What the failover section reports (docs/benchmarks.md). */
export interface FailoverResult {
  replicas: number;
  offeredPct: number;
  /** Seed of the run whose timeline is shown (the median first commit); every seed is in `runs`. */
  seed: number;
  /** The leader crashed this long after traffic started, us. */
  crashAtUs: number;
  /** Median over the runs: crash -> the new leader's NIC commits its first entry, us. */
  firstCommitUs: number | null;
  /** Median over the runs: crash -> the first 10 us bucket at >= fullShare of the pre-crash rate, us (null: not within the run). */
  fullThroughputUs: number | null;
  /** Median over the runs: 10 us buckets after the crash with no completion, us. */
  gapUs: number;
  bucketUs: number;
  /** Committed Mreq/s per bucket; tUs relative to the crash. */
  timeline: Array<{ tUs: number; committedMpps: number }>;
  [more: string]: unknown;
}

// ============================================================================================
// FAILOVER. Wired to the lead's control plane in the co-simulation (sim/failover.ts, the same
// phase as `make demo`): the demo scenario's traffic and failover settings (sim/scenarios/demo.yaml:
// 85.5% load, election timeout, heartbeat, retry budget), the leader crashes under load, the
// figures are medians over `seeds` runs. Return null to leave the section pending (FAILOVER_PENDING).
// ============================================================================================
export const FAILOVER_PENDING = 'pending: the failover timeline needs the Raft host software for the Cluster; bench/report/sections.ts failoverSection() is the one function to fill in';

export function failoverSection(ctx: BenchContext): FailoverResult | null {
  const sc = loadScenario(join(ROOT, 'sim/scenarios/demo.yaml'));
  const spec = sc.failover;
  if (!spec) return null;
  const n = ctx.mode === 'full' ? 10 : ctx.mode === 'quick' ? 5 : 1;
  const seeds = Array.from({ length: n }, (_, i) => ctx.seed + i);
  // each seed crashes the leader at another moment (0 to 9.9 us later), so the crash meets the
  // traffic, the heartbeats and the hosts' ticks in another phase; the cores' randomness follows the seed
  const crashOffsetUs = (seed: number): number => ((seed * 7919) % 100) / 10;
  const one = (seed: number, sp: typeof spec, label: string): FailoverRun & { summary: FailoverSummary } => {
    const f = runFailover(sc, { ...sp, crashAtUs: sp.crashAtUs + crashOffsetUs(seed) }, seed);
    const r = {
      seed, crashAtUs: f.crashAtUs, newLeader: f.newLeader, term: f.term, detectUs: f.detectUs, electedUs: f.electedUs, firstCommitUs: f.firstCommitUs,
      fullThroughputUs: f.fullThroughputUs, to95Us: f.to95Us, minAfter95Pct: f.minAfter95Pct, elections: f.elections, silenceEvents: f.silenceEvents,
      gapUs: f.gapBuckets * 10, lostRequests: f.lostRequests, retries: f.retries, agreement: f.agreement, summary: f,
    };
    ctx.log(`[bench] failover (${label}) seed ${seed}: detected ${f.detectUs} us, elected ${f.electedUs} us, first commit ${f.firstCommitUs} us, ` +
      `95% ${f.to95Us ?? 'not'} us after it (lowest bucket after ${f.minAfter95Pct ?? '-'}%), elections ${f.elections}, lost ${f.lostRequests}, agreement ${f.agreement}`);
    return r;
  };
  const runs = seeds.map((seed) => one(seed, spec, 'NIC detection'));
  // the same crashes detected by the election timeout alone (the configuration before issue 18)
  const { nicDetect: _d, ...timeoutSpec } = spec;
  // (tiny, the test's mode: the NIC-detected runs alone)
  const before = spec.nicDetect && ctx.mode !== 'tiny' ? seeds.map((seed) => one(seed, { ...timeoutSpec, tickUs: 5 }, 'election timeout only')) : [];
  // medians; a figure that never happened within the run counts as longer than any that did
  const med = (xs: Array<number | null>): number | null => {
    const v = xs.map((x) => (x === null ? Infinity : x)).sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return Number.isFinite(v) ? v : null;
  };
  const worst = (xs: Array<number | null>, low = false): number | null => {
    const v = xs.map((x) => (x === null ? (low ? -Infinity : Infinity) : x)).reduce((a, b) => (low ? Math.min(a, b) : Math.max(a, b)));
    return Number.isFinite(v) ? v : null;
  };
  const stats = (rs: Array<FailoverRun & { summary: FailoverSummary }>) => ({
    seeds: rs.length,
    detectUs: { median: med(rs.map((r) => r.detectUs)), worst: worst(rs.map((r) => r.detectUs)) },
    electedUs: { median: med(rs.map((r) => r.electedUs)), worst: worst(rs.map((r) => r.electedUs)) },
    firstCommitUs: { median: med(rs.map((r) => r.firstCommitUs)), worst: worst(rs.map((r) => r.firstCommitUs)) },
    to95Us: { median: med(rs.map((r) => r.summary.to95Us)), worst: worst(rs.map((r) => r.summary.to95Us)) },
    minAfter95Pct: { median: med(rs.map((r) => r.summary.minAfter95Pct)), worst: worst(rs.map((r) => r.summary.minAfter95Pct), true) },
    elections: rs.reduce((a, r) => a + r.summary.elections, 0),
    lostRequests: rs.reduce((a, r) => a + r.lostRequests, 0),
    agreement: rs.every((r) => r.agreement),
  });
  // spurious elections: the same cluster and traffic without a crash, clean, with a plane lost for
  // 100 us, and with 1% of plane 0's frames lost (every election there is a false detection)
  const fpSpec = { ...spec, noCrash: true, afterUs: 200 };
  const fpCases: Array<{ name: string; faults: typeof spec.faults }> = [
    { name: 'clean', faults: [] },
    { name: 'plane 1 down for 100 us', faults: [{ kind: 'planeDown', atUs: 100, untilUs: 200, plane: 1 }] },
    { name: '1% loss on plane 0', faults: [{ kind: 'drop', atUs: 0, untilUs: 400, plane: 0, prob: 0.01 }] },
  ];
  const spurious = spec.nicDetect && ctx.mode !== 'tiny' ? fpCases.map((c) => {
    const f = runFailover(sc, { ...fpSpec, faults: c.faults }, ctx.seed);
    ctx.log(`[bench] failover spurious-election check (${c.name}): elections ${f.elections}, leader-silence events ${f.silenceEvents}, lost ${f.lostRequests}`);
    return { case: c.name, elections: f.elections, silenceEvents: f.silenceEvents, lostRequests: f.lostRequests, faultsInjected: f.faultsInjected };
  }) : [];
  const firstCommit = med(runs.map((r) => r.firstCommitUs));
  const shown = runs.find((r) => r.firstCommitUs === firstCommit) ?? runs[0]!;
  const f = shown.summary;
  return {
    replicas: sc.replicas,
    offeredPct: f.offeredPct,
    seed: shown.seed,
    crashAtUs: f.crashAtUs,
    firstCommitUs: firstCommit,
    fullThroughputUs: med(runs.map((r) => r.fullThroughputUs)),
    gapUs: med(runs.map((r) => r.gapUs)) ?? 0,
    bucketUs: 10,
    timeline: f.timelineMreqPerSec.map((v, i) => ({ tUs: Math.round((f.timelineStartUs + 10 * i) * 100) / 100, committedMpps: v })),
    detectUs: med(runs.map((r) => r.detectUs)),
    electedUs: med(runs.map((r) => r.electedUs)),
    preCrashMpps: f.preCrashMreqPerSec,
    electionTimeoutUs: spec.electionTimeoutUs,
    heartbeatUs: spec.heartbeatUs,
    fullShare: spec.fullShare,
    retryBudgetPct: spec.retryBudgetPct ?? null,
    afterUs: spec.afterUs,
    nicDetect: spec.nicDetect ?? null,
    summary: stats(runs),
    timeoutOnly: before.length ? { summary: stats(before), runs: before.map(({ summary: _s, ...r }) => r) } : null,
    spuriousElections: spurious,
    scenario: 'sim/scenarios/demo.yaml (failover:)',
    runs: runs.map(({ summary: _s, ...r }) => r),
  };
}

// ---- 5. plane loss ----------------------------------------------------------------------------------

export interface PhaseResult {
  phase: string;
  fromUs: number;
  toUs: number;
  committedMpps: number;
  committedPct: number;
  latencyNs: { p50: number; p99: number; p999: number };
  samples: number;
}

/** One client plane mode of the plane-loss section (docs/benchmarks.md "Plane loss"). */
export interface PlaneLossModeResult {
  /** spread: each request on one plane, round robin; duplicate: each request on every plane that is up */
  planes: 'spread' | 'duplicate';
  phases: PhaseResult[];
  lostRequests: number;
  /** client resends (timeouts) over the whole run */
  retries: number;
  /** REQ frames the clients handed to their MACs (requests and resends, times the planes used) */
  reqFrames: number;
  drops: Record<string, number>;
  /** the leader NIC's copy drops: REQ copies (DROP_REQ_DUP) and NIC-frame copies (DROP_PLANE_DUP) */
  leaderReqCopiesDropped: number;
  leaderFrameCopiesDropped: number;
  /** requests sequenced more than once by the leader NIC (REQ_SEQUENCED - distinct requests answered) */
  sequencedTwice: number;
  timeline: Array<{ tUs: number; committedMpps: number }>;
  /** the same run without the fault: p99 over the same interval as the outage */
  faultFreeOutageP99Ns: number;
  /** p99 over the outage / faultFreeOutageP99Ns */
  outageP99VsFaultFree: number;
  /** fault-free load sweep in this mode: the highest load sustained (no loss, no resend, no drop, p99.9 < 2x floor) */
  sweep: Array<{ offeredPct: number; committedPct: number; p99Ns: number; p999Ns: number; sustained: boolean }>;
  maxSustainedPct: number | null;
}

export interface PlaneLossResult {
  replicas: number;
  offeredPct: number;
  seed: number;
  plane: number;
  downAtUs: number;
  upAtUs: number;
  retryUs: number;
  linkDetectNs: number;
  modes: PlaneLossModeResult[];
}

function histDelta(a: { hist: number[]; overflow: number }, b: { hist: number[]; overflow: number }): { d: number[]; ov: number } {
  const len = Math.max(a.hist.length, b.hist.length);
  return { d: Array.from({ length: len }, (_, v) => (b.hist[v] ?? 0) - (a.hist[v] ?? 0)), ov: b.overflow - a.overflow };
}

export function planeLossSection(ctx: BenchContext): PlaneLossResult {
  const n = ctx.replicas.includes(3) ? 3 : ctx.replicas[0]!;
  const base = pointSpec(ctx, { replicas: n, path: 'fast', reply: 'snoop', ratePct: HEADLINE_LOAD, retryUs: 20, drainUs: 100 });
  const cpu = ctx.network.clockMHz;
  const cyc = (us: number) => Math.round(us * cpu);
  const phase = ctx.profile.planeLossPhaseUs;
  const transient = Math.min(60, phase / 2);
  const warm = base.warmupUs;
  const downAt = warm + phase, upAt = downAt + phase, stopAt = upAt + phase;
  const plane = 1;
  const nsPerCycle = periodPs(ctx.network) / 1000;
  const lineMpps = lineRateFps(Math.max(MIN_FRAME_BYTES, HDR_BYTES + MIN_PAYLOAD), ctx.network.linkGbps) / 1e6;
  const marks = [warm, downAt, downAt + transient, upAt, stopAt];
  const names = ['before', 'during: first ' + transient + ' us', 'during: plane still down', 'after: plane back'];

  const runOne = (mode: 'spread' | 'duplicate', withFault: boolean) => {
    const spec: PointSpec = { ...base, clientPlanes: mode, nic: benchNic(ctx, base.replicas, base.planes, mode, base.reply) };
    const faults = withFault ? [{ kind: 'planeDown' as const, at: cyc(downAt), until: cyc(upAt), plane }] : [];
    const { cluster, total } = makeCluster(spec, { faults, durationCycles: cyc(stopAt - warm) });
    try {
      const snaps: Array<{ hist: number[]; overflow: number; completed: number }> = [];
      for (const m of marks) {
        cluster.run(cyc(m) - cluster.cycle);
        const st = cluster.stats();
        snaps.push({ hist: cluster.histogram(), overflow: cluster.latency().overflow, completed: st.completed ?? 0 });
      }
      const phaseOf = (name: string, i: number, j: number): PhaseResult => {
        const { d, ov } = histDelta(snaps[i]!, snaps[j]!);
        const us = marks[j]! - marks[i]!;
        const mpps = (snaps[j]!.completed - snaps[i]!.completed) / us;
        return {
          phase: name, fromUs: marks[i]!, toUs: marks[j]!,
          committedMpps: Math.round(mpps * 1000) / 1000,
          committedPct: Math.round((mpps / lineMpps) * 100 * 1000) / 1000,
          latencyNs: { p50: histPercentile(d, 0.5, ov) * nsPerCycle, p99: histPercentile(d, 0.99, ov) * nsPerCycle, p999: histPercentile(d, 0.999, ov) * nsPerCycle },
          samples: d.reduce((x, y) => x + y, 0) + ov,
        };
      };
      const phases = [phaseOf(names[0]!, 0, 1), phaseOf('during (plane down)', 1, 3), phaseOf(names[1]!, 1, 2), phaseOf(names[2]!, 2, 3), phaseOf(names[3]!, 3, 4)];
      cluster.run(total - cluster.cycle);
      const st = cluster.stats();
      const drops: Record<string, number> = {};
      for (const [k, v] of Object.entries(st)) if (k.startsWith('drop.') && v) drops[k.slice(5)] = v;
      const c0 = cluster.nicCounters()[0];
      const buckets = cluster.completionBuckets();
      const bucketUs = 2500 / cpu;
      const timeline = buckets.map((c, i) => ({ tUs: i * bucketUs, committedMpps: Math.round((c / bucketUs) * 1000) / 1000 })).filter((b) => b.tUs < stopAt);
      return {
        phases, drops, timeline,
        lostRequests: (st.offered ?? 0) - (st.completed ?? 0), retries: st.retries ?? 0, reqFrames: st.copies ?? 0,
        leaderReqCopiesDropped: Number(c0?.DROP_REQ_DUP ?? 0n), leaderFrameCopiesDropped: Number(c0?.DROP_PLANE_DUP ?? 0n),
        sequencedTwice: Number(c0?.REQ_SEQUENCED ?? 0n) - (st.completed ?? 0),
      };
    } finally {
      cluster.destroy();
    }
  };

  const modes: PlaneLossModeResult[] = (['spread', 'duplicate'] as const).map((mode) => {
    const r = runOne(mode, true);
    const free = runOne(mode, false);
    const freeP99 = free.phases[1]!.latencyNs.p99;
    const sweep = ctx.profile.planeLossSweepPcts.map((pct) => {
      const { result } = runPoint({ ...base, clientPlanes: mode, nic: benchNic(ctx, base.replicas, base.planes, mode, base.reply), retryUs: 0, ratePct: pct, drainUs: 60 });
      logPoint(ctx, `plane modes ${mode}`, result);
      return { offeredPct: result.offeredPct, committedPct: result.committedPct, p99Ns: result.latencyNs.p99, p999Ns: result.latencyNs.p999, sustained: result.sustained };
    });
    const ok = sweep.filter((x) => x.sustained).map((x) => x.offeredPct);
    const res: PlaneLossModeResult = {
      planes: mode, ...r,
      faultFreeOutageP99Ns: freeP99,
      outageP99VsFaultFree: Math.round((r.phases[1]!.latencyNs.p99 / Math.max(1e-9, freeP99)) * 1000) / 1000,
      sweep, maxSustainedPct: ok.length ? Math.max(...ok) : null,
    };
    for (const p of res.phases) ctx.log(`[bench] plane loss ${mode.padEnd(9)} ${p.phase.padEnd(26)} ${fmt(p.committedMpps, 2)} Mreq/s  p99 ${fmt(p.latencyNs.p99)} ns  (${fmt(p.samples)} req)`);
    ctx.log(`[bench] plane loss ${mode.padEnd(9)} lost ${res.lostRequests}, resends ${res.retries}, p99 over the outage ${fmt(res.phases[1]!.latencyNs.p99)} ns vs ${fmt(freeP99)} ns fault-free (x${res.outageP99VsFaultFree}), highest sustained ${res.maxSustainedPct ?? 'none'}%`);
    return res;
  });
  return { replicas: n, offeredPct: HEADLINE_LOAD, seed: ctx.seed, plane, downAtUs: downAt, upAtUs: upAt, retryUs: base.retryUs, linkDetectNs: ctx.network.linkDetectNs, modes };
}

// ---- 5b. spurious elections ---------------------------------------------------------------------------

/** One run of the spurious-election section: electing hosts, no crash, so every election is a false detection. */
export interface ElectionRun extends RunHealth {
  run: 'load sweep' | 'plane loss' | '1% loss';
  replicas: number;
  offeredPct: number;
  clientPlanes: 'spread' | 'duplicate';
  retryUs: number;
  /** the faults of the run ('none', 'plane 1 down 150-300 us', '1% of plane 0 lost') */
  faults: string;
  /** simulated traffic, us (after node 0's election at boot) */
  windowUs: number;
  // RunHealth: elections after the first (node 0's at boot) are spurious, all of them; a pre-vote
  // after traffic started is a false detection, even if it lost
}

/** What the spurious-election section reports (docs/benchmarks.md). */
export interface ElectionsResult {
  seed: number;
  /** the failover section's detection settings (sim/scenarios/demo.yaml failover:) */
  nicDetect: { silenceCycles: number; promiseUs: number; hbIntervalCycles: number } | null;
  electionTimeoutUs: number;
  heartbeatUs: number;
  runs: ElectionRun[];
  /** over all runs */
  spuriousElections: number;
  preVotes: number;
}

/**
 * The load sweep, the plane-loss run and 1% random loss on one plane, with the real control plane
 * on every node (sim/failover.ts with noCrash) and the failover section's NIC failure detection and
 * timers; the fast-path settings of the load sweep (BENCH_NIC; the leader NIC's heartbeat interval is
 * the detection's). Nobody crashes: every election after node 0's at boot is spurious.
 */
export function electionsSection(ctx: BenchContext): ElectionsResult | null {
  const sc = loadScenario(join(ROOT, 'sim/scenarios/demo.yaml'));
  const spec = sc.failover;
  if (!spec) return null;
  const P = ctx.profile;
  const runs: ElectionRun[] = [];
  const one = (run: ElectionRun['run'], o: { replicas: number; ratePct: number; planes: 'spread' | 'duplicate'; retryUs: number; windowUs: number; faults: NonNullable<typeof spec.faults>; faultText: string }): void => {
    const s2 = { ...sc, replicas: o.replicas, nic: { ...sc.nic, ...ctx.nic }, workload: { ...sc.workload, planes: o.planes, retryUs: o.retryUs } };
    const f = runFailover(s2, { ...spec, noCrash: true, crashAtUs: 0, afterUs: o.windowUs, ratePct: o.ratePct, faults: o.faults, drainUs: 1000 }, ctx.seed);
    const r: ElectionRun = {
      run, replicas: o.replicas, offeredPct: o.ratePct, clientPlanes: o.planes, retryUs: o.retryUs, faults: o.faultText, windowUs: o.windowUs,
      elections: f.elections, preVotes: f.preVotes, silenceEvents: f.silenceEvents, lostRequests: f.lostRequests, retries: f.retries, agreement: f.agreement,
    };
    ctx.log(`[bench] elections ${run.padEnd(10)} ${o.replicas}r ${String(o.ratePct).padStart(5)}% ${o.planes.padEnd(9)} ${o.faultText.padEnd(26)} ${o.windowUs} us: ` +
      `elections ${r.elections}, pre-votes ${r.preVotes}, leader-silence events ${r.silenceEvents}, lost ${r.lostRequests}, agreement ${r.agreement}`);
    runs.push(r);
  };
  // the load sweep: fault-free, no client resends (as the sweep)
  for (const n of ctx.replicas) {
    for (const load of P.electionLoads) one('load sweep', { replicas: n, ratePct: load, planes: 'spread', retryUs: 0, windowUs: P.electionWindowUs, faults: [], faultText: 'none' });
  }
  if (P.electionLossUs > 0) {
    // the plane-loss run: 3 replicas, 85.5%, resends after 20 us, plane 1 down for the middle phase, both client plane modes
    const n = ctx.replicas.includes(3) ? 3 : ctx.replicas[0]!;
    const ph = P.planeLossPhaseUs;
    for (const planes of ['spread', 'duplicate'] as const) {
      one('plane loss', { replicas: n, ratePct: HEADLINE_LOAD, planes, retryUs: 20, windowUs: 3 * ph, faults: [{ kind: 'planeDown', atUs: ph, untilUs: 2 * ph, plane: 1 }], faultText: `plane 1 down ${ph}-${2 * ph} us` });
    }
    // 1% of plane 0's frames lost (every frame on it, both directions), the whole window
    one('1% loss', { replicas: n, ratePct: HEADLINE_LOAD, planes: 'spread', retryUs: 20, windowUs: P.electionLossUs, faults: [{ kind: 'drop', atUs: 0, untilUs: P.electionLossUs, plane: 0, prob: 0.01 }], faultText: '1% of plane 0 lost' });
  }
  return {
    seed: ctx.seed, nicDetect: spec.nicDetect ?? null, electionTimeoutUs: spec.electionTimeoutUs, heartbeatUs: spec.heartbeatUs, runs,
    spuriousElections: runs.reduce((a, r) => a + r.elections, 0), preVotes: runs.reduce((a, r) => a + r.preVotes, 0),
  };
}

// ---- 6. simulation speed ------------------------------------------------------------------------------

export interface SimSpeedRow {
  replicas: number;
  nics: 'RTL (Verilator)';
  cycles: number;
  repeats: number;
  /** Cluster.run() from TypeScript (batches end at host polls, host code between), per CPU second of the process. */
  tsCyclesPerSec: number;
  /** The same, per wall-clock second (sensitive to other load on the machine). */
  tsCyclesPerWallSec: number;
  /** cluster_loop.cpp: the same world, same batches (hostPollCycles), no host code, per CPU second. */
  cppSameBatchesCyclesPerSec: number;
  /** cluster_loop.cpp with 20,000-cycle batches, per CPU second. */
  cppCyclesPerSec: number;
  cppCyclesPerWallSec: number;
  /** tsCyclesPerSec / cppCyclesPerSec. */
  ratio: number;
  tsRuns: number[];
  cppRuns: number[];
}

export interface SimSpeedResult {
  load: string;
  /** What "per second" means. */
  timeBase: string;
  rows: SimSpeedRow[];
  modelNic: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The CSR writes the StaticHost of each node makes at boot: [node, addr, value]. */
export function bootCsrWrites(replicas: number, planes: number, nic: NicSettings): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i < replicas; i++) {
    const rec = { writeCsr: (a: number, v: number) => { out.push([i, a, v >>> 0]); } } as unknown as Nic;
    const ctx = { node: i, nodeId: i, replicas, planes, nic: rec, now: () => 0, setTimer: () => {}, announceLeader: () => {}, log: () => {} } as unknown as HostContext;
    new StaticHost(nic).start(ctx);
  }
  return out;
}

function clusterLoopExe(lib: string): string {
  const dir = dirname(lib);
  const exe = join(dir, 'cluster_loop');
  const src = join(ROOT, 'bench/report/cluster_loop.cpp');
  if (!existsSync(exe) || statSync(exe).mtimeMs < statSync(src).mtimeMs) {
    execFileSync('g++', ['-O2', '-std=c++17', src, '-o', exe, `-L${dir}`, '-lnicraft_sim', `-Wl,-rpath,${dir}`], { stdio: 'inherit' });
  }
  return exe;
}

export function simSpeedSection(ctx: BenchContext): SimSpeedResult {
  const rows: SimSpeedRow[] = [];
  const warmup = 5_000;
  const cycles = ctx.profile.speedCycles;
  const tmp = mkdtempSync(join(tmpdir(), 'nicraft-bench-'));
  try {
    for (const n of ctx.replicas) {
      const spec = pointSpec(ctx, { replicas: n, path: 'fast', reply: 'snoop', ratePct: HEADLINE_LOAD, maxDurationUs: 1e9 });
      const ts: number[] = [], tsWall: number[] = [], cppSame: number[] = [], cpp: number[] = [], cppWall: number[] = [];
      let exe = '', cfgFile = '', csrFile = '', batch = 250;
      for (let k = 0; k < ctx.profile.speedRepeats; k++) {
        const { cluster } = makeCluster(spec, { durationCycles: 1e12 });
        try {
          batch = cluster.hostPollCycles;
          if (!exe) {
            exe = clusterLoopExe(cluster.libPath);
            cfgFile = join(tmp, `config-${n}.txt`);
            csrFile = join(tmp, `csr-${n}.txt`);
            writeFileSync(cfgFile, cluster.configText);
            writeFileSync(csrFile, bootCsrWrites(n, ctx.planes, ctx.nic).map((w) => w.join(' ')).join('\n') + '\n');
          }
          cluster.run(warmup);
          const t0 = performance.now();
          const u0 = process.cpuUsage();
          cluster.run(cycles);
          const u = process.cpuUsage(u0);
          ts.push(cycles / ((u.user + u.system) / 1e6));
          tsWall.push(cycles / ((performance.now() - t0) / 1000));
        } finally {
          cluster.destroy();
        }
        type Loop = { cyclesPerSec: number; cyclesPerCpuSec: number };
        const loop = (chunk: number) => JSON.parse(execFileSync(exe, [cfgFile, csrFile, String(warmup), String(cycles), String(chunk)], { encoding: 'utf8' })) as Loop;
        cppSame.push(loop(batch).cyclesPerCpuSec);
        const l = loop(20_000);
        cpp.push(l.cyclesPerCpuSec);
        cppWall.push(l.cyclesPerSec);
      }
      const row: SimSpeedRow = {
        replicas: n, nics: 'RTL (Verilator)', cycles, repeats: ctx.profile.speedRepeats,
        tsCyclesPerSec: Math.round(median(ts)), tsCyclesPerWallSec: Math.round(median(tsWall)),
        cppSameBatchesCyclesPerSec: Math.round(median(cppSame)), cppCyclesPerSec: Math.round(median(cpp)),
        cppCyclesPerWallSec: Math.round(median(cppWall)),
        ratio: Math.round((median(ts) / median(cpp)) * 1000) / 1000,
        tsRuns: ts.map(Math.round), cppRuns: cpp.map(Math.round),
      };
      rows.push(row);
      ctx.log(`[bench] sim speed ${n}r: TypeScript-driven ${fmt(row.tsCyclesPerSec)} cycles/s, plain C++ ${fmt(row.cppCyclesPerSec)} cycles/s, ratio ${row.ratio}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return {
    load: `${HEADLINE_LOAD}% of line rate, minimum-size requests, commit snooping, ${ctx.planes} planes`,
    timeBase: 'CPU seconds of the simulating process (user + system), so that other load on the machine does not count; wall-clock figures next to them',
    rows,
    modelNic: 'not available: the cluster world (native/fabric.cpp) steps only Verilated NICs in C++; ModelNic (ctrl/nic/model.ts) runs in the back-to-back tests, not in the cluster',
  };
}

// ---- read scaling (issue 19) ---------------------------------------------------------------------

/** One row of readScaling[]: the run's result and its ratio to the leader-only figure of the same
 * replica count (measured side by side). */
export type ReadScalingRow = ReadScalingResult & { speedupVsLeader: number };

/**
 * 95% gets, 5% puts, closed loop; replicas 1/3/5 (the profile's, within --replicas' reach: 1 is
 * always run), gets from the leader only vs from any replica (followers under read leases), on RTL
 * NICs with the software path's host cost (one core per host, perFrameNs per frame).
 */
export function readScalingSection(ctx: BenchContext): { rows: ReadScalingRow[]; writeCost: WriteCostRow[]; chain: ChainReadsResult[] } {
  const rows: ReadScalingRow[] = [];
  for (const n of ctx.profile.readScalingReplicas) {
    let base = 0;
    for (const readFrom of ['leader', 'any'] as const) {
      const r: ReadScalingResult = runReadScaling({
        replicas: n, readFrom, readShare: 0.95, seed: ctx.seed, cost: ctx.softwareCost,
        measureUs: ctx.profile.readScalingUs, warmupUs: Math.min(100, ctx.profile.readScalingUs),
      });
      if (readFrom === 'leader') base = r.readsPerSec;
      const row: ReadScalingRow = { ...r, speedupVsLeader: base > 0 ? Math.round((r.readsPerSec / base) * 100) / 100 : 0 };
      rows.push(row);
      ctx.log(`  read scaling ${n} replicas, gets from ${readFrom}: ${(r.readsPerSec / 1e6).toFixed(2)} M gets/s (x${row.speedupVsLeader}), p50 ${r.latencyNs.p50} ns, p99 ${r.latencyNs.p99} ns, writes p99 ${r.writesLatencyNs.p99} ns`);
    }
  }
  // what the leases cost writes when no host is saturated: 50% puts, 2 gets in flight per replica
  const writeCost: WriteCostRow[] = [];
  for (const n of ctx.profile.readScalingReplicas.filter((x) => x > 1)) {
    for (const readFrom of ['leader', 'any'] as const) {
      const r = runReadScaling({
        replicas: n, readFrom, readShare: 0.5, outstanding: 2 * n, writers: 4, seed: ctx.seed, cost: ctx.softwareCost,
        measureUs: ctx.profile.readScalingUs, warmupUs: Math.min(100, ctx.profile.readScalingUs),
      });
      writeCost.push({ replicas: n, readFrom, leases: r.leaseMode, writes: r.writes, writesLatencyNs: r.writesLatencyNs, readsLatencyNs: r.latencyNs });
      ctx.log(`  write cost ${n} replicas, light load, gets from ${readFrom} (leases ${r.leaseMode}): writes p50 ${r.writesLatencyNs.p50} ns, p99 ${r.writesLatencyNs.p99} ns`);
    }
  }
  // chain replication: gets through the log vs under read leases at any member (RTL NICs)
  const chain: ChainReadsResult[] = [];
  // (3 and 5 replicas in the full and quick profiles; the read-scaling replica counts of 3 and more)
  for (const n of [3, 5].filter((x) => ctx.profile.readScalingReplicas.includes(x))) {
    for (const reads of ['log', 'lease'] as const) {
      const r = runChainReads({ replicas: n, reads, seed: ctx.seed, measureUs: ctx.profile.readScalingUs, warmupUs: Math.min(50, ctx.profile.readScalingUs) });
      chain.push(r);
      ctx.log(`  chain reads ${n} replicas, gets via ${reads}: get p50 ${r.getLatencyNs.p50} ns, p99 ${r.getLatencyNs.p99} ns; ${r.leaseReads} under a lease (${r.leaseReadsWaited} waited); ${r.logEntriesPerOp} log entries per operation`);
    }
  }
  return { rows, writeCost, chain };
}

export interface WriteCostRow {
  replicas: number;
  readFrom: 'leader' | 'any';
  /** the leader's follower-lease mode at the end ('on': its NIC committed only what every voter held) */
  leases: string;
  writes: number;
  writesLatencyNs: { p50: number; p99: number };
  readsLatencyNs: { p50: number; p99: number };
}
