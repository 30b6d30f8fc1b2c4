// Chain-mode fault campaigns (`nicraft fuzz --chain`, docs/fuzz.md "Chain mode"): each seed draws a
// chain (2..5 replicas, 1..2 planes, payload size, load, clients, retry timing, the chain master's
// timing and control-network delay) and a schedule of faults: crashes of a chain position (head,
// middle, tail, resolved against the installed chain when the crash fires) with or without a
// restart (the node rejoins at the tail), data-network partitions (one node cut off, both ways or
// one way), frame loss, duplication, delay with jitter (reordering), a plane down. The run: traffic
// during the faults, then the faults end and the clients drain (they retry), then sim/chain-world.ts's
// `check()`: one log across every node's persisted log, every reply a NIC sent names the entry the
// log holds at its index, no delivery gap, no member log beyond its new head's, every request
// answered. A crash that would leave no member of the installed chain up is skipped (counted): a
// chain survives as long as one member does.
import { SeededRand } from '../../ctrl/rand.js';
import type { ClusterConfig, FaultSpec } from '../../sim/cluster.js';
import { ChainWorld, type ChainControl, type ChainFabric, type ChainCheck } from '../../sim/chain-world.js';

export type ChainPosition = 'head' | 'middle' | 'tail' | 'any';

export type ChainEvent =
  | { kind: 'crash'; atUs: number; pos: ChainPosition; downUs: number | null }
  | { kind: 'partition'; atUs: number; untilUs: number; node: number; oneWay: boolean }
  | { kind: 'link'; atUs: number; untilUs: number; fault: 'drop' | 'duplicate' | 'delay'; prob: number; plane?: number }
  | { kind: 'planeDown'; atUs: number; untilUs: number; plane: number }
  /** the chain master crashes and restarts from its stable storage `downUs` later */
  | { kind: 'master'; atUs: number; downUs: number };

export interface ChainSchedule {
  seed: number;
  replicas: number;
  planes: number;
  payloadBytes: number;
  ratePct: number;
  clients: number;
  retryUs: number;
  control: ChainControl;
  trafficUs: number;
  events: ChainEvent[];
}

export interface ChainDrawOptions {
  replicas?: number;
  planes?: number;
  /** traffic (and fault) window, µs (default drawn 150..300) */
  trafficUs?: number;
}

/** The seed's chain, workload, control timing and faults: a function of the seed (and the options) only. */
export function drawChainSchedule(seed: number, o: ChainDrawOptions = {}): ChainSchedule {
  const r = new SeededRand(seed).fork("chain");
  const pick = <T>(xs: readonly T[]): T => xs[r.int(xs.length)]!;
  const replicas = o.replicas ?? pick([2, 3, 3, 4, 5, 5]);
  const planes = o.planes ?? pick([1, 2]);
  const trafficUs = o.trafficUs ?? 150 + r.int(151);
  const ctlDelayNs = pick([1_000, 2_000, 5_000]);
  // the master takes a node out after suspectNs without its beat: at least 2 x (beat period + delay) (ChainWorld checks)
  const suspectNs = pick([5_000, 10_000, 20_000].filter((x) => x >= 2 * (x / 5 + ctlDelayNs)));
  const control: ChainControl = {
    beatNs: suspectNs / 5, suspectNs, roundTimeoutNs: pick([100_000, 200_000]), tickNs: pick([500, 1_000, 2_000]),
    ctlDelayNs, ctlGbps: pick([10, 25, 100]),
    silenceCycles: 0, hbIntervalCycles: 1000,
    // read leases in about half the seeds (a stream of their own: the other draws stay as they were);
    // nobody reads without the log here, but every change then waits for the leases of the members it lost
    readLeaseNs: 0,
  };
  const rl = new SeededRand(seed).fork('chain-lease');
  if (rl.chance(0.5)) control.readLeaseNs = Math.round((suspectNs / 5 + 2 * ctlDelayNs) * (1.2 + rl.next()));
  // NIC silence detection in about half the seeds (a silent predecessor reported to the master)
  if (r.chance(0.5)) { control.silenceCycles = pick([750, 2000]); control.hbIntervalCycles = 250; }
  const events: ChainEvent[] = [];
  // crashes one after another (each restart, if any, before the next crash)
  let t = 20 + r.int(40);
  const crashes = r.int(3);
  for (let k = 0; k < crashes && t < trafficUs; k++) {
    const downUs = r.chance(0.6) ? 20 + r.int(80) : null;
    events.push({ kind: 'crash', atUs: t, pos: pick(['head', 'middle', 'tail', 'any'] as const), downUs });
    t += (downUs ?? 0) + 60 + r.int(100);
  }
  const others = r.int(4);
  for (let k = 0; k < others; k++) {
    const at = 10 + r.int(Math.max(1, trafficUs - 20));
    const len = 5 + r.int(60);
    const what = r.int(planes > 1 ? 4 : 3);
    if (what === 0) events.push({ kind: 'partition', atUs: at, untilUs: at + len, node: r.int(replicas), oneWay: r.chance(0.3) });
    else if (what === 1) events.push({ kind: 'link', atUs: at, untilUs: at + len, fault: pick(['drop', 'drop', 'duplicate', 'delay'] as const), prob: pick([0.005, 0.01, 0.03]), ...(planes > 1 && r.chance(0.5) ? { plane: r.int(planes) } : {}) });
    else if (what === 2) events.push({ kind: 'link', atUs: at, untilUs: at + len, fault: 'drop', prob: pick([0.01, 0.03]) });
    else events.push({ kind: 'planeDown', atUs: at, untilUs: at + len, plane: r.int(planes) });
  }
  // master crashes (a stream of their own: the other draws stay as they were): in about a third of the
  // seeds one at any time, in about a third one a few µs after a node crash (a change is likely under way)
  const rm = new SeededRand(seed).fork('chain-master');
  if (rm.chance(0.35)) events.push({ kind: 'master', atUs: 10 + rm.int(Math.max(1, trafficUs - 20)), downUs: 2 + rm.int(50) });
  const nodeCrash = events.find((e) => e.kind === 'crash');
  if (nodeCrash && rm.chance(0.35)) events.push({ kind: 'master', atUs: nodeCrash.atUs + 3 + rm.int(25), downUs: 2 + rm.int(50) });
  events.sort((a, b) => a.atUs - b.atUs);
  return {
    seed, replicas, planes, trafficUs, control, events,
    payloadBytes: pick([4, 16, 100, 256]),
    ratePct: pick([10, 20, 40, 60]),
    clients: 1 + r.int(4),
    retryUs: pick([10, 20]),
  };
}

