// One measured point of the cluster benchmark: a Cluster (sim/cluster.ts) run at one offered load,
// with the NIC fast path, the host-reply path or the software path, and the figures the report
// needs. docs/benchmarks.md describes every field.
import { MIN_FRAME_BYTES, wireBitsPerSec } from '../../ctrl/wire/wire.gen.js';
import { libraryPath, variantName, type Variant } from '../../native/build.js';
import {
  Cluster, StaticHost, chainFloorPs, frameLen, hopPs, lineRateFps, networkFloorPs, periodPs,
  type FaultSpec, type HostSoftware, type NetworkModel, type NicSettings, type PlaneMode,
} from '../../sim/cluster.js';
import { HostReplyHost, SoftwareHost, newSoftwareStats, type SoftwareCost } from '../../sim/software-host.js';
import { histPercentile } from '../../sim/scenario.js';

/** fast: the NIC fast path; hostReply: fast path + the leader's host replies; software: FAST_EN=0. */
export type Path = 'fast' | 'hostReply' | 'software';
export type Reply = 'nic' | 'snoop' | 'host' | 'follower';

export interface HostModel {
  /** PCIe + driver latency of every host <-> NIC crossing (the Cluster's hostLatencyCycles), ns. */
  latencyNs: number;
  /** Host software polls its NIC's host queue this often, ns. */
  pollNs: number;
}

export interface PointSpec {
  replicas: number;
  planes: number;
  seed: number;
  path: Path;
  reply: Reply;
  ratePct: number;
  payloadBytes: number;
  clients: number;
  nic: NicSettings;
  network: NetworkModel;
  host: HostModel;
  softwareCost: SoftwareCost;
  /** Measured requests wanted (the duration follows from the load, within the bounds below). */
  targetRequests: number;
  minDurationUs: number;
  maxDurationUs: number;
  warmupUs: number;
  drainUs: number;
  retryUs: number;
  /** how clients use the planes (default 'spread': each request on one plane, round robin) */
  clientPlanes?: PlaneMode;
  /** replication protocol (docs/replication-modes.md; default 'leader'); 'chain' with reply 'follower': the tail replies */
  replication?: 'leader' | 'chain';
  variant?: Variant;
}

export interface LatencyNs { p50: number; p99: number; p999: number; min: number; max: number; mean: number }

export interface PointResult {
  replicas: number;
  planes: number;
  path: Path;
  reply: Reply;
  offeredPct: number;
  payloadBytes: number;
  /** Frame bytes without FCS (60 = minimum). */
  frameBytes: number;
  /** Frame bytes on the wire with FCS (64 = minimum), without preamble and IFG. */
  wireFrameBytes: number;
  committedPct: number;
  committedGbps: number;
  committedMpps: number;
  latencyNs: LatencyNs;
  /** Requests in the latency figures (sent after the warm-up, answered before the end). */
  samples: number;
  networkFloorNs: number;
  /** Network floor plus the host crossings of the path (software: 6, hostReply: 2), ns. */
  pathFloorNs: number;
  aboveFloorNs: { p50: number; p99: number };
  /** Share of the latency the network floor does not explain: (pX - floor) / pX. */
  nicAddedShare: { p50: number; p99: number };
  offeredRequests: number;
  lostRequests: number;
  retries: number;
  drops: number;
  dropsByReason: Record<string, number>;
  /** Every request answered, nothing dropped, p99.9 under twice the path floor. */
  sustained: boolean;
  /** Software path: busy fraction of the leader host's core over the offered window. */
  leaderCpuBusy?: number;
  seed: number;
  durationUs: number;
  warmupUs: number;
  drainUs: number;
  clients: number;
  simulatedUs: number;
  wallSeconds: number;
  simCyclesPerSec: number;
}

