// The cluster benchmark: runs the sections (bench/report/sections.ts), writes bench/out/cluster.json,
// bench/out/report.html (plots as SVG, bench/report/plots.ts) and one SVG per plot, and prints the
// summary table. Entry points: bench/cluster.ts (make bench-cluster) and `nicraft bench`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT } from '../../native/build.js';
import { frameLen } from '../../sim/cluster.js';
import { writeHtml } from './html.js';
import { deploySectionFromFile } from './deploy.js';
import { worSection } from './wor.js';
import { pinnedLibraries, type PointResult } from './measure.js';
import { renderAll } from './plots.js';
import { clusterBenchSchema, type ClusterBench } from './schema.js';
import {
  FAILOVER_PENDING, benchNic, modesSection, HB_COMMIT_DELAY_REPLY, HEADLINE_LOAD, electionsSection, MIN_PAYLOAD, SECTIONS, WAVERUNNER_P99_NS, failoverSection, loadSection,
  makeContext, payloadSection, planeLossSection, readScalingSection, simSpeedSection, softwareSection,
  type BenchContext, type Mode, type Section,
} from './sections.js';

export interface BenchOptions {
  mode?: Mode;
  replicas?: number[];
  /** Run only these sections; the others are kept from an existing cluster.json (if any). */
  only?: Section[];
  seed?: number;
  /** Measured requests per point (overrides the profile). */
  requests?: number;
  outDir?: string;
  /** No progress lines, no table. */
  quiet?: boolean;
}

export const STATEMENT = 'nicraft figures come from cycle-accurate simulation (Verilator) of the NIC RTL in a co-simulated cluster with the documented network model (docs/network-model.md: 100 Gb/s links, RS-FEC MAC/PHY, 300 ns cut-through switches); the published figures they are set against are measurements on real hardware.';

export const SOURCES: Record<string, string> = {
  waverunner: 'Alimadadi et al., "Waverunner: An Elegant Approach to Hardware Acceleration of State Machine Replication", NSDI 2023: p99 1.8 us without batching on minimum-size packets at 85.5 Gb/s (FPGA SmartNICs)',
  mu: 'Aguilera et al., "Microsecond Consensus for Microsecond Applications", OSDI 2020: replication under 1.3 us, fail-over under 1 ms (RDMA)',
  erpc: 'Kalia et al., "Datacenter RPCs can be General and Fast", NSDI 2019: 10 M small RPCs/s per core; Raft over eRPC: 5.5 us replication latency on lossy Ethernet',
  kernelBypassHop: '~2 us per software hop for kernel-bypass stacks: the rough figure issue 8 gives, used as a sanity check of the host model, not as a parameter',
  networkModel: 'docs/network-model.md (AMD/Xilinx PG203 RS-FEC latencies, switch datasheet class figures)',
};

const ALIASES: Record<string, Section> = {
  load: 'load', modes: 'modes', chain: 'modes', payload: 'payload', software: 'software', failover: 'failover',
  planeloss: 'planeLoss', 'plane-loss': 'planeLoss', plane: 'planeLoss',
  elections: 'elections', 'spurious-elections': 'elections',
  simspeed: 'simSpeed', 'sim-speed': 'simSpeed', speed: 'simSpeed',
  readscaling: 'readScaling', 'read-scaling': 'readScaling', reads: 'readScaling',
  wor: 'wor',
};

/** Parses a section name (load, payload, software, failover, plane-loss, elections, sim-speed, read-scaling, wor). */
export function parseSection(s: string): Section {
  const k = ALIASES[s.toLowerCase()] ?? ALIASES[s.toLowerCase().replace(/[_ ]/g, '-')];
  if (!k) throw new Error(`unknown section '${s}' (one of ${['load', 'modes', 'payload', 'software', 'failover', 'plane-loss', 'elections', 'sim-speed', 'read-scaling', 'wor'].join(', ')})`);
  return k;
}

