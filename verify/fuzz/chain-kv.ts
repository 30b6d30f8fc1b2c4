// The KV application, its client library and the linearizability checker over chain replication
// (issue 21, "one object model"), in the deterministic ModelNic cluster: sim/chain-kv.ts's world (a
// ChainWorld whose every node's host runs ChainKvApp, ctrl/chain/kv-app.ts), the campaign's KV
// clients (FuzzClients, verify/fuzz/workload.ts: the unchanged client library, ctrl/app/client.ts,
// one operation in flight each, puts / gets / appends / deletes / cas on a few keys, recording a
// history) at the cluster's external client endpoints, crashes of the head, a middle or the tail drawn
// per seed (with or without a restart: the node rejoins at the tail), then the faults stop, the clients
// finish their operations, client 1 reads every key once, and the history is checked (verify/check,
// the KV model). Besides: ChainWorld.check() (one log, every NIC reply names its entry), and every live
// node's KV state equals every other's at the same applied index.
import { SeededRand } from '../../ctrl/rand.js';
import { checkOperations } from '../check/checker.js';
import { kvModel } from '../check/models.js';
import { parseJsonHistory } from '../check/parse.js';
import { ChainKvWorld } from '../../sim/chain-kv.js';
import type { ChainControl } from '../../sim/chain-world.js';
import type { ChainKvAppOptions } from '../../ctrl/chain/kv-app.js';
import { FuzzClients } from './workload.js';
import type { FuzzWorkload } from './schedule.js';

export type ChainKvPosition = 'head' | 'middle' | 'tail';

export interface ChainKvSchedule {
  seed: number;
  replicas: number;
  planes: number;
  workload: FuzzWorkload;
  control: Partial<ChainControl>;
  /** the clients run (and the faults happen) this long, µs */
  trafficUs: number;
  crashes: Array<{ atUs: number; pos: ChainKvPosition; downUs: number | null }>;
  /** crashes of the chain master, each restarted from its stable storage downUs later (a stream of their own) */
  masterCrashes: Array<{ atUs: number; downUs: number }>;
  /** data-network faults (from a stream of their own: the crash draws stay as they were) */
  links: Array<{ atUs: number; untilUs: number; kind: 'drop' | 'duplicate' | 'delay' | 'partition'; prob: number; node: number }>;
}

export interface ChainKvOptions {
  replicas?: number;
  planes?: number;
  trafficUs?: number;
  /** gets go to any node first (KvClient readFrom 'any'): punted at a non-head, redirected (default: drawn) */
  readFrom?: 'leader' | 'any';
  /** ChainKvApp options (a mutation for tests of the check) */
  app?: ChainKvAppOptions;
  /** read leases on / off (default: drawn, in about 60% of the seeds) */
  readLeases?: boolean;
  /** linearizability checker time limit (default 20 s) */
  checkTimeoutMs?: number;
  /** 'model' (default) or 'rtl' (RTL NICs in the C++ fabric) */
  backend?: 'model' | 'rtl';
}