export interface RunExtras {
  /** Exact latency histogram (cycles), for the CDF. */
  histogram?: number[];
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

// One library per variant for the whole benchmark: if the sources change while it runs (a checkout
// being edited), later points do not silently switch to a rebuilt library.
const pinned = new Map<string, string>();
export function variantOf(spec: { planes: number; variant?: Variant }): Variant {
  return spec.variant ?? (spec.planes > 1 ? { params: { PLANES: spec.planes } } : {});
}
export function pinnedLibrary(v: Variant): string {
  const k = variantName(v);
  let p = pinned.get(k);
  if (!p) {
    p = libraryPath(v);
    pinned.set(k, p);
  }
  return p;
}
/** The libraries the benchmark used, by variant. */
export function pinnedLibraries(): Record<string, string> {
  return Object.fromEntries(pinned);
}
const r1 = (x: number): number => Math.round(x * 10) / 10;

/** Per-request cost of the path beyond the network floor that no load removes (host crossings). */
export function pathFloorNs(path: Path, floorNs: number, host: HostModel): number {
  if (path === 'software') return floorNs + 6 * host.latencyNs;
  if (path === 'hostReply') return floorNs + 2 * host.latencyNs;
  return floorNs;
}

function hostFactory(spec: PointSpec, swStats: ReturnType<typeof newSoftwareStats>, sw: SoftwareHost[]): (n: number) => HostSoftware {
  const cost = { ...spec.softwareCost, clockMHz: spec.network.clockMHz };
  if (spec.path === 'software') {
    return () => {
      const h = new SoftwareHost({ cost }, swStats);
      sw.push(h);
      return h;
    };
  }
  if (spec.path === 'hostReply') return () => new HostReplyHost(spec.nic);
  return () => new StaticHost(spec.nic, 0, spec.reply === 'follower', spec.replication === 'chain');
}

/** Cycles of the offered window for the wanted number of requests at this load. */
export function durationCycles(spec: PointSpec): number {
  const net = spec.network;
  const P = periodPs(net);
  const perCycle = (spec.ratePct / 100) * lineRateFps(net, frameLen(spec.payloadBytes)) * P * 1e-12;
  const cyclesPerUs = net.clockMHz;
  const want = Math.ceil(spec.targetRequests / Math.max(1e-12, perCycle));
  return Math.min(Math.max(want, spec.minDurationUs * cyclesPerUs), spec.maxDurationUs * cyclesPerUs);
}

export function makeCluster(spec: PointSpec, extra: { faults?: FaultSpec[]; durationCycles?: number } = {}) {
  const net = spec.network;
  const cyc = (us: number) => Math.round(us * net.clockMHz);
  const warm = cyc(spec.warmupUs);
  const dur = extra.durationCycles ?? durationCycles(spec);
  const stop = warm + dur;
  const total = stop + cyc(spec.drainUs);
  const swStats = newSoftwareStats();
  const sw: SoftwareHost[] = [];
  const cluster = new Cluster({
    replicas: spec.replicas,
    planes: spec.planes,
    seed: spec.seed,
    network: net,
    nic: spec.nic,
    hostLatencyCycles: cyc(spec.host.latencyNs / 1000),
    hostPollCycles: Math.max(1, cyc(spec.host.pollNs / 1000)),
    keepCommitted: spec.path === 'hostReply',
    host: hostFactory(spec, swStats, sw),
    variant: variantOf(spec),
    libPath: pinnedLibrary(variantOf(spec)),
    faults: extra.faults,
    workload: {
      mode: 'open', ratePct: spec.ratePct, outstanding: 1, payloadBytes: spec.payloadBytes, clients: spec.clients,
      reply: spec.reply, planes: spec.clientPlanes ?? 'spread', retryCycles: cyc(spec.retryUs), startCycle: 16, stopCycle: stop,
      maxRequests: 0, measureFromCycle: warm,
    },
  });
  return { cluster, warm, stop, total, swStats, sw };
}

/** Drops other than the NICs' by-design discarding of the second plane's copy (of NIC frames and, in duplicate mode, of REQs). */
export function dropsOf(cluster: Cluster): { total: number; byReason: Record<string, number> } {
  const st = cluster.stats();
  const byReason: Record<string, number> = {};
  for (const [k, v] of Object.entries(st)) if (k.startsWith('drop.') && v) byReason[`fabric.${k.slice(5)}`] = v;
  cluster.nicCounters().forEach((c, i) => {
    if (!c) return;
    for (const [k, v] of Object.entries(c)) {
      if (k.startsWith('DROP_') && k !== 'DROP_PLANE_DUP' && k !== 'DROP_REQ_DUP' && v !== 0n) byReason[`n${i}.${k.slice(5)}`] = Number(v);
    }
  });
  return { total: Object.values(byReason).reduce((a, b) => a + b, 0), byReason };
}

/** Runs one point. */
export function runPoint(spec: PointSpec, opts: { histogram?: boolean } = {}): { result: PointResult; extras: RunExtras } {
  const t0 = performance.now();
  const { cluster, warm, stop, total, sw } = makeCluster(spec);
  try {
    cluster.run(total);
    const net = cluster.net;
    const P = periodPs(net);
    const nsPerCycle = P / 1000;
    const st = cluster.stats();
    const lat = cluster.latency();
    const len = frameLen(spec.payloadBytes);
    const lineFps = lineRateFps(net, len);
    const offeredSec = ((stop - 16) * P) / 1e12;
    const measuredSec = ((stop - warm) * P) / 1e12;
    const offered = st.offered ?? 0;
    const completed = st.completed ?? 0;
    const measured = st.completed_measured ?? 0;
    const floorNs = replyFloorPs(net, spec.payloadBytes, spec.reply, spec.replicas, spec.replication) / 1000;
    const pathFloor = pathFloorNs(spec.path, floorNs, spec.host);
    const latencyNs: LatencyNs = {
      p50: lat.p50 * nsPerCycle, p99: lat.p99 * nsPerCycle, p999: lat.p999 * nsPerCycle,
      min: lat.min * nsPerCycle, max: lat.max * nsPerCycle, mean: r1(lat.mean * nsPerCycle),
    };
    const drops = dropsOf(cluster);
    const retries = st.retries ?? 0;
    const lost = offered - completed;
    const leaderBusy = sw[0] ? sw[0].busyCycles / Math.max(1, stop - 16) : undefined;
    const result: PointResult = {
      replicas: spec.replicas,
      planes: spec.planes,
      path: spec.path,
      reply: spec.reply,
      offeredPct: r3((offered / offeredSec / lineFps) * 100),
      payloadBytes: spec.payloadBytes,
      frameBytes: len,
      wireFrameBytes: len + 4,
      committedPct: r3((measured / measuredSec / lineFps) * 100),
      committedGbps: r3(wireBitsPerSec(len, measured / measuredSec) / 1e9),
      committedMpps: r3(measured / measuredSec / 1e6),
      latencyNs,
      samples: lat.count,
      networkFloorNs: r3(floorNs),
      pathFloorNs: r3(pathFloor),
      aboveFloorNs: { p50: r3(latencyNs.p50 - floorNs), p99: r3(latencyNs.p99 - floorNs) },
      nicAddedShare: {
        p50: latencyNs.p50 > 0 ? r3((latencyNs.p50 - floorNs) / latencyNs.p50) : 0,
        p99: latencyNs.p99 > 0 ? r3((latencyNs.p99 - floorNs) / latencyNs.p99) : 0,
      },
      offeredRequests: offered,
      lostRequests: lost,
      retries,
      drops: drops.total,
      dropsByReason: drops.byReason,
      sustained: lost === 0 && retries === 0 && drops.total === 0 && lat.count > 0 && latencyNs.p999 < 2 * pathFloor,
      ...(leaderBusy !== undefined ? { leaderCpuBusy: r3(leaderBusy) } : {}),
      seed: spec.seed,
      durationUs: r3(((stop - warm) * P) / 1e6),
      warmupUs: spec.warmupUs,
      drainUs: spec.drainUs,
      clients: spec.clients,
      simulatedUs: r3((cluster.cycle * P) / 1e6),
      wallSeconds: Math.round((performance.now() - t0) / 10) / 100,
      simCyclesPerSec: Math.round(cluster.nativeCycles / Math.max(1e-9, cluster.nativeSeconds)),
    };
    const extras: RunExtras = {};
    if (opts.histogram) extras.histogram = cluster.histogram();
    return { result, extras };
  } finally {
    cluster.destroy();
  }
}

/** CDF points of an exact histogram (cycles -> ns), at most `maxPoints` of them. */
export function cdfOf(hist: number[], nsPerCycle: number, maxPoints = 400): Array<{ latencyNs: number; fraction: number }> {
  const total = hist.reduce((a, b) => a + b, 0);
  if (!total) return [];
  const pts: Array<{ latencyNs: number; fraction: number }> = [];
  let acc = 0;
  for (let v = 0; v < hist.length; v++) {
    if (!hist[v]) continue;
    acc += hist[v]!;
    pts.push({ latencyNs: v * nsPerCycle, fraction: acc / total });
  }
  if (pts.length <= maxPoints) return pts.map((p) => ({ latencyNs: p.latencyNs, fraction: Number(p.fraction.toPrecision(7)) }));
  const step = pts.length / maxPoints;
  const out: typeof pts = [];
  for (let i = 0; i < maxPoints; i++) out.push(pts[Math.floor(i * step)]!);
  out.push(pts[pts.length - 1]!);
  return out.map((p) => ({ latencyNs: p.latencyNs, fraction: Number(p.fraction.toPrecision(7)) }));
}

/** Percentile (0..1) of an exact histogram, in bins (cycles): the simulation's (sim/scenario.ts). */
export { histPercentile };

/**
 * The hops of the network floor of the path a reply takes (docs/benchmarks.md "Network floor"):
 * snoop, NIC and host replies: REQ, APPEND, ACK, the commit back to the client (4 hops). Follower
 * replies with 3 replicas (QUORUM 2: a follower commits an entry it took fresh from the leader at
 * once, follower commit): REQ, APPEND, REPLY from the follower (3 hops); with more replicas the
 * follower learns the commit from the leader: REQ, APPEND, ACK, the leader's next frame carrying the
 * commit index (at least a minimum frame), REPLY (5 hops).
 */
export function floorHops(net: NetworkModel, payloadBytes: number, reply: Reply = 'snoop', replicas = 3, replication: 'leader' | 'chain' = 'leader'): Array<{ hop: string; frameBytes: number; ns: number; cycles: number }> {
  const req = frameLen(payloadBytes);
  const P = periodPs(net);
  // chain (docs/replication-modes.md): the REQ to the head, the APPEND down every link, the tail's REPLY
  const chainHops: Array<[string, number, boolean, boolean]> = [
    ['client -> head (REQ)', req, true, false],
    ...Array.from({ length: Math.max(0, replicas - 1) }, (_, i): [string, number, boolean, boolean] => [`node ${i} -> node ${i + 1} (APPEND)`, req, false, false]),
    ['tail -> client (REPLY)', MIN_FRAME_BYTES, false, true],
  ];
  const hops: Array<[string, number, boolean, boolean]> = replication === 'chain' ? chainHops : reply !== 'follower' ? [
    ['client -> leader (REQ)', req, true, false],
    ['leader -> follower (APPEND)', req, false, false],
    ['follower -> leader (ACK)', MIN_FRAME_BYTES, false, false],
    ['leader -> client (REPLY / commit)', MIN_FRAME_BYTES, false, true],
  ] : replicas <= 3 ? [
    ['client -> leader (REQ)', req, true, false],
    ['leader -> follower (APPEND)', req, false, false],
    ['follower -> client (REPLY)', MIN_FRAME_BYTES, false, true],
  ] : [
    ['client -> leader (REQ)', req, true, false],
    ['leader -> follower (APPEND)', req, false, false],
    ['follower -> leader (ACK)', MIN_FRAME_BYTES, false, false],
    ['leader -> follower (commit index)', MIN_FRAME_BYTES, false, false],
    ['follower -> client (REPLY)', MIN_FRAME_BYTES, false, true],
  ];
  return hops.map(([hop, len, fc, tc]) => {
    const ps = hopPs(net, len, fc, tc);
    return { hop, frameBytes: len, ns: r3(ps / 1000), cycles: Math.ceil(ps / P) };
  });
}

/** The network floor of the path a reply takes (floorHops), ps. */
export function replyFloorPs(net: NetworkModel, payloadBytes: number, reply: Reply, replicas: number, replication: 'leader' | 'chain' = 'leader'): number {
  const req = frameLen(payloadBytes);
  if (replication === 'chain') return chainFloorPs(net, payloadBytes, replicas);
  if (reply !== 'follower') return networkFloorPs(net, payloadBytes);
  const base = hopPs(net, req, true, false) + hopPs(net, req, false, false) + hopPs(net, MIN_FRAME_BYTES, false, true);
  return replicas <= 3 ? base : base + 2 * hopPs(net, MIN_FRAME_BYTES, false, false);
}

/**
 * A lone request's latency (closed loop, one client, one request in flight): the idle latency of
 * the path, with no queueing. Returns cycles (min, p50, max) over `requests` requests.
 */
export function loneLatency(spec: PointSpec, requests: number): { min: number; p50: number; max: number; samples: number } {
  const net = spec.network;
  const cyc = (us: number) => Math.round(us * net.clockMHz);
  const c = new Cluster({
    replicas: spec.replicas, planes: spec.planes, seed: spec.seed, network: net, nic: spec.nic,
    hostLatencyCycles: cyc(spec.host.latencyNs / 1000), hostPollCycles: Math.max(1, cyc(spec.host.pollNs / 1000)),
    variant: variantOf(spec), libPath: pinnedLibrary(variantOf(spec)), ...(spec.replication ? { replication: spec.replication } : {}),
    workload: {
      mode: 'closed', ratePct: 1, outstanding: 1, payloadBytes: spec.payloadBytes, clients: 1, reply: spec.reply,
      planes: 'spread', retryCycles: 0, startCycle: 16, stopCycle: 0, maxRequests: requests + 20, measureFromCycle: cyc(1),
    },
  });
  try {
    c.runUntil(() => (c.stats().completed ?? 0) >= requests + 20, (requests + 20) * 5000, 20_000);
    const l = c.latency();
    return { min: l.min, p50: l.p50, max: l.max, samples: l.count };
  } finally {
    c.destroy();
  }
}
