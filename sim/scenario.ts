// Cluster scenarios (leader mode): YAML validated with zod, run on the deterministic Cluster
// runtime (sim/cluster.ts), summarised. docs/simulation.md describes the format.
//
// A scenario runs the workload for `durationUs` (after `warmupUs`, whose requests are not in the
// latency figures), then stops offering and drains for `drainUs`: a request not answered by then
// is lost. An optional `sweep` first runs fault-free copies of the scenario at other offered loads
// and reports the highest one sustained (see `sustained()`).
import { wireBitsPerSec } from '../ctrl/wire/wire.gen.js';
import {
  Cluster, chainFloorPs, frameLen, lineRateFps, networkFloorPs, periodPs, type PlaneMode,
} from './cluster.js';
import {
  ScenarioError, clusterConfig, faultSchema, loadScenario, parseScenario, readScenarioFile, scenarioSchema, toFaultSpecs,
  type Scenario, type ScenarioFault,
} from './scenario-config.js';
import { formatFailover, runFailover, type FailoverSummary } from './failover.js';
import { runChainFailover, type ChainFailoverResult } from './chain-world.js';

export {
  ScenarioError, clusterConfig, faultSchema, loadScenario, parseScenario, readScenarioFile, scenarioSchema, toFaultSpecs,
  type Scenario, type ScenarioFault,
};

// ---- running ------------------------------------------------------------------------------------

export interface RunOptions {
  seed?: number;
  /** FST waveforms: one file per NIC, `${trace}.n<i>.fst`. */
  trace?: string;
  onProgress?: (done: number, total: number, phase: string) => void;
  /** skip the scenario's failover phase */
  noFailover?: boolean;
  /** Skip the sweep (tests). */
  noSweep?: boolean;
}

export interface LatencyNs { p50: number; p99: number; p999: number; min: number; max: number; mean: number }

export interface SweepPoint { reply: 'nic' | 'snoop' | 'follower'; planes: PlaneMode; ratePct: number; completedPct: number; lostRequests: number; drops: number; p99Ns: number; p999Ns: number; sustained: boolean }

/** Latency of the requests completed within one phase of a plane loss (before, during, after). */
export interface PhaseLatency { phase: 'before' | 'during' | 'after'; fromUs: number; toUs: number; p50Ns: number; p99Ns: number; p999Ns: number; samples: number }

/** The main phase's figures in one client plane mode (comparePlanes): those of its Summary. */
export type PlaneModeRun = { planes: PlaneMode; phases: PhaseLatency[] } & Pick<Summary,
  'committedPct' | 'lostRequests' | 'retries' | 'duplicateReplies' | 'reqFrames' | 'leaderReqCopiesDropped' | 'leaderSequenced' | 'latencyNs'>;