/** The seed's chain, workload and crashes: a function of the seed (and the options) only. */
export function drawChainKvSchedule(seed: number, o: ChainKvOptions = {}): ChainKvSchedule {
  const r = new SeededRand(seed).fork('chain-kv');
  const pick = <T>(xs: readonly T[]): T => xs[r.int(xs.length)]!;
  const replicas = o.replicas ?? pick([3, 3, 4, 5]);
  const planes = o.planes ?? pick([1, 2]);
  const trafficUs = o.trafficUs ?? 250 + r.int(151);
  const suspectNs = pick([5_000, 10_000]);
  const control: Partial<ChainControl> = { beatNs: suspectNs / 5, suspectNs, ctlDelayNs: 1_000 };
  if (r.next() < 0.5) { control.silenceCycles = 750; control.hbIntervalCycles = 250; }
  const workload: FuzzWorkload = {
    clients: 2 + r.int(3), keys: 2 + r.int(3), readShare: pick([0.2, 0.35, 0.5]), thinkUs: pick([0.5, 1, 2]),
    attemptTimeoutUs: pick([20, 30, 40]), maxAttempts: 0, retryBudgetUs: 2_000,
    readFrom: o.readFrom ?? (r.next() < 0.5 ? 'any' : 'leader'),
    followerReplies: r.next() < 0.6,
  };
  // read leases in most seeds (a stream of their own: the other draws stay as they were): members answer
  // gets without the log (the clients then read from any node first)
  const rls = new SeededRand(seed).fork('chain-kv-lease');
  if (o.readLeases ?? rls.chance(0.6)) {
    control.readLeaseNs = Math.round((suspectNs / 5 + 2 * 1_000) * (1.2 + rls.next()));
    if (!o.readFrom) workload.readFrom = 'any';
  }
  // crashes one after another (each restart, if any, before the next crash); the first position
  // rotates with the seed so that every position is crashed across a few seeds
  const crashes: ChainKvSchedule['crashes'] = [];
  const positions: ChainKvPosition[] = ['head', 'middle', 'tail'];
  let t = 30 + r.int(40);
  const n = 1 + r.int(3);
  for (let k = 0; k < n && t < trafficUs - 20; k++) {
    const downUs = r.next() < 0.7 ? 20 + r.int(80) : null;
    const pos = k === 0 ? positions[seed % 3]! : pick(positions);
    crashes.push({ atUs: t, pos, downUs });
    t += (downUs ?? 0) + 60 + r.int(80);
  }
  // up to two data-network faults: loss, duplication, reordering delays on every link, or one node cut off
  const rl = new SeededRand(seed).fork('chain-kv-links');
  const links: ChainKvSchedule['links'] = [];
  for (let k = rl.int(3); k > 0; k--) {
    const atUs = 10 + rl.int(Math.max(1, trafficUs - 60));
    const kind = (['drop', 'duplicate', 'delay', 'partition'] as const)[rl.int(4)]!;
    links.push({ atUs, untilUs: atUs + 10 + rl.int(40), kind, prob: [0.005, 0.01, 0.03][rl.int(3)]!, node: rl.int(replicas) });
  }
  // master crashes: one at any time in about a third of the seeds, one a few µs after the first node crash
  // (a change likely under way) in about a third
  const rm = new SeededRand(seed).fork('chain-kv-master');
  const masterCrashes: ChainKvSchedule['masterCrashes'] = [];
  if (rm.chance(0.35)) masterCrashes.push({ atUs: 10 + rm.int(Math.max(1, trafficUs - 40)), downUs: 2 + rm.int(30) });
  if (crashes.length && rm.chance(0.35)) masterCrashes.push({ atUs: crashes[0]!.atUs + 3 + rm.int(20), downUs: 2 + rm.int(30) });
  masterCrashes.sort((a, b) => a.atUs - b.atUs);
  return { seed, replicas, planes, workload, control, trafficUs, crashes, masterCrashes, links };
}

export interface ChainKvResult {
  seed: number;
  ok: boolean;
  failures: string[];
  schedule: ChainKvSchedule;
  /** operations by outcome (final reads included in ok) */
  outcomes: { ok: number; fail: number; indeterminate: number };
  historyOps: number;
  verdict: string;
  crashes: number;
  skipped: number;
  byPosition: Record<ChainKvPosition, number>;
  /** reconfigurations the master completed; the final order */
  installs: number;
  order: number[];
  logLength: number;
  /** the apps' counters summed over the nodes */
  app: { replies: number; redirects: number; busy: number; rebuilt: number; gaps: number; localReads: number; leaseReads: number; leaseReadsWaited: number };
  /** read leases: granted by the master, changes that waited for one to end */
  leases: { granted: number; waits: number; waitNs: number };
  /** crashes of the master (each restarted from its stable storage) */
  masterRestarts: number;
  client: { sent: number; retries: number; redirects: number; followerReplies: number };
  /** NOT_LEADER redirects the apps put on the wire (taken out of ChainWorld.check()'s reply check) */
  redirectsOnWire: number;
  simUs: number;
  wallMs: number;
  checkMs: number;
  events: string[];
}