function emptyBench(ctx: BenchContext): ClusterBench {
  return {
    schemaVersion: 1,
    generatedAt: new Date().toISOString(),
    mode: ctx.mode,
    sectionsRun: [],
    statement: STATEMENT,
    config: {
      seed: ctx.seed,
      replicas: ctx.replicas,
      planes: ctx.planes,
      clockMHz: ctx.network.clockMHz,
      payloadBytes: MIN_PAYLOAD,
      clients: 2,
      arrivals: 'open loop, paced: a token bucket at the offered rate, clients in round robin, each request on one plane (round robin); no batching',
      nic: { ...ctx.nic, hbCommitDelayCyclesReply: HB_COMMIT_DELAY_REPLY, ackGapCyclesByReplicas: Object.fromEntries(ctx.replicas.map((n) => [String(n), benchNic(ctx, n, ctx.planes).ackGapCycles ?? 0])) },
      network: { ...ctx.network },
      host: ctx.host,
      softwareCost: ctx.softwareCost,
      profile: { ...ctx.profile },
      sources: SOURCES,
      libraries: {},
    },
    loadSweep: [],
    hostReplySweep: [],
    cdf: null,
    breakdown: null,
    payloadSweep: null,
    softwarePath: [],
    softwareComparison: null,
    failover: null,
    failoverNote: FAILOVER_PENDING,
    planeLoss: null,
    elections: null,
    simSpeed: null,
    readScaling: [],
    readScalingWriteCost: [],
    chainReads: [],
    wor: null,
    comparison: [],
    wallSeconds: {},
  };
}

const us = (ns: number) => `${(ns / 1000).toFixed(2)} us`;
const usOrNever = (x: number | null | undefined) => (x === null || x === undefined ? 'not within the run' : `${x} us`);