export interface Summary {
  name: string;
  /** how the clients used the planes in the main run */
  clientPlanes: PlaneMode;
  replicas: number;
  /** replication protocol: leader, or chain (node 0 the head, the tail replies) */
  replication: 'leader' | 'chain';
  planes: number;
  seed: number;
  reply: 'nic' | 'snoop' | 'host' | 'follower';
  clockMHz: number;
  frameBytes: number;
  lineRateMfps: number;
  simulatedUs: number;
  cycles: number;
  offeredPct: number;
  offeredRequests: number;
  completedRequests: number;
  /** committed within the offered window (requests of the measured window completed before it ended), % of line rate */
  committedPct: number;
  /** ... and with the completions of the drain after it (late ones included), % of line rate */
  committedTotalPct: number;
  throughputMreqPerSec: number;
  throughputGbps: number;
  commitsPerNode: number[];
  lostRequests: number;
  retries: number;
  duplicateReplies: number;
  /** REQ frames the clients sent (requests and resends, times the planes used) */
  reqFrames: number;
  /** the leader NIC (node 0): REQ copies it dropped (DROP_REQ_DUP), requests it sequenced (REQ_SEQUENCED) */
  leaderReqCopiesDropped: number;
  leaderSequenced: number;
  latencyNs: LatencyNs;
  latencyCycles: { p50: number; p99: number; p999: number; min: number; max: number; samples: number };
  networkFloorNs: number;
  networkFloorCycles: number;
  /** completions per 10 µs bucket of the offered window, in Mreq/s: min and max */
  throughputWindowMreqPerSec: { min: number; max: number };
  drops: { fabric: Record<string, number>; nic: Record<string, Record<string, number>> };
  faultsInjected: Record<string, number>;
  events: number;
  sweep?: { points: SweepPoint[]; maxSustainedPct: Record<string, number | null> };
  /** with a plane-down fault: the latency before, during and after it */
  phases?: PhaseLatency[];
  /** the main run in each client plane mode (the workload's first, then comparePlanes) */
  planeModes?: PlaneModeRun[];
  failover?: FailoverSummary;
  /** chain replication's failover phase: one run per crashed position */
  chainFailover?: ChainFailoverResult[];
  /** the failover phase did not complete: why (the main phase's figures stand) */
  failoverError?: string;
  simCyclesPerSec: number;
  wallSeconds: number;
}

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

const FABRIC_DROPS = ['buffer', 'plane_down', 'link_down', 'node_down', 'partition', 'fault_drop', 'unknown_dst'];