export function runChainKvSeed(seed: number, o: ChainKvOptions = {}): ChainKvResult {
  const t0 = performance.now();
  const s = drawChainKvSchedule(seed, o);
  const kw = new ChainKvWorld({ replicas: s.replicas, planes: s.planes, seed, clients: s.workload.clients, control: s.control, ...(o.app ? { app: o.app } : {}), ...(o.backend ? { backend: o.backend } : {}) });
  const w = kw.world;
  const clients = new FuzzClients(kw.net, kw.nodes, s.workload, seed, kw.clientIdBase);
  kw.cluster.addPoller(() => clients.poll());
  const us = (x: number): number => kw.us(x);
  const failures: string[] = [];
  let crashes = 0, skipped = 0, masterRestarts = 0;
  const byPosition: Record<ChainKvPosition, number> = { head: 0, middle: 0, tail: 0 };
  let verdict = 'not checked';
  let historyOps = 0;
  let checkMs = 0;
  try {
    clients.start();
    for (const f of s.links) {
      const at = us(f.atUs), until = us(f.untilUs);
      if (f.kind === 'partition') w.addFault({ kind: 'partition', at, until, groups: [[f.node], Array.from({ length: s.replicas }, (_, i) => i).filter((i) => i !== f.node)] });
      else if (f.kind === 'delay') w.addFault({ kind: 'delay', at, until, prob: f.prob * 10, delayNs: 200, jitterNs: 400 });
      else w.addFault({ kind: f.kind, at, until, prob: f.prob });
    }
    type Ev = { atUs: number; node?: ChainKvSchedule['crashes'][number]; master?: { downUs: number } };
    const evs: Ev[] = [...s.crashes.map((c) => ({ atUs: c.atUs, node: c })), ...s.masterCrashes.map((m) => ({ atUs: m.atUs, master: { downUs: m.downUs } }))]
      .sort((a, b) => a.atUs - b.atUs);
    for (const ev of evs) {
      const at = us(ev.atUs);
      if (at > w.cluster.cycle) w.run(at - w.cluster.cycle);
      if (ev.master) {
        if (w.crashMaster(ev.master.downUs * 1000)) masterRestarts++;
        continue;
      }
      const e = ev.node!;
      const now = w.cluster.cycle;
      const until = e.downUs !== null ? now + us(e.downUs) : undefined;
      const c = w.crashPosition(e.pos, until);
      if ('skipped' in c) {
        skipped++;
        w.events.push(`@${now} chain-kv: crash of the ${e.pos} skipped (${c.skipped})`);
        continue;
      }
      byPosition[c.place]++;
      crashes++;
      w.events.push(`@${now} chain-kv: crash node ${c.node} (the ${c.place})${until !== undefined ? `, restart at ${until}` : ''}`);
    }
    const end = us(s.trafficUs);
    if (end > w.cluster.cycle) w.run(end - w.cluster.cycle);
    clients.stop();
    // the clients finish their operations (each ends within its retry budget)
    const budget = us((s.workload.retryBudgetUs ?? 2_000) + 4 * s.workload.attemptTimeoutUs + 200);
    if (!w.cluster.runUntil(() => clients.busy() === 0, budget, us(5))) failures.push(`${clients.busy()} client(s) still busy ${Math.round(budget / us(1))} us after the traffic stopped`);
    // a rejoin in progress completes, so that every live node ends in the chain
    w.cluster.runUntil(() => w.master.phase === 'run', us(2_000), us(5));
    clients.finalReads();
    if (!w.cluster.runUntil(() => clients.finalPending === 0, budget, us(5))) failures.push('the final reads did not finish');
    w.run(us(20));
    // a rejoin that began meanwhile (a restart scheduled late) completes too
    w.cluster.runUntil(() => w.master.phase === 'run', us(2_000), us(5));
  } catch (err) {
    failures.push(`exception: ${(err as Error).stack ?? String(err)}`);
  }
  // ChainWorld.check() takes every REPLY a node put on the wire for a NIC's reply naming its entry; the
  // apps' NOT_LEADER redirects name none (index 0): they are not checked there
  const redirectsOnWire = w.replies.filter((x) => x.index === 0).length;
  const check = w.check();
  failures.push(...check.problems);
  if (w.master.phase !== 'run') failures.push(`the master is in phase ${w.master.phase} at the end`);
  // every live node's KV state at the same applied index is the same
  const snaps = new Map<number, string>();
  kw.apps.forEach((a, i) => {
    if (!w.nodes[i]!.up) return;
    const key = Buffer.from(a.kv.snapshot()).toString('hex');
    const prev = snaps.get(a.kv.appliedIndex);
    if (prev !== undefined && prev !== key) failures.push(`node ${i}: KV state at applied index ${a.kv.appliedIndex} differs from another node's`);
    snaps.set(a.kv.appliedIndex, key);
    if (a.kv.appliedIndex !== w.nodes[i]!.committed.length) failures.push(`node ${i}: applied ${a.kv.appliedIndex} of ${w.nodes[i]!.committed.length} persisted entries`);
  });
  const oc = clients.outcomes;
  if (oc.ok === 0) failures.push('no operation completed ok');
  if (clients.finalFailed) failures.push(`${clients.finalFailed} final read(s) did not complete`);
  // linearizability
  const tc = performance.now();
  try {
    const h = parseJsonHistory(clients.recorder.toJSON(), `chain-kv-seed-${seed}.history.json`);
    historyOps = h.ops.length;
    const r = checkOperations(kvModel, h.ops, { timeoutMs: o.checkTimeoutMs ?? 20_000 });
    verdict = r.verdict;
    if (r.verdict === 'not linearizable') {
      const f = r.failing;
      failures.push(`linearizability: not linearizable (key ${f?.key}: ${f?.frontier.slice(0, 3).map((x) => `${x.op.f} ${JSON.stringify(x.op.value ?? x.op.to ?? '')} -> ${JSON.stringify(x.op.result ?? '')} (${x.reason})`).join('; ')})`);
    } else if (r.verdict === 'unknown') {
      failures.push(`linearizability: the checker gave up (unknown; key ${r.failing?.key})`);
    }
  } catch (e) {
    failures.push(`history: ${(e as Error).message}`);
  }
  checkMs = Math.round(performance.now() - tc);
  const app = { replies: 0, redirects: 0, busy: 0, rebuilt: 0, gaps: 0, localReads: 0, leaseReads: 0, leaseReadsWaited: 0 };
  const ms = w.master.stats;
  const leases = { granted: ms.leasesGranted, waits: ms.leaseWaits, waitNs: Math.round(ms.leaseWaitNs) };
  for (const a of kw.apps) for (const k of Object.keys(app) as Array<keyof typeof app>) app[k] += a.stats[k];
  if (app.gaps) failures.push(`${app.gaps} persisted entries did not continue an app's applied index`);
  const cs = clients.stats();
  const simUs = Math.round(w.cluster.cycle / us(1));
  const events = [...w.events];
  kw.destroy();
  return {
    seed, ok: failures.length === 0, failures, schedule: s, outcomes: { ...oc }, historyOps, verdict, crashes, skipped, byPosition,
    installs: w.installs.length, order: check.order, logLength: check.logLength, app, leases, masterRestarts,
    client: { ...cs, followerReplies: clients.followerReplies() },
    redirectsOnWire, simUs, wallMs: Math.round(performance.now() - t0), checkMs, events,
  };
}

