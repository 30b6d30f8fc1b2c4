// The `wor` section of the cluster benchmark (docs/wor.md): the WOR applications in the ModelNic
// co-simulation (sim/wor-world.ts: the TypeScript NIC model, the real control plane, the network
// model of docs/network-model.md; not the Verilated RTL: the RTL world's clients are not async
// processes yet). Closed loops, no think time:
//   * shared-log appends (ctrl/app/wor/log.ts) from 8..1024 concurrent appenders (one in flight each):
//     appends per second of simulated time and append latency (client send -> reply);
//   * a lone WOR write (the fast path's one commit, for scale);
//   * 2PC transactions (ctrl/app/wor/txn.ts): coordinators each running transactions over 3
//     participants; commit latency (begin -> decision) and the round trips the decision took.
import { LogFullError, SharedLog } from '../../ctrl/app/wor/log.js';
import { Coordinator, Participant, newDisk, type TxnEnv, type TxnMsg } from '../../ctrl/app/wor/txn.js';
import { WorWorld, type WorProc } from '../../sim/wor-world.js';
import { DEFAULT_NETWORK, frameLen, hopPs, lineRateFps } from '../../sim/cluster.js';
import { encodeCommand } from '../../ctrl/app/kv.js';
import type { Mode } from './sections.js';

export interface WorPoint {
  appenders: number; appends: number; appendsPerSec: number; appendLatencyNs: { p50: number; p99: number }; windowUs: number;
  /** the appends' REQ frames as a share of one 100 Gb/s link's line rate (frames of this size) */
  lineRatePct: number;
  /** frames the leader NIC sent on plane 0 in the window (APPENDs, REPLYs, heartbeats) as a share of the line rate of minimum-size frames */
  leaderUplinkPct: number;
}

export interface WorBench {
  world: string;
  replicas: number;
  planes: number;
  seed: number;
  appendsPerSec: number;
  appendLatencyNs: { p50: number; p99: number };
  /** the appenders of the point that gave appendsPerSec */
  appenders: number;
  appendSweep: WorPoint[];
  loneWriteLatencyNs: { p50: number; p99: number; samples: number };
  txnCommitLatencyNs: { p50: number; p99: number };
  txnRoundTrips: number;
  txns: { committed: number; aborted: number; coordinators: number; participantsPerTxn: number; viaResolve: number };
  wallSeconds: number;
  simulatedUs: number;
}

const te = new TextEncoder();
const pct = (xs: number[], p: number): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const r0 = (x: number) => Math.round(x);

/** one switch hop between two client endpoints (the application messages of 2PC), us */
const HOP_US = hopPs(DEFAULT_NETWORK, 64, true, true) / 1e6;

function world(seed: number, endpoints: number): WorWorld {
  // the clients' clock resolution: 25 cycles (100 ns)
  const ww = new WorWorld({ replicas: 3, planes: 2, seed, endpoints, attemptTimeoutUs: 200, retryBudgetUs: 20_000, stepCycles: 25 });
  ww.bus = { minDelayUs: HOP_US, maxDelayUs: HOP_US, lossProb: 0 };
  return ww;
}

async function leaderUp(ww: WorWorld): Promise<void> {
  if (!(await ww.runUntil(() => ww.world.nodes.some((n) => n.replica?.core.role === 'leader'), 5000))) throw new Error('wor bench: no leader');
  await ww.run(50);
}

