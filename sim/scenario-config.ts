// Cluster scenarios (leader mode): the YAML format, validated with zod, and how a scenario maps
// onto a Cluster configuration (times in cycles, endpoints as ports). docs/simulation.md
// describes the format. The runners import this: sim/scenario.ts (the main phase and the sweep)
// and sim/failover.ts (the failover phase), so neither imports the other's runner.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_NETWORK, DEFAULT_NIC, type ClusterConfig, type FaultSpec, type NetworkModel, type PlaneMode } from './cluster.js';
import { ScenarioError, fieldPath } from '../ctrl/config-error.js';

export { ScenarioError };

const posNum = z.number().positive();
const nonNeg = z.number().nonnegative();
const nonNegInt = z.number().int().nonnegative();
/** A node id (number) or a client ("c0", "c1", ...). */
const endpoint = z.union([nonNegInt, z.string().regex(/^c\d+$/, 'an endpoint is a node number or a client "c<k>"')]);
const window = { atUs: nonNeg, untilUs: nonNeg.optional() };
const linkSel = { plane: nonNegInt.optional(), from: z.array(endpoint).optional(), to: z.array(endpoint).optional(), prob: z.number().min(0).max(1).optional() };

export const faultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('drop'), ...window, ...linkSel }).strict(),
  z.object({ kind: z.literal('duplicate'), ...window, ...linkSel }).strict(),
  z.object({ kind: z.literal('corrupt'), ...window, ...linkSel }).strict(),
  z.object({ kind: z.literal('delay'), ...window, ...linkSel, delayNs: nonNeg, jitterNs: nonNeg.optional() }).strict(),
  z.object({ kind: z.literal('partition'), ...window, plane: nonNegInt.optional(), groups: z.array(z.array(endpoint).min(1)).min(2), oneWay: z.boolean().optional() }).strict(),
  z.object({ kind: z.literal('planeDown'), ...window, plane: nonNegInt }).strict(),
  z.object({ kind: z.literal('planeUp'), atUs: nonNeg, plane: nonNegInt }).strict(),
  z.object({ kind: z.literal('crash'), ...window, node: nonNegInt }).strict(),
  z.object({ kind: z.literal('restart'), atUs: nonNeg, node: nonNegInt }).strict(),
], { errorMap: (issue, ctx) => issue.code === 'invalid_union_discriminator'
  ? { message: `kind must be one of ${issue.options.map((o) => `'${String(o)}'`).join(' | ')}` }
  : { message: ctx.defaultError } });

const networkSchema = z.object({
  clockMHz: posNum, linkGbps: posNum, nicTxNs: nonNeg, nicRxNs: nonNeg, clientTxNs: nonNeg, clientRxNs: nonNeg,
  cableNs: nonNeg, switchNs: nonNeg, switching: z.enum(['cut-through', 'store-and-forward']),
  egressBufferBytes: z.number().int().positive(), clientsInGroup: z.boolean(), linkDetectNs: nonNeg,
  crossLinks: z.boolean(),
}).partial().strict();

const nicSchema = z.object({
  ackCount: z.number().int().min(1), ackDelayCycles: z.number().int().min(1),
  hbIntervalCycles: z.number().int().min(1), hbCommitDelayCycles: z.number().int().min(0),
  ackGapCycles: z.number().int().min(0), rtoCycles: z.number().int().min(1),
}).partial().strict();

/** How clients use the planes: 'spread' | 'duplicate' | a plane number. */
export const planeModeSchema = z.union([z.literal('spread'), z.literal('duplicate'), nonNegInt], {
  errorMap: () => ({ message: "must be one of 'spread' | 'duplicate' | a plane number (0..planes-1)" }),
});

const workloadSchema = z.object({
  mode: z.enum(['open', 'closed']).default('open'),
  ratePct: z.number().positive().max(1000).default(10),
  outstanding: z.number().int().min(1).default(1),
  payloadBytes: z.number().int().min(0).max(256).default(16),
  clients: z.number().int().min(1).max(64).default(2),
  reply: z.enum(['nic', 'snoop', 'follower']).default('nic'),
  /** spread: each request on one plane, round robin; duplicate: on every plane (the leader NIC keeps the first); a number: that plane */
  planes: planeModeSchema.default('spread'),
  retryUs: nonNeg.default(0),
  /** retries may use at most this % of the line rate (all clients together); 0: no limit */
  retryBudgetPct: z.number().min(0).max(100).default(0),
  requests: nonNegInt.default(0),
}).strict();