export interface ChainSeedResult {
  seed: number;
  ok: boolean;
  backend: 'rtl' | 'model';
  schedule: ChainSchedule;
  check: ChainCheck;
  /** crashes that fired / were skipped (they would have left no member up, or no such position) */
  crashes: number;
  skipped: number;
  /** crashes per chain position that fired */
  byPosition: Record<'head' | 'middle' | 'tail', number>;
  /** the master's reconfigurations that completed (installed epochs after the first) */
  installs: number;
  /** the master's crashes (each restarted from its stable storage), by its phase when it crashed */
  masterCrashes: string[];
  /** the master's counters, carried over its restarts (read leases among them) */
  master: import('../../ctrl/chain/master.js').ChainMasterStats;
  failures: string[];
  events: string[];
  simUs: number;
  wallMs: number;
  replay: string;
}

export interface ChainSeedOptions extends ChainDrawOptions {
  /** 'rtl' (C++ fabric, Verilated NICs) or 'model' (sim/model-cluster.ts); default 'rtl' */
  backend?: 'rtl' | 'model';
  /** the ModelNic fabric (needed for backend 'model'; passed in to keep this module's imports light) */
  modelFabric?: (cfg: ClusterConfig) => ChainFabric;
  /** drain bound after the faults, µs (default 6000) */
  drainUs?: number;
  /** called with the world once built (diagnostics) */
  onWorld?: (w: ChainWorld) => void;
  /** a deliberate bug in the master (tests of the checks) */
  masterMutation?: 'no-lease-wait';
}

export function describeChainSchedule(s: ChainSchedule): string {
  const ev = s.events.map((e) => e.kind === 'crash' ? `crash ${e.pos}@${e.atUs}${e.downUs !== null ? `+${e.downUs}` : ''}`
    : e.kind === 'partition' ? `cut n${e.node}${e.oneWay ? '(1way)' : ''}@${e.atUs}-${e.untilUs}`
      : e.kind === 'link' ? `${e.fault} ${e.prob}${e.plane !== undefined ? ` p${e.plane}` : ''}@${e.atUs}-${e.untilUs}`
        : e.kind === 'master' ? `master down@${e.atUs}+${e.downUs}`
          : `plane${e.plane} down@${e.atUs}-${e.untilUs}`).join(', ');
  return `${s.replicas} replicas, ${s.planes} plane(s), ${s.payloadBytes} B, ${s.ratePct}%, ${s.clients} client(s), retry ${s.retryUs} us, suspect ${s.control.suspectNs / 1000} us${s.control.silenceCycles ? ` (NIC silence ${s.control.silenceCycles} cycles)` : ''}, ctl ${s.control.ctlDelayNs / 1000} us / ${s.control.ctlGbps} Gb/s, ${s.trafficUs} us | ${ev || 'no faults'}`;
}