async function appendPoint(seed: number, appenders: number, windowUs: number, log: (l: string) => void): Promise<WorPoint & { simUs: number }> {
  const ww = world(seed, appenders + 1);
  await leaderUp(ww);
  const setup = ww.spawn('setup');
  let L: SharedLog | undefined;
  void SharedLog.create(setup.wor, 1 << 24).then((l) => { L = l; });
  await ww.runUntil(() => L !== undefined, 5000);
  const base = L!.base;
  const warmUs = 50;
  const t0 = ww.nowNs() + warmUs * 1000;
  const t1 = t0 + windowUs * 1000;
  const lat: number[] = [];
  let running = true;
  const procs: WorProc[] = [];
  for (let i = 0; i < appenders; i++) {
    const p = ww.spawn(`a${i}`);
    procs.push(p);
    const mine = new SharedLog(p.wor, base);
    void (async () => {
      let n = 0;
      while (running) {
        const s = ww.nowNs();
        try {
          await mine.append(te.encode(`a${i}.${++n}`));
        } catch (e) {
          if (e instanceof LogFullError) return;
          throw e;
        }
        const e = ww.nowNs();
        if (s >= t0 && e <= t1) lat.push(e - s);
      }
    })();
  }
  await ww.run(warmUs);
  const leader = ww.world.nodes.find((n) => n.replica?.core.role === 'leader')!;
  const tx0 = leader.nic.readCounters().PLANE0_TX_FRAMES;
  await ww.run(windowUs);
  const txFrames = Number(leader.nic.readCounters().PLANE0_TX_FRAMES - tx0);
  const leaderUplinkPct = Math.round((txFrames / (windowUs / 1e6) / lineRateFps(DEFAULT_NETWORK, 60)) * 1000) / 10;
  running = false;
  const appends = lat.length;
  const perSec = appends / (windowUs / 1e6);
  log(`[bench] wor: ${appenders} appenders: ${(perSec / 1e6).toFixed(2)} M appends/s, p50 ${r0(pct(lat, 50))} ns, p99 ${r0(pct(lat, 99))} ns, leader uplink ${leaderUplinkPct}%`);
  for (const p of procs) ww.kill(p);
  const bytes = frameLen(encodeCommand({ op: 'wor.append', base, value: te.encode(`a${appenders - 1}.${Math.max(1, Math.round(appends / appenders))}`) }).length);
  const lineRatePct = Math.round((perSec / lineRateFps(DEFAULT_NETWORK, bytes)) * 1000) / 10;
  return { appenders, appends, appendsPerSec: r0(perSec), appendLatencyNs: { p50: r0(pct(lat, 50)), p99: r0(pct(lat, 99)) }, windowUs, lineRatePct, leaderUplinkPct, simUs: ww.nowUs() };
}

async function loneWrites(seed: number, n: number): Promise<{ lat: number[]; simUs: number }> {
  const ww = world(seed, 1);
  await leaderUp(ww);
  const p = ww.spawn('w');
  const lat: number[] = [];
  let done = false;
  void (async () => {
    const base = await p.wor.alloc(n);
    for (let i = 0; i < n; i++) {
      await p.sleep(5000); // idle between writes: no queueing
      const s = ww.nowNs();
      const w = await p.wor.write(base + i, te.encode(`v${i}`));
      if (!w.ok) throw new Error(w.message);
      lat.push(ww.nowNs() - s);
    }
    done = true;
  })();
  await ww.runUntil(() => done, n * 100);
  return { lat, simUs: ww.nowUs() };
}

