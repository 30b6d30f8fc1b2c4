// One fault-campaign seed, in the manner of TigerBeetle's VOPR (docs/fuzz.md): draw a schedule
// from the seed, run the cluster with the client workload while the faults swarm, stop the
// faults and require liveness, then check safety:
//   * election safety: at most one leader per term;
//   * one log: no index is ever applied with two different entries, by any node, across crashes
//     (every application is compared with the first one at that index);
//   * exactly once: no client request (client id, seq) is executed at two log indices, by any node
//     (a copy or a retry sequenced twice must be answered from the session, not executed again);
//   * KV states agree among replicas at the same applied index (sampled during the run, and
//     every voter at the end, once they converged);
//   * the client history (which ends with a read of every key, so a lost acknowledged write shows)
//     is linearizable (verify/check);
//   * liveness: after the faults stop, a client operation issued after that commits within the
//     bound, the final reads complete and the voters converge;
//   * the liveness detector, all along: no NIC stops transmitting while its host hands it frames
//     to send (the TX wedge of issue 15), and, once the faults stopped, no voter's applied index
//     stands still while the leader commits.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkOperations } from '../check/checker.js';
import { kvModel } from '../check/models.js';
import { parseJsonHistory } from '../check/parse.js';
import { crc32 } from '../../ctrl/core/crc32.js';
import { entryIdentity } from '../../ctrl/core/entry.js';
import type { FaultSpec } from '../../sim/cluster.js';
import { decodeHeader } from '../../ctrl/wire/wire.gen.js';
import type { JsonHistory } from '../check/types.js';
import { ModelBackend, RtlBackend, type Backend } from './backend.js';
import { AppliedStallDetector, TxStallDetector } from './liveness.js';
import { Attacker, FORGED_SEQ_BASE, commandKey, type AttackStats } from './attacker.js';
import type { Core } from '../../ctrl/core/raft.js';
import { Draw, describeEvent, describeSchedule, drawSchedule, type DrawOptions, type FuzzEvent, type Schedule, type Target } from './schedule.js';

export interface FuzzOptions extends DrawOptions {
  /** RTL NICs in the C++ fabric instead of the ModelNic world */
  rtl?: boolean;
  /** where a failing seed's event log and history go (default build/fuzz-out) */
  outDir?: string;
  /** write the files for passing seeds too */
  keep?: boolean;
  /** linearizability checker time limit per history (default 20 s) */
  checkTimeoutMs?: number;
  /** log every client frame and outcome in the event log (a failing seed is rerun with it for the files) */
  trace?: boolean;
  /**
   * A client-library `failed` outcome ("certainly not executed") for an operation the replicas
   * did execute fails the seed (default true). Off: it is reported in `clientMisreports` only
   * (the known KvClient problem, docs/fuzz.md); the history treats such outcomes as
   * indeterminate either way, so every other check keeps its full strength.
   */
  strictClient?: boolean;
  /** ModelNic world: drive the NIC through the daemon's delivery guard (default off, as the co-simulation) */
  nicGuard?: boolean;
  /** a failing seed is run again with `trace` for its files (default true; ModelNic world only) */
  traceOnFailure?: boolean;
  /** tests: called once the backend is up, with the agenda (`at(us, fn)` runs fn at that simulated time) */
  instrument?: (b: Backend, at: (us: number, fn: () => void) => void, s: Schedule) => void;
}

export interface SeedStats {
  simUs: number;
  wallMs: number;
  checkMs: number;
  ok: number;
  fail: number;
  indeterminate: number;
  /** terms that had a leader */
  leaders: number;
  crashes: number;
  restarts: number;
  /** crash/storage events skipped because they would have broken the fault bound */
  skipped: number;
  /** time from the end of the faults to the first commit of an operation issued after it (us) */
  recoveryUs?: number;
  maxApplied: number;
  historyOps: number;
  /** reads without the log: answered under the lease, after a quorum round (ReadIndex), refused */
  reads: Record<string, number>;
  /** the most nodes down, recovering or with a crash point armed at once (never above the bound) */
  maxImpaired: number;
  /** operations that did not end ok and that no replica applied: dropped from the history */
  pruned: number;
  /** client requests in the log at more than one index (a copy or a retry sequenced twice): each must execute once */
  sequencedTwice: number;
  /** client commands answered from the session instead of executed (per node and application) */
  sessionAnswered: number;
  /** the highest term a legitimate candidate started (no node's term may exceed it) */
  maxTerm: number;
  /** the network attacker (DrawOptions.attack): what it injected and what the NICs counted */
  attack?: AttackStats;
}