export function runChainSeed(seed: number, o: ChainSeedOptions = {}): ChainSeedResult {
  const t0 = performance.now();
  const s = drawChainSchedule(seed, o);
  const backend = o.backend ?? 'rtl';
  if (backend === 'model' && !o.modelFabric) throw new Error('runChainSeed: backend model needs modelFabric');
  const us = 250;   // cycles per µs at 250 MHz (the default network model)
  const w = new ChainWorld({
    replicas: s.replicas, planes: s.planes, seed,
    workload: { ratePct: s.ratePct, clients: s.clients, payloadBytes: s.payloadBytes, stopCycle: s.trafficUs * us, retryCycles: s.retryUs * us },
    control: s.control,
    ...(backend === 'model' ? { fabric: o.modelFabric! } : {}),
    ...(o.masterMutation ? { masterMutation: o.masterMutation } : {}),
  });
  o.onWorld?.(w);
  const failures: string[] = [];
  let crashes = 0, skipped = 0;
  const byPosition = { head: 0, middle: 0, tail: 0 };
  /** the master's phase at each of its crashes */
  const masterCrashes: string[] = [];
  try {
    const fire = (e: ChainEvent): void => {
      const now = w.cluster.cycle;
      if (e.kind === 'crash') {
        const until = e.downUs !== null ? now + e.downUs * us : undefined;
        const c = w.crashPosition(e.pos, until);
        if ('skipped' in c) { skipped++; w.events.push(`@${now} campaign: crash of the ${e.pos} skipped (${c.skipped})`); return; }
        byPosition[c.place]++;
        crashes++;
        w.events.push(`@${now} campaign: crash node ${c.node} (the ${c.place})${until !== undefined ? `, restart at ${until}` : ''}`);
        return;
      }
      if (e.kind === 'master') {
        const phase = w.master.phase;
        if (w.crashMaster(e.downUs * 1000)) masterCrashes.push(phase);
        return;
      }
      let f: FaultSpec;
      const at = e.atUs * us, until = e.untilUs * us;
      if (e.kind === 'partition') {
        const rest = Array.from({ length: s.replicas }, (_, i) => i).filter((i) => i !== e.node);
        f = { kind: 'partition', at, until, groups: [[e.node], rest], ...(e.oneWay ? { oneWay: true } : {}) };
      } else if (e.kind === 'link') {
        f = e.fault === 'delay'
          ? { kind: 'delay', at, until, prob: e.prob * 10, delayNs: 200, jitterNs: 400, ...(e.plane !== undefined ? { plane: e.plane } : {}) }
          : { kind: e.fault, at, until, prob: e.prob, ...(e.plane !== undefined ? { plane: e.plane } : {}) };
      } else {
        f = { kind: 'planeDown', at, until, plane: e.plane };
      }
      w.addFault(f);
    };
    for (const e of s.events) {
      const at = e.atUs * us;
      if (at > w.cluster.cycle) w.run(at - w.cluster.cycle);
      fire(e);
    }
    const end = (s.trafficUs + 100) * us;
    if (end > w.cluster.cycle) w.run(end - w.cluster.cycle);
    // the faults are over (partitions and link faults end by then; crashed nodes without a restart stay down)
    w.drain((o.drainUs ?? 6000) * us);
    // let a rejoin in progress complete, so every live node ends in the chain
    w.cluster.runUntil(() => w.master.phase === 'run', 2000 * us, 5000);
    // and the last deliveries reach the hosts (a reply leaves the tail as its entry goes to its host)
    w.run(10 * us);
  } catch (err) {
    failures.push(`exception: ${(err as Error).stack ?? String(err)}`);
  }
  const check = w.check();
  failures.push(...check.problems);
  if (w.master.phase !== 'run') failures.push(`the master is in phase ${w.master.phase} at the end`);
  const simUs = w.cluster.cycle / us;
  const events = [...w.events];
  const installs = w.installs.length;
  const master = { ...w.master.stats };
  w.destroy();
  return {
    seed, ok: failures.length === 0, backend, schedule: s, check, crashes, skipped, byPosition, installs, masterCrashes, master, failures, events, simUs,
    wallMs: Math.round(performance.now() - t0),
    replay: `nicraft fuzz --chain --seed ${seed}${backend === 'rtl' ? ' --rtl' : ''}${o.replicas ? ` --replicas ${o.replicas}` : ''}${o.planes ? ` --planes ${o.planes}` : ''}`,
  };
}

export function formatChainResult(r: ChainSeedResult): string {
  const c = r.check;
  return `seed ${r.seed}${r.backend === 'rtl' ? ' (rtl)' : ''} ${r.ok ? 'ok  ' : 'FAIL'} ${describeChainSchedule(r.schedule)} | ` +
    `${c.completed}/${c.offered} answered, log ${c.logLength} (${c.duplicates} resent twice, executed once), ${c.replies} replies checked, ` +
    `${r.crashes} crash(es) (head ${r.byPosition.head}, middle ${r.byPosition.middle}, tail ${r.byPosition.tail})${r.skipped ? `, ${r.skipped} skipped` : ''}, ` +
    `${c.reconfigurations} reconfiguration(s), epoch ${c.epoch}: ${c.order.join('->')}` +
    `${r.masterCrashes.length ? `, master restarts ${r.masterCrashes.length} (in ${r.masterCrashes.join(', ')})` : ''}` +
    `${r.master.leasesGranted ? `, leases ${r.master.leasesGranted} (${r.master.leaseWaits} change(s) waited)` : ''} | ${r.wallMs} ms`;
}