async function txnRun(seed: number, coordinators: number, perTxn: number, txnsEach: number): Promise<{ lat: number[]; rts: number[]; committed: number; aborted: number; viaResolve: number; simUs: number }> {
  const nP = coordinators * perTxn;
  const ww = world(seed, coordinators + nP + 2);
  await leaderUp(ww);
  const setup = ww.spawn('setup');
  let dirBase = 0;
  void SharedLog.create(setup.wor, 4096).then((l) => { dirBase = l.base; });
  await ww.runUntil(() => dirBase > 0, 5000);
  const env = (p: WorProc): TxnEnv => ({ send: (to, m) => p.send(to, m), sleep: (ns) => p.sleep(ns), nowNs: () => ww.nowNs(), random: () => ww.rand.next() });
  for (let i = 0; i < nP; i++) {
    const p = ww.spawn(`p${i}`);
    const part = new Participant(`p${i}`, p.wor, env(p), newDisk(), () => 'C', 1_000_000);
    p.onMessage = (_f, m) => part.onMessage(m as TxnMsg);
  }
  const lat: number[] = [];
  const rts: number[] = [];
  let committed = 0, aborted = 0, viaResolve = 0, finished = 0;
  for (let c = 0; c < coordinators; c++) {
    const p = ww.spawn(`c${c}`);
    const co = new Coordinator(`c${c}`, p.wor, env(p), new SharedLog(p.wor, dirBase), { maxParticipants: 4, slotsPerChunk: 64 }, 1_000_000);
    p.onMessage = (_f, m) => co.onMessage(m as TxnMsg);
    const parts = Array.from({ length: perTxn }, (_, k) => `p${c * perTxn + k}`);
    void (async () => {
      for (let t = 0; t < txnsEach; t++) {
        const r = await co.run(parts);
        if (r.decision === 'commit') { committed++; lat.push(r.latencyNs); rts.push(r.roundTrips.messages + r.roundTrips.wor); } else aborted++;
        if (r.via === 'resolve') viaResolve++;
      }
      finished++;
    })();
  }
  await ww.runUntil(() => finished === coordinators, txnsEach * 200);
  return { lat, rts, committed, aborted, viaResolve, simUs: ww.nowUs() };
}

/** Runs the section. */
export async function worSection(mode: Mode, seed: number, log: (l: string) => void): Promise<WorBench> {
  const t0 = performance.now();
  const sweep = mode === 'tiny' ? [8, 32] : mode === 'quick' ? [8, 32, 128, 512] : [8, 32, 128, 256, 512, 1024];
  const windowUs = mode === 'tiny' ? 100 : mode === 'quick' ? 300 : 1000;
  let simUs = 0;
  const points: WorPoint[] = [];
  for (const a of sweep) {
    const { simUs: s, ...pt } = await appendPoint(seed, a, windowUs, log);
    simUs += s;
    points.push(pt);
  }
  const best = points.reduce((a, b) => (b.appendsPerSec > a.appendsPerSec ? b : a));
  const lone = await loneWrites(seed, mode === 'tiny' ? 20 : 200);
  simUs += lone.simUs;
  const coordinators = 4;
  const perTxn = 3;
  const tx = await txnRun(seed, coordinators, perTxn, mode === 'tiny' ? 10 : mode === 'quick' ? 50 : 250);
  simUs += tx.simUs;
  log(`[bench] wor: 2PC over ${perTxn} participants, ${coordinators} coordinators: ${tx.committed} committed, p50 ${r0(pct(tx.lat, 50))} ns, p99 ${r0(pct(tx.lat, 99))} ns, ${pct(tx.rts, 50)} round trips`);
  return {
    world: 'ModelNic co-simulation (sim/wor-world.ts: TypeScript NIC model, real control plane, docs/network-model.md network; host: 1 us per host<->NIC crossing, polls every 1 us, no CPU cost per frame)',
    replicas: 3,
    planes: 2,
    seed,
    appendsPerSec: best.appendsPerSec,
    appendLatencyNs: best.appendLatencyNs,
    appenders: best.appenders,
    appendSweep: points,
    loneWriteLatencyNs: { p50: r0(pct(lone.lat, 50)), p99: r0(pct(lone.lat, 99)), samples: lone.lat.length },
    txnCommitLatencyNs: { p50: r0(pct(tx.lat, 50)), p99: r0(pct(tx.lat, 99)) },
    txnRoundTrips: pct(tx.rts, 50),
    txns: { committed: tx.committed, aborted: tx.aborted, coordinators, participantsPerTxn: perTxn, viaResolve: tx.viaResolve },
    wallSeconds: Math.round((performance.now() - t0) / 10) / 100,
    simulatedUs: Math.round(simUs),
  };
}