export interface SeedResult {
  seed: number;
  backend: 'model' | 'rtl';
  ok: boolean;
  failures: string[];
  schedule: Schedule;
  summary: string;
  stats: SeedStats;
  replay: string;
  files?: { events: string; history: string };
  /** client `failed` claims contradicted by what the replicas applied (see strictClient) */
  clientMisreports: string[];
}

/** A history as `HistoryRecorder.toJSON` writes it (one operation per line). */
function historyText(h: JsonHistory): string {
  const head = h.model ? `{"model":${JSON.stringify(h.model)},"ops":[` : '{"ops":[';
  return head + '\n' + h.ops.map((o) => JSON.stringify(o)).join(',\n') + '\n]}\n';
}

/** The command line that replays a seed. */
export function replayCommand(seed: number, o: FuzzOptions): string {
  const parts = ['npx nicraft fuzz', `--seed ${seed}`];
  if (o.draw === 1 || o.draw === 3) parts.push(`--draw ${o.draw}`);
  if (o.rtl) parts.push('--rtl');
  if (o.faultUs !== undefined) parts.push(`--us ${o.faultUs}`);
  if (o.livenessUs !== undefined) parts.push(`--liveness-us ${o.livenessUs}`);
  if (o.replicas !== undefined) parts.push(`--replicas ${o.replicas}`);
  if (o.planes !== undefined) parts.push(`--planes ${o.planes}`);
  if (o.followerReads !== undefined) parts.push(`--follower-reads ${o.followerReads ? 'on' : 'off'}`);
  if (o.clientPlanes !== undefined) parts.push(`--client-planes ${o.clientPlanes}`);
  if (o.followerReplies !== undefined) parts.push(`--follower-replies ${o.followerReplies ? 'on' : 'off'}`);
  if (!o.attack) parts.push('--no-attack');
  if (o.nicGuard) parts.push('--guard');
  return parts.join(' ');
}

interface AgendaItem { atUs: number; seq: number; fn: () => void }

/** Runs one seed; a failing seed is run again with the client trace on for its files (same run: tracing draws nothing). */
export function runSeed(seed: number, o: FuzzOptions = {}): SeedResult {
  const r = runSeedOnce(seed, o);
  if (!r.ok && !o.rtl && !o.trace && (o.traceOnFailure ?? true)) {
    const t = runSeedOnce(seed, { ...o, trace: true });
    return { ...r, files: t.files };
  }
  return r;
}