const sweepSchema = z.object({
  reply: z.enum(['nic', 'snoop', 'follower']).optional(),
  /** the clients' plane mode of this sweep (default the workload's) */
  planes: planeModeSchema.optional(),
  ratePct: z.array(z.number().positive()).min(1),
  /** bisection steps between the highest sustained and the lowest failed point */
  refine: z.number().int().min(0).max(8).default(0),
  durationUs: posNum.optional(),
}).strict();

export const scenarioSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  mode: z.literal('leader').default('leader'),
  /**
   * Replication protocol (docs/replication-modes.md): 'leader' (one leader NIC sequences and sends to
   * every follower) or 'chain' (node 0 the head of the chain 0 -> 1 -> ..., the tail replies: the
   * workload's reply must be 'follower'; no failover phase, as the control plane does not reconfigure a
   * chain yet).
   */
  replication: z.enum(['leader', 'chain']).default('leader'),
  /** Also write the JSON summary here (relative to the working directory), as --json does. */
  json: z.string().min(1).optional(),
  replicas: z.number().int().refine((n) => [1, 3, 5, 7].includes(n), { message: 'replicas must be one of 1 | 3 | 5 | 7' }),
  planes: z.number().int().min(1).max(3),
  seed: nonNegInt.default(1),
  durationUs: posNum,
  /** also run the main phase with these client plane modes (the summary shows each, side by side) */
  comparePlanes: z.array(planeModeSchema).default([]),
  warmupUs: nonNeg.default(5),
  drainUs: nonNeg.default(30),
  network: networkSchema.default({}),
  nic: nicSchema.default({}),
  host: z.object({ latencyNs: nonNeg.default(1000), pollNs: posNum.default(1000) }).strict().default({}),
  workload: workloadSchema.default({}),
  faults: z.array(faultSchema).default([]),
  sweep: z.array(sweepSchema).default([]),
  /**
   * A second phase with the real control plane (sim/failover.ts): node 0 is elected, the traffic
   * runs, the leader crashes mid-traffic. The scenario's `faults` apply to this phase too (times
   * from the start of its traffic) unless `failover.faults` replaces them; `actions` (membership
   * changes, compaction, leadership transfer) run at their times, so a crash during a membership
   * change or a snapshot can be written down.
   */
  /**
   * Chain replication's failover phase (replication 'chain'; sim/chain-world.ts runChainFailover): the
   * chain master (ctrl/chain/master.ts) beside the nodes; for each position, the same traffic and a crash
   * of the node there `crashAtUs` into it; the change (detection, catch-up, new epoch) and the first reply
   * for an entry sequenced after it.
   */
  chainFailover: z.object({
    positions: z.array(z.enum(['head', 'middle', 'tail'])).min(1).default(['head', 'middle', 'tail']),
    crashAtUs: posNum.default(100), afterUs: posNum.default(300),
    ratePct: z.number().positive().max(100).optional(),
    retryBudgetPct: z.number().min(0).max(100).optional(),
    /** the master takes a node out after this long without its beat (beats every suspectUs / 5) */
    suspectUs: posNum.default(10),
    /** a node's NIC reports its predecessor silent after this many cycles without a frame of it (0: beats alone) */
    silenceCycles: z.number().int().min(0).default(750),
    /** the control network: one-way delay (µs) and catch-up bandwidth (Gb/s) */
    ctlDelayUs: posNum.default(2),
    ctlGbps: posNum.default(25),
  }).strict().optional(),
  failover: z.object({
    crashAtUs: posNum.default(100), afterUs: posNum.default(400),
    electionTimeoutUs: posNum.default(100), heartbeatUs: posNum.default(20),
    /** the host driver's tick (progress read + core timers) */
    tickUs: posNum.default(5),
    fullShare: z.number().gt(0).max(1).default(0.9),
    ratePct: z.number().positive().max(100).optional(),
    retryBudgetPct: z.number().min(0).max(100).optional(),
    drainUs: posNum.optional(),
    /** voters at the start: nodes 0..voters-1 (default every replica); the others start as non-members */
    voters: z.number().int().min(1).optional(),
    faults: z.array(faultSchema).optional(),
    /** NIC failure detection (docs/control-plane.md §4.1): the follower NICs' SILENCE_CYCLES, the
     *  cores' promise (nicSilenceNs, µs), the leader NIC's heartbeat interval when idle (cycles) */
    nicDetect: z.object({
      silenceCycles: z.number().int().min(1), promiseUs: posNum, hbIntervalCycles: z.number().int().min(1),
    }).strict().optional(),
    /** no leader crash: the phase runs its traffic and faults only (elections are then spurious) */
    noCrash: z.boolean().default(false),
    actions: z.array(z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('add'), atUs: nonNeg, node: nonNegInt }).strict(),
      z.object({ kind: z.literal('remove'), atUs: nonNeg, node: nonNegInt }).strict(),
      z.object({ kind: z.literal('compact'), atUs: nonNeg, node: nonNegInt }).strict(),
      z.object({ kind: z.literal('transfer'), atUs: nonNeg, node: nonNegInt }).strict(),
    ])).default([]),
  }).strict().optional(),
}).strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioFault = z.infer<typeof faultSchema>;