/** Runs one configuration; returns the summary (without the sweep). */
export function runOnce(sc: Scenario, over: Parameters<typeof clusterConfig>[1] = {}, opts: RunOptions = {}, phase = 'run'): { summary: Summary; events: string[] } {
  const t0 = performance.now();
  const { cfg, total, window } = clusterConfig(sc, over);
  const cluster = new Cluster(cfg);
  try {
    if (opts.trace) cluster.traceOpen(opts.trace);
    // with a plane-down fault: latency histograms at its edges (before, during, after)
    const pd = (cfg.faults ?? []).find((f) => f.kind === 'planeDown');
    const marks = pd && pd.at > window[0] && pd.at < window[1] ? [window[0], pd.at, ...(pd.until && pd.until < window[1] ? [pd.until] : []), window[1]] : [];
    const snaps: Array<{ hist: number[]; overflow: number }> = [];
    for (const m of marks) {
      cluster.run(m - cluster.cycle, (done) => opts.onProgress?.(done, total, phase));
      snaps.push({ hist: cluster.histogram(), overflow: cluster.latency().overflow });
    }
    cluster.run(total - cluster.cycle, (done) => opts.onProgress?.(done, total, phase));
    const st = cluster.stats();
    const lat = cluster.latency();
    const counters = cluster.nicCounters();
    const events = cluster.events();
    const net = cluster.net;
    const P = periodPs(net);
    const nsPerCycle = P / 1000;
    const len = frameLen(sc.workload.payloadBytes);
    const lineFps = lineRateFps(net, len);
    const windowSec = ((window[1] - 16) * P) / 1e12;   // requests are offered from cycle 16
    const measuredSec = ((window[1] - window[0]) * P) / 1e12;
    const completedMeasured = st.completed_measured ?? 0;
    const completedInWindow = st.completed_in_window ?? 0;
    const offered = st.offered ?? 0;
    const completed = st.completed ?? 0;
    const floorPs = sc.replication === 'chain' ? chainFloorPs(net, sc.workload.payloadBytes, sc.replicas) : networkFloorPs(net, sc.workload.payloadBytes);
    const buckets = cluster.completionBuckets();
    const b0 = Math.ceil(window[0] / 2500), b1 = Math.floor(window[1] / 2500);
    const inWindow = buckets.slice(b0, b1);
    const toMrps = (n: number) => n / (2500 * P * 1e-12) / 1e6;
    const nicDrops: Record<string, Record<string, number>> = {};
    counters.forEach((c, i) => {
      if (!c) { nicDrops[`n${i}`] = { crashed: 1 }; return; }
      const d: Record<string, number> = {};
      for (const [k, v] of Object.entries(c)) if (k.startsWith('DROP_') && v !== 0n) d[k.slice(5)] = Number(v);
      nicDrops[`n${i}`] = d;
    });
    const fabric: Record<string, number> = {};
    for (const k of FABRIC_DROPS) fabric[k] = st[`drop.${k}`] ?? 0;
    const faultsInjected: Record<string, number> = {};
    for (const l of events) {
      const m = /^\d+ (inject \w+|plane_down|plane_up|crash|restart|fault_start|fault_end)/.exec(l);
      if (m) faultsInjected[m[1]!.replace('inject ', '')] = (faultsInjected[m[1]!.replace('inject ', '')] ?? 0) + 1;
    }
    const wallSeconds = (performance.now() - t0) / 1000;
    const phaseNames = ['before', 'during', 'after'] as const;
    const phases: PhaseLatency[] = marks.slice(1).map((m, i) => {
      const a = snaps[i]!, b = snaps[i + 1]!;
      const len = Math.max(a.hist.length, b.hist.length);
      const d = Array.from({ length: len }, (_, v) => (b.hist[v] ?? 0) - (a.hist[v] ?? 0));
      const ov = b.overflow - a.overflow;
      const pct = (q: number) => round(histPercentile(d, q, ov) * nsPerCycle);
      return { phase: phaseNames[i]!, fromUs: round((marks[i]! * P) / 1e6), toUs: round((m * P) / 1e6), p50Ns: pct(0.5), p99Ns: pct(0.99), p999Ns: pct(0.999), samples: d.reduce((x, y) => x + y, 0) + ov };
    });
    const summary: Summary = {
      name: sc.name,
      clientPlanes: cfg.workload!.planes!,
      replicas: sc.replicas,
      replication: sc.replication,
      planes: sc.planes,
      seed: cfg.seed,
      reply: cfg.workload!.reply!,
      clockMHz: net.clockMHz,
      frameBytes: len,
      lineRateMfps: round(lineFps / 1e6),
      simulatedUs: round((cluster.cycle * P) / 1e6),
      cycles: cluster.cycle,
      offeredPct: round((offered / windowSec / lineFps) * 100),
      offeredRequests: offered,
      completedRequests: completed,
      committedPct: round((completedInWindow / measuredSec / lineFps) * 100),
      committedTotalPct: round((completedMeasured / measuredSec / lineFps) * 100),
      throughputMreqPerSec: round(completedInWindow / measuredSec / 1e6),
      throughputGbps: round(wireBitsPerSec(len, completedInWindow / measuredSec) / 1e9),
      commitsPerNode: Array.from({ length: sc.replicas }, (_, i) => st[`node${i}.committed`] ?? 0),
      lostRequests: offered - completed,
      retries: st.retries ?? 0,
      duplicateReplies: st.dup_replies ?? 0,
      reqFrames: st.copies ?? 0,
      leaderReqCopiesDropped: Number(counters[0]?.DROP_REQ_DUP ?? 0n),
      leaderSequenced: Number(counters[0]?.REQ_SEQUENCED ?? 0n),
      latencyNs: {
        p50: round(lat.p50 * nsPerCycle), p99: round(lat.p99 * nsPerCycle), p999: round(lat.p999 * nsPerCycle),
        min: round(lat.min * nsPerCycle), max: round(lat.max * nsPerCycle), mean: round(lat.mean * nsPerCycle),
      },
      latencyCycles: { p50: lat.p50, p99: lat.p99, p999: lat.p999, min: lat.min, max: lat.max, samples: lat.count },
      networkFloorNs: round(floorPs / 1000),
      networkFloorCycles: round(floorPs / P),
      throughputWindowMreqPerSec: {
        min: round(inWindow.length ? toMrps(Math.min(...inWindow)) : 0),
        max: round(inWindow.length ? toMrps(Math.max(...inWindow)) : 0),
      },
      drops: { fabric, nic: nicDrops },
      faultsInjected,
      ...(phases.length ? { phases } : {}),
      events: events.length,
      simCyclesPerSec: Math.round(cluster.nativeCycles / Math.max(1e-9, cluster.nativeSeconds)),
      wallSeconds: round(wallSeconds, 2),
    };
    return { summary, events };
  } finally {
    cluster.destroy();
  }
}