function runSeedOnce(seed: number, o: FuzzOptions): SeedResult {
  const t0 = performance.now();
  const s = drawSchedule(seed, o);
  const failures: string[] = [];
  const fail = (msg: string): void => { if (failures.length < 20) failures.push(msg); };
  const b: Backend = o.rtl ? new RtlBackend(s) : new ModelBackend(s, { nicGuard: o.nicGuard ?? false });
  if (o.trace) b.traceClients();
  const rnd = new Draw(seed ^ 0x5bd1e995);
  const stats: SeedStats = {
    simUs: 0, wallMs: 0, checkMs: 0, ok: 0, fail: 0, indeterminate: 0, leaders: 0, crashes: 0, restarts: 0, skipped: 0, maxApplied: 0, historyOps: 0, reads: {}, maxImpaired: 0, pruned: 0, sequencedTwice: 0, sessionAnswered: 0,
    maxTerm: 0,
  };
  const now = (): number => b.nowUs();
  const note = (line: string): void => b.log(`fuzz: ${line}`);
  note(`seed ${seed}: ${describeSchedule(s)}`);

  // ---- safety observers ------------------------------------------------------------------------
  const ledger = new Map<number, { term: number; crc: number; node: number }>();
  const appliedOps = new Map<string, number>(); // "client:seq" -> first index applied
  const twice = new Set<string>();               // "client:seq@index" beyond the first index
  // exactly once: every client command executes at one index only, on every node (a node that
  // rebuilds its state from storage or a snapshot executes it again at the same index)
  const executedAt = new Map<string, number>();  // "client:seq" -> the index it executed at
  b.onCommand = (port, clientId, seq, index, duplicate) => {
    if (seq >= FORGED_SEQ_BASE) fail(`attacker: n${port + 1} applied a forged command (client ${clientId} seq ${seq}) at index ${index} (at ${now().toFixed(1)} us)`);
    if (duplicate) { stats.sessionAnswered++; return; }
    const k = `${clientId}:${seq}`;
    const at = executedAt.get(k);
    if (at === undefined) executedAt.set(k, index);
    else if (at !== index) fail(`exactly once: client ${clientId} seq ${seq} executed at index ${at} and, by n${port + 1}, at index ${index} (at ${now().toFixed(1)} us)`);
  };
  b.onApplied = (port, e) => {
    if (attacker?.forged.has(commandKey(e.frame))) fail(`attacker: n${port + 1} applied a command the attacker made (index ${e.index}, client ${decodeHeader(e.frame).clientId} seq ${decodeHeader(e.frame).seq}) (at ${now().toFixed(1)} us)`);
    const crc = crc32(entryIdentity(e.frame));
    const h = decodeHeader(e.frame);
    if (h.clientId !== 0) {
      const k = `${h.clientId}:${h.seq}`;
      const first = appliedOps.get(k);
      if (first === undefined) appliedOps.set(k, e.index);
      else if (first !== e.index && !twice.has(`${k}@${e.index}`)) { twice.add(`${k}@${e.index}`); stats.sequencedTwice++; }
    }
    const prev = ledger.get(e.index);
    if (!prev) ledger.set(e.index, { term: e.term, crc, node: port + 1 });
    else if (prev.term !== e.term || prev.crc !== crc) {
      fail(`one log: n${port + 1} applied index ${e.index} = term ${e.term} crc ${crc >>> 0}, but n${prev.node} applied term ${prev.term} crc ${prev.crc >>> 0} there (at ${now().toFixed(1)} us)`);
    }
    if (e.index > stats.maxApplied) stats.maxApplied = e.index;
  };
  const termLeader = new Map<number, number>();
  b.onRole = (port, role, term) => {
    if (role !== 'leader') return;
    const prev = termLeader.get(term);
    if (prev !== undefined && prev !== port) fail(`election safety: n${prev + 1} and n${port + 1} both led term ${term}`);
    termLeader.set(term, port);
  };

  // ---- the agenda ------------------------------------------------------------------------------
  const agenda: AgendaItem[] = [];
  let seq = 0;
  const at = (atUs: number, fn: () => void): void => {
    const it: AgendaItem = { atUs, seq: seq++, fn };
    let i = agenda.length;
    while (i > 0 && agenda[i - 1]!.atUs > atUs) i--;
    agenda.splice(i, 0, it);
  };
  const Ts = s.faultUs;

  // ---- terms: no node's term above the highest a legitimate candidate started --------------------
  // A term moves up only when a node starts an election (Core.onCampaign) or takes a higher term from
  // a message; a legitimate message carries a term some candidate started. So every node's term stays
  // at or below the highest term started by a candidate whose previous term was itself legitimate.
  const watched = new WeakSet<Core>();
  const watchCores = (): void => {
    for (let p = 0; p < ports; p++) {
      const c = b.replica(p)?.core;
      if (!c || watched.has(c)) continue;
      watched.add(c);
      if (c.term > stats.maxTerm) {
        // a core restarted from its storage: its term was reached (and checked) before
        if (stats.maxTerm > 0 || c.term > 1) fail(`term: n${p + 1} booted at term ${c.term}, above every legitimately started term (${stats.maxTerm})`);
        stats.maxTerm = c.term;
      }
      c.onCampaign = (t) => {
        if (t - 1 > stats.maxTerm) fail(`term: n${p + 1} started an election at term ${t} from term ${t - 1}, above every legitimately started term (${stats.maxTerm}) (at ${now().toFixed(1)} us)`);
        else if (t > stats.maxTerm) stats.maxTerm = t;
      };
    }
  };
  const termFailed = new Set<number>();
  const checkTerms = (): void => {
    watchCores();
    for (let p = 0; p < ports; p++) {
      const c = b.replica(p)?.core;
      if (!c || c.term <= stats.maxTerm || termFailed.has(p)) continue;
      termFailed.add(p);
      fail(`term: n${p + 1} is at term ${c.term}, above every term a legitimate candidate started (${stats.maxTerm}) (at ${now().toFixed(1)} us)`);
    }
  };

  // ---- the network attacker (attacker.ts) -----------------------------------------------------------
  const attacker = s.events.some((e) => e.kind === 'attack') ? new Attacker({
    ports: b.ports, planes: b.planes, nowUs: () => b.nowUs(), up: (p) => b.up(p),
    injectRx: (p, pl, f) => b.injectRx(p, pl, f), counters: (p) => b.counters(p), keySlots: (p) => b.keySlots(p),
    view: (p) => {
      const r = b.replica(p);
      if (!r) return undefined;
      const st = r.core.status();
      return { term: st.term, lastIndex: st.lastIndex, commit: st.commit, leader: st.lead };
    },
  }, seed, s.workload.clients, fail, note, (us, fn) => at(us, fn)) : undefined;
  if (attacker) {
    b.tapWire();
    b.onWire = (src, plane, f) => attacker.capture(src, plane, f);
  }
  // the client's retry budget in time (KvClient.retryBudgetNs)
  const budgetUs = s.workload.retryBudgetUs ?? (s.workload.maxAttempts || 1) * s.workload.attemptTimeoutUs;
  let faultsOn = true;
  const ports = b.ports;
  const upPorts = (): number[] => Array.from({ length: ports }, (_, i) => i).filter((i) => b.up(i));
  const resolve = (t: Target): number => {
    if (typeof t === 'number') return t % ports;
    const L = b.leader();
    if (t === 'leader' && L >= 0) return L;
    const cands = upPorts().filter((i) => i !== L);
    if (cands.length === 0) return L >= 0 ? L : rnd.int(ports);
    return cands[rnd.int(cands.length)]!;
  };
  const impaired = (p: number): boolean => !b.up(p) || !!b.replica(p)?.core.recovering || b.storage(p).isArmed();
  const impairedCount = (except = -1): number => {
    let k = 0;
    for (let i = 0; i < ports; i++) if (i !== except && impaired(i)) k++;
    return k;
  };
  // f of the configuration (the leader's, or the last leader's; a removal in progress counts as
  // done), never above the schedule's f of its smallest planned configuration. A removal waits
  // until the previous change committed (so an add cannot be lost under it).
  let removalPending = 0; // core id being removed (0: none)
  let lastConfig: number[] = Array.from({ length: s.replicas }, (_, i) => i + 1);
  const bound = (removal = removalPending): number => {
    const L = b.leader();
    if (L >= 0) lastConfig = b.replica(L)!.core.voters;
    const v = lastConfig.length - (removal && lastConfig.includes(removal) ? 1 : 0);
    return Math.max(0, Math.min(s.faultBound, Math.floor((v - 1) / 2)));
  };
  const withinBound = (p: number): boolean => impairedCount(p) + 1 <= bound();
  const restartAt = new Map<number, number>(); // port -> downUs after a storage crash fires
  const scheduleRestart = (port: number, downUs: number): void => {
    const t = Math.min(now() + downUs, Ts);
    at(t, () => {
      if (b.up(port)) return;
      b.restart(port);
      attacker?.restarted(port);
      watchCores();
      stats.restarts++;
    });
  };
  b.onCrash = (port, cause) => {
    attacker?.crashed(port);
    if (cause === 'fault') return; // crashes the runner ordered itself (counted and restarted in exec)
    stats.crashes++;
    note(`n${port + 1} crashed: ${cause}`);
    scheduleRestart(port, restartAt.get(port) ?? 50);
    restartAt.delete(port);
  };

  const cyc = (us: number): number => b.cycles(us);
  const nodeEndpoints = (ts: Target[] | undefined): number[] | undefined => ts && [...new Set(ts.map(resolve))];

  // membership steps run in order; each is retried until a leader took it and committed it
  // (a removal waits until the smaller configuration's bound holds)
  const memberSteps: Array<Extract<FuzzEvent, { kind: 'membership' }>> = [];
  let memberBusy = false;
  const memberNext = (): void => {
    if (memberBusy) return;
    const st = memberSteps[0];
    if (!st || st.atUs > now()) return;
    memberBusy = true;
    let waitFor = { leader: -1, index: 0 };
    const attempt = (): void => {
      const L = b.leader();
      const r = L >= 0 ? b.replica(L) : undefined;
      const id = st.node + 1;
      if (r) {
        const has = r.core.voters.includes(id);
        if ((st.op === 'add' && has) || (st.op === 'remove' && !has)) {
          if (waitFor.leader !== L) waitFor = { leader: L, index: r.core.log.lastIndex() };
          if (r.core.status().commit >= waitFor.index) {
            note(`membership: ${st.op} n${id} committed at leader n${L + 1} (voters ${r.core.voters.join(',')})`);
            memberSteps.shift();
            memberBusy = false;
            removalPending = 0;
            if (memberSteps[0]) at(Math.max(now(), memberSteps[0].atUs), memberNext);
            return;
          }
        } else if (st.op === 'remove' && impairedCount() > bound(id)) {
          // not yet: too many nodes impaired for the smaller configuration
        } else {
          waitFor = { leader: -1, index: 0 };
          if (st.op === 'remove') removalPending = id;
          b.request(L, { kind: 'confChange', op: st.op, node: id });
        }
      }
      at(now() + 20, attempt);
    };
    attempt();
  };

  const exec = (e: FuzzEvent): void => {
    if (!faultsOn && e.kind !== 'membership') return;
    switch (e.kind) {
      case 'link': {
        const f = {
          kind: e.fault, at: cyc(now()), until: cyc(e.untilUs), prob: e.prob,
          ...(e.plane !== undefined ? { plane: e.plane } : {}),
          ...(e.from ? { from: nodeEndpoints(e.from) } : {}),
          ...(e.to ? { to: nodeEndpoints(e.to) } : {}),
          ...(e.fault === 'delay' ? { delayNs: (e.delayUs ?? 0) * 1000, jitterNs: (e.jitterUs ?? 0) * 1000 } : {}),
        } as FaultSpec;
        note(`link fault ${describeEvent(e)} -> from ${JSON.stringify((f as { from?: number[] }).from ?? 'all')} to ${JSON.stringify((f as { to?: number[] }).to ?? 'all')}`);
        b.addFault(f);
        return;
      }
      case 'partition': {
        const named = new Set<number>();
        const groups: number[][] = e.groups.map((g) => {
          const out: number[] = [];
          for (const x of g) {
            if (x === 'rest') continue;
            if (typeof x === 'object') { if (x.client < s.workload.clients) out.push(b.clientEndpoint(x.client)); continue; }
            const p = resolve(x);
            if (!named.has(p)) { named.add(p); out.push(p); }
          }
          return out;
        });
        e.groups.forEach((g, i) => {
          if (g.includes('rest')) for (let p = 0; p < ports; p++) if (!named.has(p)) groups[i]!.push(p);
        });
        const nonEmpty = groups.filter((g) => g.length > 0);
        if (nonEmpty.length < 2) return;
        note(`partition ${JSON.stringify(nonEmpty)}${e.oneWay ? ' one-way' : ''}${e.plane !== undefined ? ` plane ${e.plane}` : ''} until ${e.untilUs} us`);
        b.addFault({ kind: 'partition', at: cyc(now()), until: cyc(e.untilUs), groups: nonEmpty, oneWay: e.oneWay, ...(e.plane !== undefined ? { plane: e.plane } : {}) });
        return;
      }
      case 'plane':
        note(`plane ${e.plane} down until ${e.untilUs} us`);
        b.planeDown(e.plane, cyc(e.untilUs));
        return;
      case 'crash': {
        const p = resolve(e.target);
        if (!b.up(p)) return;
        if (!withinBound(p)) { stats.skipped++; note(`crash of n${p + 1} skipped (fault bound ${bound()})`); return; }
        b.crash(p, e.how);
        attacker?.crashed(p);
        stats.crashes++;
        scheduleRestart(p, e.downUs);
        return;
      }
      case 'storage': {
        const p = resolve(e.target);
        if (!b.up(p) || b.storage(p).isArmed()) return;
        if (!withinBound(p)) { stats.skipped++; note(`storage crash point on n${p + 1} skipped (fault bound ${bound()})`); return; }
        note(`storage crash point ${JSON.stringify(e.point)} armed on n${p + 1} (save #${e.nth} from now)`);
        restartAt.set(p, e.downUs);
        b.storage(p).armCrash(e.point, e.nth);
        return;
      }
      case 'membership':
        memberSteps.push(e);
        memberNext();
        return;
      case 'transfer': {
        const L = b.leader();
        if (L < 0) return;
        const r = b.replica(L)!;
        const cands = r.core.voters.filter((v) => v !== L + 1 && b.up(v - 1));
        if (!cands.length) return;
        const to = cands[rnd.int(cands.length)]!;
        note(`transfer n${L + 1} -> n${to}`);
        b.request(L, { kind: 'transfer', to });
        return;
      }
      case 'attack':
        attacker?.fire(e);
        return;
      case 'compact': {
        const p = resolve(e.target);
        const r = b.replica(p);
        if (!r || r.kv.appliedIndex === 0) return;
        note(`compact n${p + 1} at ${r.kv.appliedIndex}`);
        b.request(p, { kind: 'compact', index: r.kv.appliedIndex, data: r.kv.snapshot() });
        return;
      }
    }
  };
  for (const e of s.events) at(e.atUs, () => exec(e));

  // KV states at the same applied index, sampled
  const sampleKv = (): void => {
    const byIndex = new Map<number, { port: number; snap: string }>();
    for (let p = 0; p < ports; p++) {
      const r = b.replica(p);
      if (!r) continue;
      const i = r.kv.appliedIndex;
      const snap = Buffer.from(r.kv.snapshot()).toString('base64');
      const other = byIndex.get(i);
      if (!other) byIndex.set(i, { port: p, snap });
      else if (other.snap !== snap) fail(`KV states differ at applied index ${i}: n${other.port + 1} and n${p + 1} (at ${now().toFixed(1)} us)`);
    }
  };
  const sampler = (): void => {
    sampleKv();
    at(now() + 50, sampler);
  };
  at(50, sampler);

  // ---- the liveness detector (liveness.ts) --------------------------------------------------------
  // (1) a NIC that stopped transmitting while its host hands it frames: a healthy NIC sends a host
  // frame within a few microseconds (the bound allows for a slow host and a long retransmit timeout)
  const txStall = new TxStallDetector(ports, Math.max(100, 20 * ((s.hostLatencyNs ?? 1000) / 1000) + 4 * ((s.nic?.rtoCycles ?? 512) / 250)));
  // (2) once the faults stopped: a voter whose applied index stands still while the leader commits
  const appliedStall = new AppliedStallDetector(ports, Math.max(1000, 8 * s.electionTimeoutUs, 30 * s.heartbeatUs));
  let watchAppliedOn = false;
  const detector = (): void => {
    checkTerms();
    for (const f of txStall.sample({ nowUs: now(), up: Array.from({ length: ports }, (_, p) => b.up(p)), tx: b.txFrames(), hostTx: b.hostTxFrames() })) {
      fail(`liveness detector: ${f}`);
    }
    if (watchAppliedOn) {
      const L = b.leader();
      const lr = L >= 0 ? b.replica(L) : undefined;
      for (const f of appliedStall.sample({
        nowUs: now(), leader: lr ? L : -1, commit: lr ? lr.core.status().commit : 0, voters: lr ? lr.core.voters.map((v) => v - 1) : [],
        applied: Array.from({ length: ports }, (_, p) => b.replica(p)?.kv.appliedIndex ?? -1),
      })) fail(`liveness detector: ${f}`);
    }
    at(now() + 10, detector);
  };
  at(10, detector);
  o.instrument?.(b, at, s);

  const watchBound = (): void => {
    let k = 0;
    for (let p = 0; p < ports; p++) if (impaired(p)) k++;
    if (k > stats.maxImpaired) stats.maxImpaired = k;
    if (k > bound() && faultsOn) fail(`harness: ${k} nodes impaired at once, above the fault bound ${bound()} (at ${now().toFixed(1)} us)`);
  };
  const runTo = (tUs: number): void => {
    while (now() < tUs) {
      const head = agenda[0];
      const next = head ? Math.min(head.atUs, tUs) : tUs;
      if (next > now()) b.advance(next - now());
      watchBound();
      while (agenda.length && agenda[0]!.atUs <= now()) { agenda.shift()!.fn(); watchBound(); }
      if (failures.length) return;
    }
  };

  const status = (): string =>
    Array.from({ length: ports }, (_, p) => {
      const r = b.replica(p);
      if (!r) return `n${p + 1}: down`;
      const st = r.core.status();
      return `n${p + 1}: ${st.role} term=${st.term} lead=${st.lead} last=${st.lastIndex} commit=${st.commit} applied=${r.kv.appliedIndex} voters=${st.voters.join(',')} fast=${st.fastPath ? 1 : 0}${st.recovering ? ' recovering' : ''}`;
    }).join('\n  ');

  try {
    // ---- the fault phase ------------------------------------------------------------------------
    b.startClients();
    runTo(Ts);

    // ---- heal, then liveness ---------------------------------------------------------------------
    if (!failures.length) {
      faultsOn = false;
      b.healNetwork();
      for (let p = 0; p < ports; p++) {
        b.storage(p).disarm();
        if (!b.up(p)) { b.restart(p); attacker?.restarted(p); stats.restarts++; }
      }
      note(`faults stop; liveness required within ${s.livenessUs} us\n  ${status()}`);
      b.markLiveness();
      watchAppliedOn = true;
      const deadline = Ts + s.livenessUs;
      while (b.firstOkAfterMarkUs() === undefined && now() < deadline && !failures.length) runTo(Math.min(deadline, now() + 10));
      const first = b.firstOkAfterMarkUs();
      if (first === undefined) {
        if (!failures.length) fail(`liveness: no client operation issued after the faults stopped (at ${Ts} us) committed within ${s.livenessUs} us\n  ${status()}`);
      } else {
        stats.recoveryUs = Math.round((first - Ts) * 10) / 10;
      }
    }

    // ---- drain, final reads, convergence --------------------------------------------------------
    if (!failures.length) {
      b.stopClients();
      const drainUs = (budgetUs + s.workload.attemptTimeoutUs) * 1.5 + 500;
      const dl = now() + drainUs;
      while (b.busyClients() > 0 && now() < dl) runTo(now() + 10);
      if (b.busyClients() > 0) fail(`liveness: client operations still in flight ${drainUs} us after the workload stopped\n  ${status()}`);
    }
    if (!failures.length) {
      b.finalReads();
      const dl = now() + Math.max(3000, 2 * budgetUs + 1000);
      while (!b.finalDone() && now() < dl) runTo(now() + 10);
      if (!b.finalDone() || !b.finalOk()) fail(`liveness: the final reads of every key did not all complete ok\n  ${status()}`);
    }
    if (!failures.length) {
      // a leader within a bound, not at this instant: with follower reads the final reads may all
      // have been answered by followers under the leases of a leader that crashed at the end of the
      // fault phase; they refuse votes while those leases hold (up to followerLeaseNs, the election
      // timeout by default), so an election can only follow (seed 209428)
      const leaderUs = Math.max(1500, 12 * s.electionTimeoutUs);
      const ldl = now() + leaderUs;
      while (b.leader() < 0 && now() < ldl && !failures.length) runTo(Math.min(ldl, now() + 10));
      const L = b.leader();
      if (failures.length) { /* the detector spoke first */ } else if (L < 0) fail(`liveness: no leader at the end (waited ${leaderUs} us after the final reads)\n  ${status()}`);
      else {
        const voters = b.replica(L)!.core.voters.map((v) => v - 1).filter((p) => p < ports);
        const converged = (): boolean => {
          const idx = voters.map((p) => b.replica(p)?.kv.appliedIndex ?? -1);
          return idx.every((i) => i >= 0 && i === idx[0]);
        };
        // (the applied-stall detector, more specific, speaks first when a voter stands still)
        const convergeUs = Math.max(1500, 12 * s.electionTimeoutUs);
        const dl = now() + convergeUs;
        while (!converged() && now() < dl) runTo(now() + 10);
        if (!converged()) fail(`convergence: the voters did not reach the same applied index within ${convergeUs} us\n  ${status()}`);
        else {
          const snaps = voters.map((p) => Buffer.from(b.replica(p)!.kv.snapshot()).toString('base64'));
          if (new Set(snaps).size !== 1) fail(`KV states differ among the voters at the end (applied ${b.replica(voters[0]!)!.kv.appliedIndex})`);
        }
        sampleKv();
      }
    }
    checkTerms();
  } catch (e) {
    fail(`exception in the control plane or the world: ${(e as Error).stack ?? String(e)}`);
  }
  if (attacker) stats.attack = { ...attacker.stats };

  // ---- the client's `failed` claims ----------------------------------------------------------------
  const clientMisreports: string[] = [];
  for (const c of b.failedClaims()) {
    const idx = appliedOps.get(`${c.clientId}:${c.seq}`);
    if (idx !== undefined) clientMisreports.push(`client ${c.clientId} seq ${c.seq} (${c.op} ${c.key}) was reported failed (not executed) but was applied at index ${idx}`);
  }
  if (clientMisreports.length && (o.strictClient ?? true)) fail(`client outcome: ${clientMisreports.length} operation(s) reported failed were executed; first: ${clientMisreports[0]}`);

  // ---- linearizability --------------------------------------------------------------------------
  // A client operation that did not end ok and that no replica ever applied (every application by
  // any node is in appliedOps) had no effect and returned nothing: it is dropped from the history
  // (a black-box tester must keep it as indeterminate; the simulation knows). This keeps the
  // checker's search narrow when many attempts time out.
  const hist = b.history();
  const drop = new Set<number>();
  for (const u of b.unresolved()) if (!appliedOps.has(`${u.clientId}:${u.seq}`)) drop.add(u.index);
  stats.pruned = drop.size;
  const historyJson = historyText({ ...hist, ops: hist.ops.filter((_, i) => !drop.has(i)) });
  const tc = performance.now();
  try {
    const h = parseJsonHistory(historyJson, `seed-${seed}.history.json`);
    stats.historyOps = h.ops.length;
    const r = checkOperations(kvModel, h.ops, { timeoutMs: o.checkTimeoutMs ?? 20_000 });
    if (r.verdict === 'not linearizable') {
      const f = r.failing;
      fail(`linearizability: the history is not linearizable (key ${f?.key}: ${f?.frontier.slice(0, 3).map((x) => `${x.op.f} ${JSON.stringify(x.op.value ?? x.op.to ?? '')} -> ${JSON.stringify(x.op.result ?? '')} (${x.reason})`).join('; ')})`);
    } else if (r.verdict === 'unknown') {
      fail(`linearizability: the checker gave up after ${o.checkTimeoutMs ?? 20_000} ms (unknown; key ${r.failing?.key})`);
    }
  } catch (e) {
    fail(`history: ${(e as Error).message}`);
  }
  stats.checkMs = Math.round(performance.now() - tc);

  const oc = b.outcomes();
  stats.ok = oc.ok; stats.fail = oc.fail; stats.indeterminate = oc.indeterminate;
  stats.leaders = termLeader.size;
  stats.reads = { ...b.readsVia() };
  stats.simUs = Math.round(now());
  stats.wallMs = Math.round(performance.now() - t0);
  const result: SeedResult = {
    seed, backend: b.kind, ok: failures.length === 0, failures, schedule: s, summary: describeSchedule(s), stats, replay: replayCommand(seed, o),
    clientMisreports,
  };
  if (!result.ok || o.keep) {
    const dir = o.outDir ?? 'build/fuzz-out';
    mkdirSync(dir, { recursive: true });
    const stem = join(dir, `seed-${seed}${o.rtl ? '-rtl' : ''}`);
    const events = [
      `# nicraft fuzz seed ${seed} (${b.kind}): ${result.summary}`,
      `# replay: ${result.replay}`,
      ...failures.map((f) => `# FAILED: ${f}`),
      `# schedule:`,
      ...s.events.map((e) => `#   ${describeEvent(e)}`),
      ...b.events(),
    ].join('\n') + '\n';
    result.files = { events: `${stem}.events.log`, history: `${stem}.history.json` };
    writeFileSync(result.files.events, events);
    writeFileSync(result.files.history, historyJson);
  }
  b.destroy();
  return result;
}