export function parseScenario(obj: unknown, source = 'scenario'): Scenario {
  const r = scenarioSchema.safeParse(obj);
  if (!r.success) {
    const issues = r.error.issues.map((i) => {
      let msg = i.message;
      if (i.code === 'invalid_enum_value') msg = `must be one of ${i.options.map((o) => `'${String(o)}'`).join(' | ')} (got '${String(i.received)}')`;
      if (i.code === 'unrecognized_keys') msg = `unknown field(s) ${i.keys.map((k) => `'${k}'`).join(', ')}`;
      return `${fieldPath(i.path)}: ${msg}`;
    });
    throw new ScenarioError(`${source}: invalid scenario\n  ${issues.join('\n  ')}`, issues);
  }
  const sc = r.data;
  const bad: string[] = [];
  const nClients = sc.workload.clients;
  const checkEp = (e: number | string, where: string) => {
    if (typeof e === 'number' ? e >= sc.replicas : Number(e.slice(1)) >= nClients) {
      bad.push(`${where}: endpoint ${e} does not exist (nodes 0..${sc.replicas - 1}, clients c0..c${nClients - 1})`);
    }
  };
  sc.faults.forEach((f, i) => {
    if ('plane' in f && f.plane !== undefined && f.plane >= sc.planes) bad.push(`faults[${i}].plane: ${f.plane} is not a plane (0..${sc.planes - 1})`);
    if ('node' in f && f.node >= sc.replicas) bad.push(`faults[${i}].node: ${f.node} is not a node (0..${sc.replicas - 1})`);
    if ('untilUs' in f && f.untilUs !== undefined && f.untilUs <= f.atUs) bad.push(`faults[${i}].untilUs: must be after atUs`);
    if ('from' in f) f.from?.forEach((e) => checkEp(e, `faults[${i}].from`));
    if ('to' in f) f.to?.forEach((e) => checkEp(e, `faults[${i}].to`));
    if (f.kind === 'partition') f.groups.forEach((g, k) => g.forEach((e) => checkEp(e, `faults[${i}].groups[${k}]`)));
  });
  if (typeof sc.workload.planes === 'number' && sc.workload.planes >= sc.planes) bad.push(`workload.planes: ${sc.workload.planes} is not a plane (0..${sc.planes - 1})`);
  sc.comparePlanes.forEach((m, i) => { if (typeof m === 'number' && m >= sc.planes) bad.push(`comparePlanes[${i}]: ${m} is not a plane (0..${sc.planes - 1})`); });
  sc.sweep.forEach((s, i) => { if (typeof s.planes === 'number' && s.planes >= sc.planes) bad.push(`sweep[${i}].planes: ${s.planes} is not a plane (0..${sc.planes - 1})`); });
  if (sc.failover) bad.push(...failoverIssues(sc));
  if (sc.replication === 'chain') {
    // the tail answers every client: follower replies (FOLLOWER_REPLY, the tail's REPLY_MASK 0xFF)
    if (sc.workload.reply !== 'follower') bad.push(`workload.reply: must be 'follower' with replication 'chain' (the tail replies to every client; got '${sc.workload.reply}')`);
    sc.sweep.forEach((s, i) => { if (s.reply !== undefined && s.reply !== 'follower') bad.push(`sweep[${i}].reply: must be 'follower' with replication 'chain' (got '${s.reply}')`); });
    if (sc.failover) bad.push(`failover: the Raft control plane's failover phase is leader mode's; with replication 'chain' use chainFailover (the chain master)`);
    const cf = sc.chainFailover;
    if (cf && cf.positions.includes('middle') && sc.replicas < 3) bad.push(`chainFailover.positions: 'middle' needs at least 3 replicas (got ${sc.replicas})`);
    if (cf && cf.suspectUs < 2 * (cf.suspectUs / 5 + cf.ctlDelayUs)) bad.push(`chainFailover.suspectUs: ${cf.suspectUs} us must be at least 2 x (a beat period, suspectUs / 5, + ctlDelayUs ${cf.ctlDelayUs} us) = ${2 * (cf.suspectUs / 5 + cf.ctlDelayUs)} us: a live node would be taken out`);
  } else if (sc.chainFailover) {
    bad.push(`chainFailover: only with replication 'chain' (leader mode's failover phase is 'failover')`);
    if (sc.comparePlanes.includes('duplicate') || sc.workload.planes === 'duplicate') bad.push(`workload.planes / comparePlanes: 'duplicate' is a leader-mode client mode (the leader NIC drops the second copy); not with replication 'chain'`);
  }
  if (bad.length) throw new ScenarioError(`${source}: invalid scenario\n  ${bad.join('\n  ')}`, bad);
  return sc;
}