/** q-quantile of an exact histogram (h[v] = samples of value v; overflow: samples beyond it, reported as `hist.length`). */
export function histPercentile(hist: number[], q: number, overflow = 0): number {
  const total = hist.reduce((a, b) => a + b, 0) + overflow;
  if (!total) return 0;
  const rank = Math.ceil(q * total);
  let acc = 0;
  for (let v = 0; v < hist.length; v++) {
    acc += hist[v]!;
    if (acc >= rank) return v;
  }
  return hist.length;
}

function modeRun(s: Summary): PlaneModeRun {
  return {
    planes: s.clientPlanes, committedPct: s.committedPct, lostRequests: s.lostRequests, retries: s.retries, duplicateReplies: s.duplicateReplies,
    reqFrames: s.reqFrames, leaderReqCopiesDropped: s.leaderReqCopiesDropped, leaderSequenced: s.leaderSequenced,
    latencyNs: s.latencyNs, phases: s.phases ?? [],
  };
}

/**
 * A load is sustained when every request was answered, nothing was dropped (fabric buffers or
 * NIC counters, except the NICs' by-design discarding of the second plane's copy) and the p99.9
 * latency stays under twice the network floor (a standing queue would grow past it).
 */
export function sustained(s: Summary): boolean {
  const fabricDrops = Object.values(s.drops.fabric).reduce((a, b) => a + b, 0);
  const nicDrops = Object.values(s.drops.nic).reduce((a, d) => a + Object.entries(d).filter(([k]) => k !== 'PLANE_DUP' && k !== 'REQ_DUP').reduce((x, [, v]) => x + v, 0), 0);
  return s.lostRequests === 0 && s.retries === 0 && fabricDrops + nicDrops === 0 && s.latencyNs.p999 < 2 * s.networkFloorNs;
}

function dropsOf(s: Summary): number {
  const f = Object.values(s.drops.fabric).reduce((a, b) => a + b, 0);
  const n = Object.values(s.drops.nic).reduce((a, d) => a + Object.entries(d).filter(([k]) => k !== 'PLANE_DUP' && k !== 'REQ_DUP').reduce((x, [, v]) => x + v, 0), 0);
  return f + n;
}