export function describeChainKvSchedule(s: ChainKvSchedule): string {
  const w = s.workload;
  const cr = s.crashes.map((c) => `${c.pos}@${c.atUs}${c.downUs !== null ? `+${c.downUs}` : ''}`).join(', ');
  return `${s.replicas} replicas, ${s.planes} plane(s), ${w.clients} clients, ${w.keys} keys, reads ${w.readShare} (${w.readFrom}${s.control.readLeaseNs ? `, leases ${s.control.readLeaseNs} ns` : ''}), ` +
    `${w.followerReplies ? 'tail NIC replies for writes' : 'host replies'}, timeout ${w.attemptTimeoutUs} us, ${s.trafficUs} us | crashes: ${cr || 'none'}` +
    (s.masterCrashes.length ? ` | master down ${s.masterCrashes.map((m) => `@${m.atUs}+${m.downUs}`).join(', ')}` : '') +
    (s.links.length ? ` | ${s.links.map((f) => f.kind === 'partition' ? `cut n${f.node}@${f.atUs}-${f.untilUs}` : `${f.kind} ${f.prob}@${f.atUs}-${f.untilUs}`).join(', ')}` : '');
}

export function formatChainKvResult(r: ChainKvResult): string {
  const oc = r.outcomes;
  return `seed ${r.seed} ${r.ok ? 'ok  ' : 'FAIL'} ${describeChainKvSchedule(r.schedule)} | ops ok ${oc.ok}, indeterminate ${oc.indeterminate}, failed ${oc.fail}, ` +
    `history ${r.historyOps} (${r.verdict}), log ${r.logLength}, crashes ${r.crashes} (head ${r.byPosition.head}, middle ${r.byPosition.middle}, tail ${r.byPosition.tail})` +
    `${r.skipped ? `, ${r.skipped} skipped` : ''}, ${r.installs} reconfiguration(s), order ${r.order.join('->')}, ` +
    `app replies ${r.app.replies}, redirects ${r.app.redirects}${r.app.localReads ? `, local reads ${r.app.localReads}` : ''}` +
    `${r.leases.granted ? `, lease reads ${r.app.leaseReads} (${r.app.leaseReadsWaited} waited), lease waits ${r.leases.waits} (${r.leases.waitNs} ns)` : ''}, rebuilt ${r.app.rebuilt}; ` +
    `client redirects ${r.client.redirects}, retries ${r.client.retries}, NIC replies ${r.client.followerReplies} | ${r.wallMs} ms (check ${r.checkMs} ms)`;
}