/** The NIC's plane merge forgets a copy after this many cycles (ctrl/daemon/config.ts COPY_WINDOW_CYCLES). */
const COPY_WINDOW_CYCLES = 1024;

/**
 * The failover phase's settings against each other, with the daemon's timing rules
 * (ctrl/daemon/config.ts) and what a first election needs: a message names the field and the range.
 */
function failoverIssues(sc: Scenario): string[] {
  const f = sc.failover!;
  const bad: string[] = [];
  const mhz = sc.network.clockMHz ?? DEFAULT_NETWORK.clockMHz;
  const hostUs = sc.host.latencyNs / 1000;
  if (f.electionTimeoutUs < 4 * f.tickUs) {
    bad.push(`failover.electionTimeoutUs: ${f.electionTimeoutUs} us is less than 4 host ticks (failover.tickUs ${f.tickUs} us): the timers fire once a tick; allowed: >= ${4 * f.tickUs} us`);
  }
  if (f.heartbeatUs > f.electionTimeoutUs / 4) {
    bad.push(`failover.heartbeatUs: ${f.heartbeatUs} us must be at most a quarter of failover.electionTimeoutUs (${f.electionTimeoutUs} us), i.e. <= ${f.electionTimeoutUs / 4} us ` +
      '(the daemon\'s rule; with a heartbeat near or above the timeout followers start elections forever)');
  }
  if (f.tickUs > f.heartbeatUs) bad.push(`failover.tickUs: ${f.tickUs} us must not exceed failover.heartbeatUs (${f.heartbeatUs} us)`);
  const minHbUs = (2 * COPY_WINDOW_CYCLES) / mhz;
  if (f.heartbeatUs < minHbUs) {
    bad.push(`failover.heartbeatUs: ${f.heartbeatUs} us is ${Math.round(f.heartbeatUs * mhz)} NIC cycles; it must be at least ${2 * COPY_WINDOW_CYCLES} (twice the NIC's copy window), i.e. >= ${Math.ceil(minHbUs * 10) / 10} us`);
  }
  // an election is a few host round trips (host latency each way) and ticks: it must fit the timeout
  const minEtUs = Math.ceil(20 * hostUs);
  if (f.electionTimeoutUs < minEtUs) {
    bad.push(`failover.electionTimeoutUs: ${f.electionTimeoutUs} us is below 20 x host.latencyNs (${sc.host.latencyNs} ns): an election takes several host round trips; allowed: >= ${minEtUs} us (or a lower host.latencyNs)`);
  }
  const voters = f.voters ?? sc.replicas;
  if (voters > sc.replicas) bad.push(`failover.voters: ${voters} is more than replicas (${sc.replicas})`);
  f.actions.forEach((a, i) => {
    if (a.node >= sc.replicas) bad.push(`failover.actions[${i}].node: ${a.node} is not a node (0..${sc.replicas - 1})`);
  });
  (f.faults ?? []).forEach((x, i) => {
    if ('plane' in x && x.plane !== undefined && x.plane >= sc.planes) bad.push(`failover.faults[${i}].plane: ${x.plane} is not a plane (0..${sc.planes - 1})`);
    if ('node' in x && x.node >= sc.replicas) bad.push(`failover.faults[${i}].node: ${x.node} is not a node (0..${sc.replicas - 1})`);
    if ('untilUs' in x && x.untilUs !== undefined && x.untilUs <= x.atUs) bad.push(`failover.faults[${i}].untilUs: must be after atUs`);
  });
  return bad;
}