export function runScenario(sc: Scenario, opts: RunOptions = {}): { summary: Summary; events: string[] } {
  const t0 = performance.now();
  let sweep: Summary['sweep'];
  let sweepCycles = 0, sweepSeconds = 0;
  if (!opts.noSweep && sc.sweep.length) {
    const points: SweepPoint[] = [];
    const maxSustainedPct: Record<string, number | null> = {};
    for (const sw of sc.sweep) {
      const reply = sw.reply ?? sc.workload.reply;
      const planes = sw.planes ?? sc.workload.planes;
      const key = sw.planes === undefined ? reply : `${reply}/${planes}`;
      const point = (ratePct: number): SweepPoint => {
        const { summary: s } = runOnce(sc, { seed: opts.seed, ratePct, reply, planes, durationUs: sw.durationUs, faults: false }, { onProgress: opts.onProgress }, `sweep ${key} ${ratePct}%`);
        sweepCycles += s.cycles;
        sweepSeconds += s.cycles / Math.max(1, s.simCyclesPerSec);
        const p: SweepPoint = { reply, planes, ratePct, completedPct: s.committedPct, lostRequests: s.lostRequests, drops: dropsOf(s), p99Ns: s.latencyNs.p99, p999Ns: s.latencyNs.p999, sustained: sustained(s) };
        points.push(p);
        return p;
      };
      const mine = [...sw.ratePct].sort((a, b) => a - b).map(point);
      let lo = Math.max(0, ...mine.filter((p) => p.sustained).map((p) => p.ratePct));
      const above = mine.filter((p) => !p.sustained && p.ratePct > lo).map((p) => p.ratePct);
      let hi = above.length ? Math.min(...above) : undefined;
      for (let k = 0; k < sw.refine && hi !== undefined && lo > 0; k++) {
        const mid = round((lo + hi) / 2, 2);
        if (point(mid).sustained) lo = mid; else hi = mid;
      }
      maxSustainedPct[key] = lo > 0 ? lo : null;
    }
    const order = (p: SweepPoint) => `${p.reply}/${String(p.planes)}`;
    points.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : a.ratePct - b.ratePct));
    sweep = { points, maxSustainedPct };
  }
  const r = runOnce(sc, { seed: opts.seed }, opts, 'scenario');
  if (sweep) r.summary.sweep = sweep;
  if (sc.comparePlanes.length) {
    const runs = [modeRun(r.summary)];
    for (const planes of sc.comparePlanes) {
      const { summary: s } = runOnce(sc, { seed: opts.seed, planes }, { onProgress: opts.onProgress }, `scenario planes ${String(planes)}`);
      sweepCycles += s.cycles;
      sweepSeconds += s.cycles / Math.max(1, s.simCyclesPerSec);
      runs.push(modeRun(s));
    }
    r.summary.planeModes = runs;
  }

  if (sc.chainFailover && !opts.noFailover) {
    const cf = sc.chainFailover;
    try {
      r.summary.chainFailover = cf.positions.map((position) => runChainFailover({
        replicas: sc.replicas, planes: sc.planes, seed: opts.seed ?? sc.seed, position,
        ratePct: cf.ratePct ?? sc.workload.ratePct, retryBudgetPct: cf.retryBudgetPct ?? sc.workload.retryBudgetPct ?? 6,
        retryUs: sc.workload.retryUs ?? 20, payloadBytes: sc.workload.payloadBytes, clients: sc.workload.clients,
        crashAtUs: cf.crashAtUs, afterUs: cf.afterUs, network: sc.network,
        control: { suspectNs: cf.suspectUs * 1000, beatNs: (cf.suspectUs * 1000) / 5, silenceCycles: cf.silenceCycles, ctlDelayNs: cf.ctlDelayUs * 1000, ctlGbps: cf.ctlGbps },
      }));
      const bad = r.summary.chainFailover.filter((f) => !f.ok || f.firstCommitUs === null);
      if (bad.length) r.summary.failoverError = `chain failover of the ${bad.map((f) => f.position).join(', ')}: ${bad.map((f) => f.problems.join('; ') || 'no commit after the change').join(' | ')}`;
    } catch (e) {
      r.summary.failoverError = (e as Error).message;
    }
  }
  if (sc.failover && !opts.noFailover) {
    // the main phase is printed whatever happens to this one
    try {
      r.summary.failover = runFailover(sc, sc.failover, opts.seed, opts.onProgress ? (f) => opts.onProgress!(Math.round(f * 1000), 1000, 'failover') : undefined);
    } catch (e) {
      r.summary.failoverError = (e as Error).message;
    }
  }
  r.summary.wallSeconds = round((performance.now() - t0) / 1000, 2);
  const cycles = r.summary.cycles + sweepCycles;
  const secs = r.summary.cycles / Math.max(1, r.summary.simCyclesPerSec) + sweepSeconds;
  r.summary.simCyclesPerSec = Math.round(cycles / Math.max(1e-9, secs));
  return r;
}

/** The summary without wall-clock figures (identical for identical seeds). */
export function deterministicPart(s: Summary): Omit<Summary, 'simCyclesPerSec' | 'wallSeconds'> {
  const { simCyclesPerSec: _a, wallSeconds: _b, ...rest } = s;
  return rest;
}