/** The comparison table against the published anchors, from what the run measured. */
export function comparison(j: ClusterBench): ClusterBench['comparison'] {
  const rows: ClusterBench['comparison'] = [];
  const b = j.breakdown;
  const head = j.loadSweep.find((p) => p.reply === 'snoop' && p.replicas === (b?.replicas ?? 3) && Math.abs(p.offeredPct - HEADLINE_LOAD) < 0.05);
  const maxSustained = (pts: PointResult[] | ClusterBench['loadSweep'], replicas: number) => {
    const ok = pts.filter((p) => p.replicas === replicas && p.sustained).map((p) => p.offeredPct);
    return ok.length ? Math.max(...ok) : null;
  };
  if (head) {
    rows.push({
      system: 'Waverunner', metric: 'p99 latency, minimum-size, no batching, 85.5 Gb/s', published: '1.8 us', source: SOURCES.waverunner!,
      nicraft: `${us(head.latencyNs.p99)} at ${head.committedGbps} Gb/s committed (${head.replicas} replicas, commit snooping); ${head.latencyNs.p99 <= WAVERUNNER_P99_NS ? 'meets' : 'does not meet'} 1.8 us`,
      how: `client send -> commit seen by the client; network floor ${us(head.networkFloorNs)}`,
    });
    const nicMax = maxSustained(j.loadSweep.filter((p) => p.reply === 'nic'), head.replicas);
    rows.push({
      system: 'Waverunner', metric: 'same, with a REPLY frame per request', published: '1.8 us', source: SOURCES.waverunner!,
      nicraft: `85.5% is not sustainable: the leader's uplink carries an APPEND and a REPLY per request; highest sustained load measured ${nicMax ?? 'none'}%`,
      how: 'fast path, NIC REPLY at commit',
    });
    const followerMax = maxSustained(j.loadSweep.filter((p) => p.reply === 'follower'), head.replicas);
    const fol = j.loadSweep.find((p) => p.reply === 'follower' && p.replicas === head.replicas && Math.abs(p.offeredPct - HEADLINE_LOAD) < 0.05);
    if (followerMax !== null || fol) {
      rows.push({
        system: 'Waverunner', metric: 'same, with a REPLY frame per request from the followers', published: '1.8 us', source: SOURCES.waverunner!,
        nicraft: `highest sustained load measured ${followerMax ?? 'none'}%${fol ? `; p99 at ${fol.offeredPct}%: ${us(fol.latencyNs.p99)}` : ''}`,
        how: 'fast path, follower NIC REPLY at its commit index (FOLLOWER_REPLY, REPLY_MASK)',
      });
    }
    if (b?.whatIfNoFec) {
      rows.push({
        system: 'Waverunner', metric: 'p99 at 85.5%, what-if: MAC/PHY without RS-FEC', published: '1.8 us', source: SOURCES.waverunner!,
        nicraft: `${us(b.whatIfNoFec.latencyNs.p99)} (network floor ${us(b.whatIfNoFec.networkFloorNs)})`,
        how: 'not the default model: nicTxNs/nicRxNs without PG203 RS-FEC latency',
      });
    }
  }
  if (b) {
    const hops = b.floorHops;
    const client = hops[0]!.ns + hops[3]!.ns;
    rows.push({
      system: 'Mu', metric: 'replication latency of a small request', published: '< 1.3 us', source: SOURCES.mu!,
      nicraft: `${us(b.loneLatencyNs.immediateAck - client)} with immediate ACKs, ${us(b.loneLatencyNs.settings - client)} with the bench's ACK coalescing (leader NIC: request in -> commit out); ${us(b.loneLatencyNs.immediateAck)} end to end`,
      how: 'derived: lone-request latency minus the two client hops of the network floor (REQ in, commit frame out)',
    });
  }
  rows.push({
    system: 'Mu', metric: 'fail-over time', published: '< 1 ms', source: SOURCES.mu!,
    nicraft: j.failover ? `first commit ${usOrNever(j.failover.firstCommitUs)}, full throughput ${usOrNever(j.failover.fullThroughputUs)} after the crash (medians of ${Array.isArray(j.failover.runs) ? j.failover.runs.length : 1} runs)` : 'pending (failover section not yet filled in)',
    how: j.failover ? `leader crash at ${j.failover.offeredPct}% load, real control plane (election timeout ${String(j.failover.electionTimeoutUs)} us randomised up to 2x), 10 us buckets` : 'leader crash under load, 10 us buckets',
  });
  const sw = [...j.softwarePath].sort((a, c) => a.offeredPct - c.offeredPct)[0];
  const hw = sw ? j.softwareComparison?.hardwareAtSameLoads.find((p) => p.replicas === sw.replicas && p.offeredPct === sw.offeredPct) : undefined;
  if (sw) {
    rows.push({
      system: 'eRPC Raft', metric: 'replication latency at the client, 3 replicas', published: '5.5 us', source: SOURCES.erpc!,
      nicraft: `software path ${us(sw.latencyNs.p50)} p50 / ${us(sw.latencyNs.p99)} p99 at ${sw.offeredPct}%; fast path ${hw ? `${us(hw.latencyNs.p50)} p50 / ${us(hw.latencyNs.p99)} p99` : 'n/a'} (${sw.replicas} replicas)`,
      how: `software path: FAST_EN=0, replication in host software, ${j.config.softwareCost.perFrameNs} ns CPU per frame, ${j.config.host.latencyNs} ns per host<->NIC crossing, polls every ${j.config.host.pollNs} ns`,
    });
  }
  return rows;
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
const f0 = (x: number) => Math.round(x).toLocaleString('en-US');

/** The summary table (stdout). */
export function summaryTable(j: ClusterBench): string {
  const L: string[] = [];
  L.push(`nicraft cluster benchmark (${j.mode}), seed ${j.config.seed}, ${j.config.planes} planes, ${frameLen(j.config.payloadBytes)}-byte requests (${frameLen(j.config.payloadBytes) + 4} with FCS), no batching`);
  L.push(STATEMENT);
  if (j.loadSweep.length || j.hostReplySweep.length) {
    L.push('');
    L.push('load sweep                      offered  committed  committed   p50 ns   p99 ns  p99.9 ns  floor ns  above floor  sustained');
    L.push('                                   %        Gb/s     Mreq/s                                          (p50 share)');
    const curve = (p: PointResult | ClusterBench['loadSweep'][number]) => p.path === 'hostReply' ? 'host reply' : p.reply === 'snoop' ? 'fast path, snoop' : p.reply === 'follower' ? 'fast path, follower REPLY' : 'fast path, NIC REPLY';
    for (const p of [...j.loadSweep, ...j.hostReplySweep]) {
      L.push(`  ${p.replicas}r ${curve(p).padEnd(22)} ${pad(p.offeredPct.toFixed(1), 8)} ${pad(p.committedGbps.toFixed(2), 10)} ${pad(p.committedMpps.toFixed(2), 10)} ${pad(f0(p.latencyNs.p50), 8)} ${pad(f0(p.latencyNs.p99), 8)} ${pad(f0(p.latencyNs.p999), 9)} ${pad(p.networkFloorNs.toFixed(0), 9)} ${pad((p.nicAddedShare.p50 * 100).toFixed(1) + '%', 12)}  ${p.sustained ? 'yes' : 'NO'}`);
    }
  }
  if (j.modes?.length) {
    L.push('');
    L.push('replication modes side by side, a reply per request (same loads, seed, network, clients; floor: the reply path\'s network floor)');
    L.push('  replicas  mode    replies     highest sustained %   p50 / p99 ns at 50%   p50 / p99 ns at 85.5%   floor ns  failover');
    const lat = (x: { p50Ns: number; p99Ns: number; sustained: boolean } | null) => (x ? `${f0(x.p50Ns)} / ${f0(x.p99Ns)}${x.sustained ? '' : ' (NOT sust.)'}` : '-');
    for (const r of j.modes) {
      L.push(`  ${pad(r.replicas, 8)}  ${r.mode.padEnd(6)}  ${r.reply.padEnd(9)}  ${pad(r.maxSustainedPct === null ? 'none' : r.maxSustainedPct.toFixed(1), 19)}   ${pad(lat(r.at50), 19)}   ${pad(lat(r.at85), 21)}  ${pad(r.networkFloorNs.toFixed(0), 8)}  ${r.failover ? r.failover.map((f) => `${f.position} ${f.firstCommitUs ?? 'never'} us`).join(', ') : r.failoverNote}`);
    }
    L.push('  where the time goes at 85.5% (ns): p99 = floor + NIC pipelines and rounding (a lone request\'s latency - floor) + under load (p99 - lone request)');
    for (const r of j.modes) {
      const b = r.breakdown85;
      if (b) L.push(`  ${pad(r.replicas, 8)}  ${r.mode.padEnd(6)}  ${r.reply.padEnd(9)}  ${f0(b.p99Ns)} = ${b.floorNs.toFixed(1)} + ${b.nicAndRoundingNs.toFixed(1)} + ${b.loadP99Ns.toFixed(1)}   (p50 under load +${b.loadP50Ns.toFixed(1)})`);
    }
  }
  if (j.modesPayload?.length) {
    L.push('');
    L.push(`replication modes, payload sweep, ${j.modesPayload[0]!.replicas} replicas, a reply per request (leader: follower replies; chain: the tail's)`);
    L.push('  mode    load %  frame B   committed %   p50 / p99 ns      sustained');
    for (const p of j.modesPayload) {
      L.push(`  ${p.replication.padEnd(6)}  ${pad(p.offeredPct, 6)}  ${pad(p.frameBytes, 7)}   ${pad(p.committedPct.toFixed(2), 11)}   ${pad(`${f0(p.latencyNs.p50)} / ${f0(p.latencyNs.p99)}`, 15)}   ${p.sustained ? 'yes' : 'NO'}`);
    }
  }
  if (j.breakdown) {
    const b = j.breakdown;
    L.push('');
    L.push(`at ${b.offeredPct}% load, ${b.replicas} replicas (commit snooping): p50 ${f0(b.p50Ns)} ns, p99 ${f0(b.p99Ns)} ns, p99.9 ${f0(b.p999Ns)} ns; Waverunner's 1.8 us: ${b.meetsWaverunner ? 'MET' : 'NOT met'}`);
    L.push(`  where the time goes (p99 = network floor + cycle rounding + NIC pipeline + ACK coalescing and contention): ${b.networkFloorNs.toFixed(1)} + ${b.cycleRoundingNs.toFixed(1)} + ${b.nicPipelineNs.toFixed(0)} + ${b.ackAndQueueingP99Ns.toFixed(0)} = ${b.p99Ns.toFixed(0)} ns`);
    L.push(`  ${b.statement}`);
  }
  if (j.payloadSweep) {
    L.push('');
    L.push(`payload sweep (${j.payloadSweep.points[0]?.replicas ?? 3} replicas, commit snooping; library ${j.payloadSweep.variant})`);
    L.push('  frame B  offered %  committed Gb/s  Mreq/s   p50 ns   p99 ns  floor ns  sustained  drops');
    for (const p of j.payloadSweep.points) {
      const d = Object.entries(p.dropsByReason).map(([k, v]) => `${k} ${v}`).join(', ');
      L.push(`  ${pad(p.wireFrameBytes, 7)} ${pad(p.offeredPct.toFixed(1), 10)} ${pad(p.committedGbps.toFixed(2), 15)} ${pad(p.committedMpps.toFixed(2), 7)} ${pad(f0(p.latencyNs.p50), 8)} ${pad(f0(p.latencyNs.p99), 8)} ${pad(p.networkFloorNs.toFixed(0), 9)}  ${p.sustained ? 'yes' : 'NO '}        ${d}`);
    }
  }
  if (j.softwarePath.length && j.softwareComparison) {
    L.push('');
    L.push(`hardware vs software path (replies at commit; software: ${j.config.softwareCost.perFrameNs} ns CPU per frame, ${j.config.host.latencyNs} ns per host<->NIC crossing)`);
    L.push('  replicas  offered %   fast p50   fast p99     sw p50     sw p99   ratio p50  ratio p99  sw sustained  leader CPU');
    j.softwarePath.forEach((s, i) => {
      const h = j.softwareComparison!.hardwareAtSameLoads[i]!;
      const r = j.softwareComparison!.ratio[i]!;
      const ratio = (x: number) => (s.sustained ? x.toFixed(2) + 'x' : 'overload');
      L.push(`  ${pad(s.replicas, 8)} ${pad(s.offeredPct.toFixed(1), 10)} ${pad(f0(h.latencyNs.p50), 10)} ${pad(f0(h.latencyNs.p99), 10)} ${pad(f0(s.latencyNs.p50), 10)} ${pad(f0(s.latencyNs.p99), 10)} ${pad(ratio(r.p50), 11)} ${pad(ratio(r.p99), 10)}  ${s.sustained ? 'yes' : 'NO '}         ${s.leaderCpuBusy !== undefined ? (s.leaderCpuBusy * 100).toFixed(0) + '%' : ''}`);
    });
  }
  L.push('');
  if (j.failover) {
    const f = j.failover;
    L.push(`failover (leader crash at ${f.offeredPct}% load, ${f.replicas} replicas, medians of ${Array.isArray(f.runs) ? f.runs.length : 1} seeds): detected ${usOrNever(f.detectUs as number | null)}, elected ${usOrNever(f.electedUs as number | null)}, first commit ${usOrNever(f.firstCommitUs)}, full throughput ${usOrNever(f.fullThroughputUs)} after the crash; gap ${f.gapUs} us`);
    type Mw = { median: number | null; worst: number | null };
    type Sum = { seeds: number; detectUs: Mw; electedUs: Mw; firstCommitUs: Mw; to95Us: Mw; minAfter95Pct: Mw; elections: number; lostRequests: number; agreement: boolean };
    const row = (name: string, x: Sum) => `  ${name.padEnd(24)} ${String(x.seeds).padStart(5)}  ${[x.detectUs, x.electedUs, x.firstCommitUs, x.to95Us].map((m) => `${m.median ?? 'never'} / ${m.worst ?? 'never'}`.padStart(17)).join(' ')} ${`${x.minAfter95Pct.median ?? '-'} / ${x.minAfter95Pct.worst ?? '-'}`.padStart(15)}  ${x.elections} elections, lost ${x.lostRequests}, agreement ${x.agreement ? 'yes' : 'NO'}`;
    const sum = f.summary as Sum | undefined;
    if (sum) {
      L.push(`  (us after the crash, median / worst seed; 95%: us from the first commit to a 10 us bucket at 95% of the pre-crash rate; low: the lowest bucket after it, % of the pre-crash rate)`);
      L.push(`  ${'detection'.padEnd(24)} seeds  ${['detected', 'elected', 'first commit', 'to 95%'].map((h) => h.padStart(17)).join(' ')} ${'low after 95%'.padStart(15)}`);
      L.push(row('NIC (SILENCE_CYCLES)', sum));
      const t = (f.timeoutOnly as { summary: Sum } | null)?.summary;
      if (t) L.push(row('election timeout only', t));
    }
    for (const c of (f.spuriousElections as Array<{ case: string; elections: number; silenceEvents: number; lostRequests: number }> | undefined) ?? []) {
      L.push(`  no crash, ${c.case}: ${c.elections} elections, ${c.silenceEvents} leader-silence events, lost ${c.lostRequests}`);
    }
  } else {
    L.push(`failover: ${j.failoverNote ?? 'pending'}`);
  }
  if (j.planeLoss) {
    const p = j.planeLoss;
    L.push('');
    L.push(`plane loss: plane ${p.plane} down at ${p.downAtUs} us, up at ${p.upAtUs} us, ${p.offeredPct}% load, ${p.replicas} replicas, both client plane modes`);
    for (const m of p.modes) {
      L.push(`  ${m.planes}: lost ${m.lostRequests}, resends ${m.retries}, REQ frames ${m.reqFrames}, leader REQ copies dropped ${m.leaderReqCopiesDropped}, sequenced twice ${m.sequencedTwice}; p99 over the outage x${m.outageP99VsFaultFree} of fault-free (${f0(m.faultFreeOutageP99Ns)} ns); highest sustained ${m.maxSustainedPct === null ? 'none of ' + m.sweep.map((x) => x.offeredPct).join('/') : m.maxSustainedPct + '%'}`);
      for (const ph of m.phases) L.push(`  ${ph.phase.padEnd(28)} ${pad(ph.committedMpps.toFixed(2), 7)} Mreq/s (${ph.committedPct.toFixed(1)}%)  p50 ${pad(f0(ph.latencyNs.p50), 6)}  p99 ${pad(f0(ph.latencyNs.p99), 7)}  p99.9 ${pad(f0(ph.latencyNs.p999), 7)} ns  (${f0(ph.samples)} req)`);
    }
  }
  if (j.elections) {
    const e = j.elections;
    L.push('');
    L.push(`spurious elections (electing hosts, NIC detection ${e.nicDetect ? `after ${e.nicDetect.silenceCycles} cycles, promise ${e.nicDetect.promiseUs} us` : 'off'}, no crash): ${e.spuriousElections} elections and ${e.preVotes} pre-votes in ${e.runs.length} runs`);
    for (const r of e.runs) {
      L.push(`  ${r.run.padEnd(10)} ${r.replicas}r ${pad(r.offeredPct.toFixed(1), 5)}% ${r.clientPlanes.padEnd(9)} ${r.faults.padEnd(26)} ${pad(String(r.windowUs), 4)} us: elections ${r.elections}, pre-votes ${r.preVotes}, leader-silence events ${r.silenceEvents}, lost ${r.lostRequests}, agreement ${r.agreement ? 'yes' : 'NO'}`);
    }
  }
  if (j.simSpeed) {
    L.push('');
    L.push(`simulation speed (${j.simSpeed.load}; per CPU second of the simulating process)`);
    for (const r of j.simSpeed.rows) L.push(`  ${r.replicas} RTL NICs: TypeScript-driven ${f0(r.tsCyclesPerSec)} cycles/s, plain C++ loop ${f0(r.cppCyclesPerSec)} (same batches ${f0(r.cppSameBatchesCyclesPerSec)}), ratio ${r.ratio} (median of ${r.repeats})`);
    L.push(`  ModelNic: ${j.simSpeed.modelNic}`);
  }
  if (j.readScaling.length) {
    L.push('');
    L.push('read scaling (95% gets, closed loop; host cost: one core per host, software path model; gets from the leader vs any replica under follower leases)');
    L.push('  replicas  gets from  M gets/s  vs leader  p50 ns   p99 ns   writes p99 ns  host busy');
    for (const r of j.readScaling) {
      L.push(`  ${pad(String(r.replicas), 8)}  ${r.readFrom.padEnd(9)}  ${pad((r.readsPerSec / 1e6).toFixed(2), 8)}  ${pad(`x${r.speedupVsLeader}`, 9)}  ${pad(f0(r.latencyNs.p50), 6)}  ${pad(f0(r.latencyNs.p99), 7)}  ${pad(f0(r.writesLatencyNs.p99), 13)}  ${r.hostBusy.map((b) => b.toFixed(2)).join(' ')}`);
    }
    for (const w of j.readScalingWriteCost) {
      L.push(`  write cost, light load (50% puts): ${w.replicas} replicas, gets from ${w.readFrom} (leases ${w.leases}): puts p50 ${f0(w.writesLatencyNs.p50)} ns, p99 ${f0(w.writesLatencyNs.p99)} ns`);
    }
  }
  if (j.chainReads.length) {
    L.push('');
    L.push(`chain replication reads (KV store on the chain, ${j.chainReads[0]!.clients} clients one operation each, 90% gets; host polls every 1 us): gets through the log vs under read leases at any member`);
    L.push('  replicas  gets via  get p50 ns  get p99 ns  put p99 ns  lease reads (waited)  log entries/op');
    for (const r of j.chainReads) {
      L.push(`  ${pad(String(r.replicas), 8)}  ${r.reads.padEnd(8)}  ${pad(f0(r.getLatencyNs.p50), 10)}  ${pad(f0(r.getLatencyNs.p99), 10)}  ${pad(f0(r.putLatencyNs.p99), 10)}  ${pad(`${r.leaseReads} (${r.leaseReadsWaited})`, 20)}  ${r.logEntriesPerOp}`);
    }
  }
  if (j.wor) {
    const w = j.wor;
    L.push('');
    L.push(`WOR applications (${w.replicas} replicas, ${w.planes} planes; ${w.world.split(' (')[0]})`);
    L.push(`  shared log: ${(w.appendsPerSec / 1e6).toFixed(2)} M appends/s with ${w.appenders} appenders, append p50 ${f0(w.appendLatencyNs.p50)} ns, p99 ${f0(w.appendLatencyNs.p99)} ns; a lone WOR write p50 ${f0(w.loneWriteLatencyNs.p50)} ns`);
    for (const p of w.appendSweep) L.push(`    ${pad(p.appenders, 4)} appenders ${pad((p.appendsPerSec / 1e6).toFixed(2), 7)} M/s (${p.lineRatePct}% of line rate; leader uplink ${p.leaderUplinkPct}%)  p50 ${pad(f0(p.appendLatencyNs.p50), 6)}  p99 ${pad(f0(p.appendLatencyNs.p99), 6)} ns`);
    L.push(`  2PC (${w.txns.participantsPerTxn} participants, ${w.txns.coordinators} coordinators): commit p50 ${f0(w.txnCommitLatencyNs.p50)} ns, p99 ${f0(w.txnCommitLatencyNs.p99)} ns, ${w.txnRoundTrips} round trips (${w.txns.committed} committed)`);
  }
  if (j.comparison.length) {
    L.push('');
    L.push('comparison with published figures (nicraft: cycle-accurate simulation, documented network model)');
    for (const c of j.comparison) L.push(`  ${c.system.padEnd(11)} ${c.metric.padEnd(52)} ${c.published.padEnd(9)} nicraft: ${c.nicraft}`);
  }
  return L.join('\n');
}

/** Runs the benchmark and writes its outputs. */
export async function runClusterBench(opts: BenchOptions = {}): Promise<{ json: ClusterBench; files: string[] }> {
  const mode = opts.mode ?? 'full';
  const log = opts.quiet ? () => {} : (l: string) => process.stderr.write(l + '\n');
  const ctx = makeContext(mode, { replicas: opts.replicas, seed: opts.seed, requests: opts.requests, log });
  const outDir = resolve(opts.outDir ?? join(ROOT, 'bench/out'));
  mkdirSync(outDir, { recursive: true });
  const jsonFile = join(outDir, 'cluster.json');
  const only = opts.only?.length ? new Set<Section>(opts.only) : undefined;
  let j = emptyBench(ctx);
  if (only && existsSync(jsonFile)) {
    const prev = clusterBenchSchema.safeParse(JSON.parse(readFileSync(jsonFile, 'utf8')));
    if (prev.success) j = { ...prev.data, generatedAt: j.generatedAt };
    else log(`[bench] ${jsonFile} does not match the schema; starting a new one`);
  }
  const run = (s: Section) => !only || only.has(s);
  const timed = <T>(name: Section, fn: () => T): T => {
    const t0 = performance.now();
    log(`[bench] section ${name} (${mode})`);
    const r = fn();
    j.wallSeconds[name] = Math.round((performance.now() - t0) / 10) / 100;
    if (!j.sectionsRun.includes(name)) j.sectionsRun.push(name);
    return r;
  };
  const t0 = performance.now();
  for (const s of SECTIONS) {
    if (!run(s)) continue;
    // the sections run synchronously: let the event loop turn between them (a test runner's RPC, timers)
    await new Promise((res) => setImmediate(res));
    switch (s) {
      case 'load': {
        const r = timed(s, () => loadSection(ctx));
        Object.assign(j, r);
        break;
      }
      case 'modes': {
        const r = timed(s, () => modesSection(ctx));
        j.modes = r.rows;
        j.modesPoints = r.points;
        j.modesPayload = r.payloadPoints;
        break;
      }
      case 'payload':
        j.payloadSweep = timed(s, () => payloadSection(ctx));
        break;
      case 'software': {
        const r = timed(s, () => softwareSection(ctx));
        j.softwarePath = r.softwarePath;
        j.softwareComparison = { hardwareAtSameLoads: r.hardwareAtSameLoads, ratio: r.ratio };
        break;
      }
      case 'failover':
        j.failover = timed(s, () => failoverSection(ctx));
        if (j.failover) delete j.failoverNote;
        else j.failoverNote = FAILOVER_PENDING;
        break;
      case 'planeLoss':
        j.planeLoss = timed(s, () => planeLossSection(ctx));
        break;
      case 'elections':
        j.elections = timed(s, () => electionsSection(ctx));
        break;
      case 'simSpeed':
        j.simSpeed = timed(s, () => simSpeedSection(ctx));
        break;
      case 'readScaling': {
        const r = timed(s, () => readScalingSection(ctx));
        j.readScaling = r.rows;
        j.readScalingWriteCost = r.writeCost;
        j.chainReads = r.chain;
        break;
      }
      case 'wor': {
        const t = performance.now();
        log(`[bench] section wor (${mode})`);
        j.wor = await worSection(mode, ctx.seed, log);
        j.wallSeconds.wor = Math.round((performance.now() - t) / 10) / 100;
        if (!j.sectionsRun.includes('wor')) j.sectionsRun.push('wor');
        break;
      }
    }
  }
  j.wallSeconds.total = Math.round((performance.now() - t0) / 10) / 100;
  j.config.libraries = { ...j.config.libraries, ...Object.fromEntries(Object.entries(pinnedLibraries()).map(([k, v]) => [k, v.replace(ROOT + '/', '')])) };
  j.comparison = comparison(j);
  const parsed = clusterBenchSchema.parse(j);
  writeFileSync(jsonFile, JSON.stringify(parsed, null, 2) + '\n');
  const files = [jsonFile, ...(await writeReport(parsed, outDir))];
  if (!opts.quiet) {
    console.log(summaryTable(parsed));
    console.log('');
    for (const f of files) console.log(`wrote ${f}`);
  }
  return { json: parsed, files };
}

/** Writes report.html and one SVG per plot next to cluster.json; returns the files. */
export async function writeReport(j: ClusterBench, outDir: string): Promise<string[]> {
  const svgs = await renderAll(j);
  const files: string[] = [];
  for (const [id, svg] of Object.entries(svgs)) {
    const f = join(outDir, `cluster-${id}.svg`);
    writeFileSync(f, svg);
    files.push(f);
  }
  const html = join(outDir, 'report.html');
  // the deployment benchmark's section, when bench-deploy left its deploy.json here
  writeHtml(html, j, svgs, await deploySectionFromFile(join(outDir, 'deploy.json')));
  files.push(html);
  return files;
}

/** Re-renders the report and the table from an existing cluster.json (no simulation). */
export async function reportOnly(opts: { outDir?: string; quiet?: boolean } = {}): Promise<{ json: ClusterBench; files: string[] }> {
  const outDir = resolve(opts.outDir ?? join(ROOT, 'bench/out'));
  const jsonFile = join(outDir, 'cluster.json');
  const j = clusterBenchSchema.parse(JSON.parse(readFileSync(jsonFile, 'utf8')));
  const files = await writeReport(j, outDir);
  if (!opts.quiet) {
    console.log(summaryTable(j));
    console.log('');
    for (const f of files) console.log(`wrote ${f}`);
  }
  return { json: j, files };
}