/** Reads a scenario file; `raw` is the parsed YAML (for dispatching other modes). */
export function readScenarioFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScenarioError(`${file}: ${(e as Error).message}`, [(e as Error).message]);
  }
  try {
    return parseYaml(text);
  } catch (e) {
    throw new ScenarioError(`${file}: not valid YAML: ${(e as Error).message}`, [(e as Error).message]);
  }
}

export function loadScenario(file: string): Scenario {
  return parseScenario(readScenarioFile(file), file);
}

function endpointIndex(e: number | string, replicas: number): number {
  return typeof e === 'number' ? e : replicas + Number(e.slice(1));
}

/** The scenario's faults (or `faults`) as fault specs, times in cycles from `offsetCycles`. */
export function toFaultSpecs(sc: Scenario, cyclesPerUs: number, faults: ScenarioFault[] = sc.faults, offsetCycles = 0): FaultSpec[] {
  const cyc = (us: number) => offsetCycles + Math.round(us * cyclesPerUs);
  const eps = (l?: Array<number | string>) => l?.map((e) => endpointIndex(e, sc.replicas));
  return faults.map((f): FaultSpec => {
    const base = { at: cyc(f.atUs), ...('untilUs' in f && f.untilUs !== undefined ? { until: cyc(f.untilUs) } : {}) };
    switch (f.kind) {
      case 'drop': case 'duplicate': case 'corrupt':
        return { kind: f.kind, ...base, plane: f.plane, from: eps(f.from), to: eps(f.to), prob: f.prob };
      case 'delay':
        return { kind: 'delay', ...base, plane: f.plane, from: eps(f.from), to: eps(f.to), prob: f.prob, delayNs: f.delayNs, jitterNs: f.jitterNs };
      case 'partition':
        return { kind: 'partition', ...base, plane: f.plane, groups: f.groups.map((g) => eps(g)!), oneWay: f.oneWay };
      case 'planeDown': case 'planeUp':
        return { kind: f.kind, ...base, plane: f.plane };
      case 'crash': case 'restart':
        return { kind: f.kind, ...base, node: f.node };
    }
  });
}

export function clusterConfig(sc: Scenario, over: { seed?: number; ratePct?: number; reply?: 'nic' | 'snoop' | 'follower'; durationUs?: number; faults?: boolean; planes?: PlaneMode } = {}): { cfg: ClusterConfig; total: number; window: [number, number] } {
  const net: NetworkModel = { ...DEFAULT_NETWORK, ...sc.network };
  const cyclesPerUs = net.clockMHz;
  const cyc = (us: number) => Math.round(us * cyclesPerUs);
  const start = 16;   // traffic starts once the hosts' boot-time CSR writes are done
  const warm = cyc(sc.warmupUs);
  const dur = cyc(over.durationUs ?? sc.durationUs);
  const stop = warm + dur;
  const total = stop + cyc(sc.drainUs);
  const w = sc.workload;
  const cfg: ClusterConfig = {
    replicas: sc.replicas,
    planes: sc.planes,
    seed: over.seed ?? sc.seed,
    network: net,
    nic: { ...DEFAULT_NIC, ...sc.nic },
    hostLatencyCycles: cyc(sc.host.latencyNs / 1000),
    hostPollCycles: Math.max(1, cyc(sc.host.pollNs / 1000)),
    workload: {
      mode: w.mode, ratePct: over.ratePct ?? w.ratePct, outstanding: w.outstanding, payloadBytes: w.payloadBytes,
      clients: w.clients, reply: over.reply ?? w.reply, planes: over.planes ?? w.planes, retryCycles: cyc(w.retryUs), retryBudgetPct: w.retryBudgetPct,
      startCycle: start, stopCycle: stop, maxRequests: w.requests, measureFromCycle: warm,
    },
    faults: over.faults === false ? [] : toFaultSpecs(sc, cyclesPerUs),
    replication: sc.replication,
  };
  return { cfg, total, window: [warm, stop] };
}