export function formatSummary(s: Summary): string {
  const L: string[] = [];
  const fmtN = (x: number) => x.toLocaleString('en-US');
  const modeText = (m: PlaneMode) => m === 'spread' ? 'spread (each request on one plane, round robin)' : m === 'duplicate' ? 'duplicate (each request on every plane, the leader NIC keeps the first)' : `plane ${m} only`;
  L.push(`scenario ${s.name}: ${s.replicas} replicas, ${s.planes} plane(s), seed ${s.seed}, replies: ${s.reply === 'nic' ? 'leader NIC REPLY' : s.reply === 'follower' ? (s.replication === 'chain' ? 'the chain tail NIC REPLY (FOLLOWER_REPLY, REPLY_MASK 0xFF)' : 'follower NIC REPLY (FOLLOWER_REPLY, REPLY_MASK)') : 'commit snooping (clients in the replica group)'}`);
  if (s.replication === 'chain') {
    L.push(`  replication    chain n0 (head) -> ${Array.from({ length: s.replicas - 1 }, (_, i) => `n${i + 1}`).join(' -> ')} (tail): each node sends each command once, the tail replies (docs/replication-modes.md)`);
  }
  L.push(`  client planes  ${modeText(s.clientPlanes)}`);
  L.push(`  simulated      ${fmtN(s.simulatedUs)} µs (${fmtN(s.cycles)} cycles at ${s.clockMHz} MHz), ${s.frameBytes}-byte requests, line rate ${s.lineRateMfps} Mframes/s`);
  L.push(`  offered        ${s.offeredPct}% of line rate (${fmtN(s.offeredRequests)} requests)`);
  L.push(`  committed      ${s.committedPct}% of line rate within the offered window: ${s.throughputMreqPerSec} Mreq/s, ${s.throughputGbps} Gb/s on the wire; per node ${s.commitsPerNode.map(fmtN).join(' / ')}`);
  L.push(`                 ${s.committedTotalPct}% with the completions of the drain (late ones included)`);
  L.push(`  per 10 µs      min ${s.throughputWindowMreqPerSec.min} / max ${s.throughputWindowMreqPerSec.max} Mreq/s`);
  L.push(`  lost requests  ${fmtN(s.lostRequests)}  (retries ${fmtN(s.retries)}, duplicate replies ${fmtN(s.duplicateReplies)} incl. one copy per extra plane)`);
  L.push(`  latency        p50 ${s.latencyNs.p50} ns   p99 ${s.latencyNs.p99} ns   p99.9 ${s.latencyNs.p999} ns   (min ${s.latencyNs.min}, max ${s.latencyNs.max}; ${fmtN(s.latencyCycles.samples)} samples)`);
  L.push(`  network floor  ${s.networkFloorNs} ns (${s.networkFloorCycles} cycles): p99 is ${round(s.latencyNs.p99 - s.networkFloorNs, 1)} ns above it`);
  for (const ph of s.phases ?? []) L.push(`  ${(ph.phase + ' loss').padEnd(14)} ${String(ph.fromUs).padStart(4)}-${String(ph.toUs).padEnd(4)} µs: p50 ${ph.p50Ns} ns   p99 ${ph.p99Ns} ns   p99.9 ${ph.p999Ns} ns   (${fmtN(ph.samples)} samples)`);
  const same = s.sweep?.points.find((p) => p.reply === s.reply && p.planes === s.clientPlanes && Math.abs(p.ratePct - s.offeredPct) < 0.01);
  if (same) L.push(`  without faults at this load (sweep): p99 ${same.p99Ns} ns, p99.9 ${same.p999Ns} ns = floor + ${round(same.p99Ns - s.networkFloorNs, 1)} ns`);
  const fab = Object.entries(s.drops.fabric).filter(([, v]) => v).map(([k, v]) => `${k} ${fmtN(v)}`).join(', ') || 'none';
  L.push(`  fabric drops   ${fab}`);
  for (const [n, d] of Object.entries(s.drops.nic)) {
    const t = Object.entries(d).map(([k, v]) => `${k} ${fmtN(v)}`).join(', ') || 'none';
    L.push(`  NIC ${n} drops  ${t}`);
  }
  const inj = Object.entries(s.faultsInjected).map(([k, v]) => `${k} ${fmtN(v)}`).join(', ') || 'none';
  L.push(`  faults         ${inj}`);
  if (s.sweep) {
    L.push('  sweep (fault-free; sustained = no loss, no drop, p99.9 < 2x floor):');
    for (const p of s.sweep.points) {
      L.push(`    ${`${p.reply} ${String(p.planes)}`.padEnd(15)} ${String(p.ratePct).padStart(6)}% offered -> ${String(p.completedPct).padStart(7)}% committed, lost ${fmtN(p.lostRequests)}, drops ${fmtN(p.drops)}, p99 ${p.p99Ns} ns, p99.9 ${p.p999Ns} ns ${p.sustained ? 'sustained' : 'NOT sustained'}`);
    }
    for (const [r, v] of Object.entries(s.sweep.maxSustainedPct)) {
      const [rep, pm] = r.split('/');
      L.push(`    highest sustained load with ${rep === 'nic' ? 'NIC replies' : rep === 'follower' ? (s.replication === 'chain' ? 'the chain tail\'s replies' : 'follower replies') : 'commit snooping'}${pm ? `, clients in ${pm} mode` : ''}: ${v === null ? 'none of the points' : `${v}% of line rate`}`);
    }
  }
  if (s.planeModes) {
    L.push(`  client plane modes, the same run side by side (${s.offeredPct}% offered; latency in ns; before / during / after the plane loss):`);
    L.push('    mode        committed  lost  resends  REQ frames  leader REQ copies dropped  sequenced   p50 / p99 / p99.9 per phase');
    for (const m of s.planeModes) {
      const ph = m.phases.map((x) => `${x.phase} ${x.p50Ns}/${x.p99Ns}/${x.p999Ns}`).join(', ') || `run ${m.latencyNs.p50}/${m.latencyNs.p99}/${m.latencyNs.p999}`;
      L.push(`    ${String(m.planes).padEnd(10)} ${String(m.committedPct).padStart(8)}%  ${fmtN(m.lostRequests).padStart(4)}  ${fmtN(m.retries).padStart(7)}  ${fmtN(m.reqFrames).padStart(10)}  ${fmtN(m.leaderReqCopiesDropped).padStart(25)}  ${fmtN(m.leaderSequenced).padStart(9)}   ${ph}`);
    }
  }
  if (s.failover) L.push(formatFailover(s.failover));
  if (s.chainFailover) {
    L.push('  chain failover (the chain master: NIC silence reports and beats, catch-up from the new head, a new epoch; µs after the crash):');
    L.push('    crashed         change started  installed  first commit  entries caught up  answered        one log');
    for (const f of s.chainFailover) {
      L.push(`    ${`${f.position} (n${f.node})`.padEnd(15)} ${String(f.detectUs ?? 'never').padStart(14)}  ${String(f.installedUs ?? 'never').padStart(9)}  ${String(f.firstCommitUs ?? 'never').padStart(12)}  ${fmtN(f.caughtUpEntries).padStart(17)}  ${`${fmtN(f.completed)}/${fmtN(f.offered)}`.padStart(14)}  ${f.ok ? 'yes' : `NO: ${f.problems.join('; ')}`}`);
    }
  }
  if (s.failoverError) L.push(`  failover       FAILED: ${s.failoverError}`);
  L.push(`  speed          ${fmtN(s.simCyclesPerSec)} simulated cycles/s (${s.replicas} NICs), ${s.wallSeconds} s wall`);
  return L.join('\n');
}
