// Fault campaigns for the WOR applications (issue 22; docs/wor.md): one seed draws a ModelNic
// cluster (3, 5 or 7 replicas, 1..3 planes), value sizes and a fault density, then runs, all at once,
//   * a shared log (ctrl/app/wor/log.ts): appenders, readers that follow the tail, a trimmer;
//   * two-phase commit (ctrl/app/wor/txn.ts): coordinators running transactions over participants;
//   * a write-once register workload (writes of unique values and reads), recorded as a history;
// while faults swarm: replica crashes and restarts (within f), loss on the links, partitions that
// cut the leader off, and, at the application level, message loss and cuts on the bus, crashes of
// coordinators (a recovery coordinator takes over from the WORs alone), participants (they restart
// from their disk) and appenders. Then the faults stop, a final recovery coordinator runs, and:
//   * atomicity: every transaction is decided by its registers; every participant that applied an
//     outcome applied that one, the coordinators and recovery coordinators reported that one;
//     after a commit every participant of it applied commit, after an abort none did;
//   * prefix agreement: every read of a log position by any reader returned the same value, no
//     position below a tail a reader saw was empty, every acknowledged append is at its position,
//     no value is in the log twice;
//   * the register history is linearizable against the write-once register model (verify/check);
//   * replicas that applied the same index hold the same state (KV store and WOR space);
//   * liveness: once the faults stopped, every transaction is finished and everyone applied it.
// Seeds replay exactly: `npx nicraft fuzz --wor --seed N` (or SEED=N on the test).

import { checkOperations } from '../check/checker.js';
import { worModel } from '../check/models.js';
import type { Operation } from '../check/types.js';
import { WorError } from '../../ctrl/app/wor/client.js';
import { LogFullError, SharedLog } from '../../ctrl/app/wor/log.js';
import { Coordinator, Participant, decide, decodeDescriptor, listSlots, newDisk, recoverAll, slotSize, type Decision, type ParticipantDisk, type TxnEnv, type TxnLayout, type TxnMsg } from '../../ctrl/app/wor/txn.js';
import { WorStatus, type WorCommand } from '../../ctrl/app/wor/space.js';
import type { ReadResult } from '../../ctrl/app/wor/client.js';
import { WorWorld, type WorProc } from '../../sim/wor-world.js';
import { Draw } from './schedule.js';

export interface WorSeedOptions {
  /** how long the faults (and the workload) run, us (default 400) */
  faultUs?: number;
  /** the bound on recovery after the faults stop, us (default 4000) */
  livenessUs?: number;
  /** print progress lines (the replay) */
  log?: (line: string) => void;
  /** tests and debugging: the world, once made */
  onWorld?: (ww: WorWorld) => void;
}

export interface WorSeedResult {
  seed: number;
  ok: boolean;
  failures: string[];
  summary: string;
  stats: {
    replicas: number; planes: number; density: number; simUs: number; wallMs: number;
    appends: number; logReads: number; trims: number; txns: number; commits: number; aborts: number; resolvedTxns: number;
    coordinatorCrashes: number; participantCrashes: number; replicaCrashes: number; registerOps: number; indeterminate: number;
  };
  replay: string;
}

const te = new TextEncoder();
const td = new TextDecoder();
const LAYOUT: TxnLayout = { maxParticipants: 4, slotsPerChunk: 32 };

export function worReplay(seed: number, o: WorSeedOptions = {}): string {
  const parts = ['npx nicraft fuzz --wor', `--seed ${seed}`];
  if (o.faultUs !== undefined) parts.push(`--us ${o.faultUs}`);
  return parts.join(' ');
}

export async function runWorSeed(seed: number, o: WorSeedOptions = {}): Promise<WorSeedResult> {
  const t0 = performance.now();
  const d = new Draw(seed * 7919 + 13);
  const rr = d.next();
  const replicas = rr < 0.6 ? 3 : rr < 0.9 ? 5 : 7;
  const planes = 1 + d.int(3);
  const density = d.int(4); // 0 none, 1 light, 2 medium, 3 heavy
  const nP = 2 + d.int(3);
  const nC = 1 + d.int(2);
  const nA = 2 + d.int(3);
  // value sizes: tags alone, or padded up to 200 bytes (a WOR read's reply then nearly fills the NICs' 256-byte MAX_PAYLOAD)
  const maxPad = d.chance(0.5) ? 0 : d.irange(16, 200);
  const pad = (tag: string): string => {
    if (!maxPad) return tag;
    const want = d.int(maxPad + 1);
    return want <= tag.length + 1 ? tag : `${tag}.${'x'.repeat(want - tag.length - 1)}`;
  };
  const faultUs = o.faultUs ?? 400;
  const livenessUs = o.livenessUs ?? 4000;
  const failures: string[] = [];
  const fail = (m: string): void => { if (failures.length < 20) failures.push(m); };
  const log = o.log ?? (() => {});
  const stats: WorSeedResult['stats'] = {
    replicas, planes, density, simUs: 0, wallMs: 0, appends: 0, logReads: 0, trims: 0, txns: 0, commits: 0, aborts: 0, resolvedTxns: 0,
    coordinatorCrashes: 0, participantCrashes: 0, replicaCrashes: 0, registerOps: 0, indeterminate: 0,
  };
  const ww = new WorWorld({ replicas, planes, seed, endpoints: 96, attemptTimeoutUs: 60, retryBudgetUs: 4000 });
  if (o.onWorld) o.onWorld(ww);
  const w = ww.world;
  const leader = (): number => w.nodes.findIndex((n) => n.up && n.replica?.core.role === 'leader');
  const finish = (): WorSeedResult => {
    stats.simUs = Math.round(ww.nowUs());
    stats.wallMs = Math.round(performance.now() - t0);
    const summary = `seed ${seed}: ${replicas} replicas, ${planes} plane(s), density ${density}, values ${maxPad ? `up to ${maxPad} B` : 'tags'}; ${stats.appends} appends, ${stats.logReads} log reads, ${stats.txns} txns (${stats.commits} commit, ${stats.aborts} abort, ${stats.resolvedTxns} resolved), ${stats.registerOps} register ops; crashes: ${stats.replicaCrashes} replica, ${stats.coordinatorCrashes} coordinator, ${stats.participantCrashes} participant; ${stats.simUs} us simulated, ${stats.wallMs} ms`;
    return { seed, ok: failures.length === 0, failures, summary, stats, replay: worReplay(seed, o) };
  };
  if (!(await ww.runUntil(() => leader() >= 0, 3000))) { fail('no leader within 3 ms of the start'); return finish(); }

  // ---- set-up (before the faults) ---------------------------------------------------------------
  const setup = ww.spawn('setup');
  let directory: SharedLog | undefined;
  let slog: SharedLog | undefined;
  let regBase = 0;
  void (async () => {
    directory = await SharedLog.create(setup.wor, 1024);
    slog = await SharedLog.create(setup.wor, 1 << 16);
    regBase = await setup.wor.alloc(64);
  })().catch((e) => fail(`set-up: ${(e as Error).message}`));
  if (!(await ww.runUntil(() => regBase > 0 || failures.length > 0, 3000)) || !directory || !slog) { fail('set-up did not complete'); return finish(); }
  const dir = directory;
  const theLog = slog;
  ww.kill(setup);

  let running = true;
  const loops = new Set<string>(); // workload loops still running (by process name)
  const env = (p: WorProc): TxnEnv => ({ send: (to, m) => p.send(to, m), sleep: (ns) => p.sleep(ns), nowNs: () => ww.nowNs(), random: () => ww.rand.next() });
  const think = (p: WorProc, a: number, b: number) => p.sleep(1000 * d.range(a, b));

  // ---- shared log: appenders, readers, trimmer -------------------------------------------------------
  const acked = new Map<string, number>(); // value -> position
  const seen = new Map<number, string>(); // position -> value, as first read
  const readerCursor: number[] = [];
  const appender = (name: string): void => {
    const p = ww.spawn(name);
    const L = new SharedLog(p.wor, theLog.base);
    loops.add(name);
    let n = 0;
    void (async () => {
      while (running && p.alive) {
        const v = pad(`${name}.${p.clientId}.${++n}`);
        try {
          const pos = await L.append(te.encode(v));
          acked.set(v, pos);
          stats.appends++;
        } catch (e) {
          if (e instanceof LogFullError) break;
          if (!(e instanceof WorError)) throw e;
          stats.indeterminate++;
        }
        await think(p, 1, 8);
      }
      loops.delete(name);
    })().catch((e) => fail(`${name}: ${(e as Error).message}`));
    procs.set(name, p);
  };
  const reader = (j: number): void => {
    const name = `r${j}`;
    const p = ww.spawn(name);
    const L = new SharedLog(p.wor, theLog.base);
    readerCursor[j] = 0;
    loops.add(name);
    void (async () => {
      while (running) {
        try {
          const { tail } = await L.tail();
          for (let pos = readerCursor[j]!; pos < tail; pos++) {
            const r = await L.read(pos);
            stats.logReads++;
            if (r.state === 'value') {
              const v = td.decode(r.value);
              const prev = seen.get(pos);
              if (prev === undefined) seen.set(pos, v);
              else if (prev !== v) fail(`prefix agreement: ${name} read ${JSON.stringify(v)} at position ${pos}, another read returned ${JSON.stringify(prev)}`);
            } else if (r.state !== 'trimmed') fail(`prefix agreement: ${name} read position ${pos} ${r.state} below the tail ${tail} it had read`);
            readerCursor[j] = pos + 1;
          }
        } catch (e) {
          if (!(e instanceof WorError)) throw e;
          stats.indeterminate++;
        }
        await think(p, 2, 10);
      }
      loops.delete(name);
    })().catch((e) => fail(`${name}: ${(e as Error).message}`));
  };
  const trimmer = (): void => {
    const p = ww.spawn('trim');
    const L = new SharedLog(p.wor, theLog.base);
    loops.add('trim');
    void (async () => {
      while (running) {
        await think(p, 100, 300);
        const upTo = Math.min(...readerCursor) - 4;
        if (upTo <= 0) continue;
        try {
          await L.trim(upTo);
          stats.trims++;
        } catch (e) {
          if (!(e instanceof WorError)) throw e;
        }
      }
      loops.delete('trim');
    })().catch((e) => fail(`trim: ${(e as Error).message}`));
  };

  // ---- 2PC: participants (disks survive their crashes), coordinators -----------------------------
  const pNames = Array.from({ length: nP }, (_, i) => `p${i}`);
  const disks = new Map<string, ParticipantDisk>(pNames.map((n) => [n, newDisk()]));
  const reported = new Map<number, { decision: Decision; by: string }>();
  const recovered = new Map<number, { decision: Decision; by: string }>();
  const procs = new Map<string, WorProc>();
  const voteOf = (name: string) => (slot: number): 'C' | 'A' => (((slot * 2654435761) ^ (name.charCodeAt(1) * 40503)) >>> 0) % 10 === 0 ? 'A' : 'C';
  const participant = (name: string): void => {
    const p = ww.spawn(name);
    const part = new Participant(name, p.wor, env(p), disks.get(name)!, voteOf(name), 120_000);
    part.onViolation = (m) => fail(`atomicity: ${m}`);
    p.onMessage = (_from, m) => part.onMessage(m as TxnMsg);
    part.recover();
    procs.set(name, p);
  };
  const note = (map: Map<number, { decision: Decision; by: string }>, slot: number, decision: Decision, by: string): void => {
    const prev = reported.get(slot) ?? recovered.get(slot);
    if (prev && prev.decision !== decision) fail(`atomicity: transaction ${slot}: ${by} reported ${decision}, ${prev.by} ${prev.decision}`);
    if (!map.has(slot)) map.set(slot, { decision, by });
  };
  const coordinator = (name: string, recoverFirst: boolean): void => {
    const p = ww.spawn(name);
    const e = env(p);
    const c = new Coordinator(name, p.wor, e, new SharedLog(p.wor, dir.base), LAYOUT, 100_000);
    p.onMessage = (_from, m) => c.onMessage(m as TxnMsg);
    procs.set(name, p);
    loops.add(name);
    void (async () => {
      if (recoverFirst) {
        // the recovery coordinator: every transaction of every coordinator, from the WORs alone
        for (;;) {
          try {
            const out = await recoverAll(p.wor, e, new SharedLog(p.wor, dir.base), LAYOUT);
            for (const [slot, dec] of out) note(recovered, slot, dec, `recovery ${name}.${p.clientId}`);
            break;
          } catch (err) {
            if (!(err instanceof WorError) || err.kind === 'status') throw err;
          }
        }
      }
      while (running && p.alive) {
        const k = 1 + d.int(Math.min(nP, LAYOUT.maxParticipants));
        const parts = d.shuffle([...pNames]).slice(0, k);
        try {
          const r = await c.run(parts);
          stats.txns++;
          if (r.via === 'resolve') stats.resolvedTxns++;
          note(reported, r.slot, r.decision, `${name}.${p.clientId}`);
        } catch (err) {
          if (!(err instanceof WorError) || err.kind === 'status') throw err;
          stats.indeterminate++;
        }
        await think(p, 2, 10);
      }
      loops.delete(name);
    })().catch((err) => fail(`${name}: ${(err as Error).message}`));
  };

  // ---- registers: writes of unique values and reads, as a history --------------------------------------
  const history: Operation[] = [];
  const registers = (k: number): void => {
    const name = `w${k}`;
    const p = ww.spawn(name);
    loops.add(name);
    let n = 0;
    void (async () => {
      while (running) {
        const addr = regBase + d.int(24);
        const call = ww.nowNs();
        const id = history.length;
        if (d.chance(0.5)) {
          const v = pad(`${name}.${++n}`);
          const op: Operation = { id, process: p.clientId, kind: 'write', f: 'write', key: String(addr), value: v, status: 'unknown', call, ret: Infinity };
          history.push(op);
          try {
            const r = await p.wor.write(addr, te.encode(v));
            op.ret = ww.nowNs();
            if (r.ok) op.status = 'ok';
            else if (r.reason === 'written') op.status = 'fail';
            else fail(`registers: write of register ${addr}: ${r.message}`);
          } catch (e) {
            if (!(e instanceof WorError) || e.kind === 'status') throw e;
            stats.indeterminate++;
          }
        } else {
          const op: Operation = { id, process: p.clientId, kind: 'read', f: 'read', key: String(addr), status: 'unknown', call, ret: Infinity };
          try {
            const r = await p.wor.read(addr);
            op.ret = ww.nowNs();
            op.status = 'ok';
            if (r.state === 'value') op.result = td.decode(r.value);
            else if (r.state === 'empty') op.result = null;
            else fail(`registers: read of register ${addr} answered ${r.state} (nobody captures these registers)`);
            history.push(op);
          } catch (e) {
            if (!(e instanceof WorError) || e.kind === 'status') throw e;
            stats.indeterminate++; // a read with no answer constrains nothing: left out
          }
        }
        stats.registerOps++;
        await think(p, 1, 6);
      }
      loops.delete(name);
    })().catch((e) => fail(`${name}: ${(e as Error).message}`));
  };

  for (const n of pNames) participant(n);
  for (let i = 0; i < nC; i++) coordinator(`c${i}`, false);
  for (let i = 0; i < nA; i++) appender(`a${i}`);
  reader(0);
  reader(1);
  trimmer();
  registers(0);
  registers(1);

  // ---- faults --------------------------------------------------------------------------------------------
  const f = Math.floor((replicas - 1) / 2);
  const start = ww.nowUs();
  const end = start + faultUs;
  const events = [0, 4, 9, 16][density]!;
  const agenda: Array<{ at: number; fn: () => void }> = [];
  const at = (t: number, fn: () => void): void => { agenda.push({ at: t, fn }); agenda.sort((a, b) => a.at - b.at); };
  const cyc = (us: number): number => w.us(us);
  for (let i = 0; i < events; i++) {
    const t = start + d.range(0, faultUs * 0.9);
    const kind = d.int(8);
    const len = d.range(50, 300);
    at(t, () => {
      switch (kind) {
        case 0: { // a replica crashes (the leader half the time), restarts later
          const down = w.nodes.filter((n) => !n.up).length;
          if (down >= f) return;
          const L = leader();
          const ups = w.nodes.filter((n) => n.up).map((n) => n.port);
          const port = L >= 0 && d.chance(0.5) ? L : ups[d.int(ups.length)]!;
          w.crash(port, d.chance(0.5) ? 'power' : 'reset');
          stats.replicaCrashes++;
          log(`${ww.nowUs().toFixed(0)} us: n${port + 1} crashes`);
          at(Math.min(end, ww.nowUs() + len), () => w.restart(port));
          return;
        }
        case 1: // loss on every link
          w.addFault({ kind: 'drop', at: w.cycle, until: w.cycle + cyc(len), prob: d.range(0.02, 0.2) });
          return;
        case 2: { // the leader is cut off from the other replicas
          const L = leader();
          if (L < 0) return;
          w.addFault({ kind: 'partition', at: w.cycle, until: w.cycle + cyc(len), groups: [[L], w.nodes.map((n) => n.port).filter((x) => x !== L)] });
          log(`${ww.nowUs().toFixed(0)} us: n${L + 1} partitioned`);
          return;
        }
        case 3: { // a coordinator crashes; a recovery coordinator takes over later
          const name = `c${d.int(nC)}`;
          const p = procs.get(name);
          if (!p || !p.alive) return;
          ww.kill(p);
          loops.delete(name);
          stats.coordinatorCrashes++;
          log(`${ww.nowUs().toFixed(0)} us: coordinator ${name} crashes`);
          at(ww.nowUs() + d.range(10, 200), () => coordinator(name, true));
          return;
        }
        case 4: { // a participant crashes; it restarts from its disk
          const name = pNames[d.int(nP)]!;
          const p = procs.get(name);
          if (!p || !p.alive) return;
          ww.kill(p);
          stats.participantCrashes++;
          log(`${ww.nowUs().toFixed(0)} us: participant ${name} crashes`);
          at(Math.min(end, ww.nowUs() + d.range(10, 200)), () => participant(name));
          return;
        }
        case 5: { // an appender crashes; a new one starts
          const name = `a${d.int(nA)}`;
          const p = procs.get(name);
          if (!p || !p.alive) return;
          ww.kill(p);
          loops.delete(name);
          at(ww.nowUs() + d.range(10, 100), () => appender(name));
          return;
        }
        case 6: { // application messages are lost for a while
          const loss = d.range(0.05, 0.5);
          ww.bus.lossProb = loss;
          at(Math.min(end, ww.nowUs() + len), () => { ww.bus.lossProb = 0; });
          return;
        }
        case 7: { // a process is cut off the bus for a while
          const name = d.chance(0.5) ? `c${d.int(nC)}` : pNames[d.int(nP)]!;
          ww.cut.add(name);
          at(Math.min(end, ww.nowUs() + len), () => ww.cut.delete(name));
          return;
        }
      }
    });
  }
  while (ww.nowUs() < end) {
    const next = agenda.length ? Math.min(agenda[0]!.at, end) : end;
    if (next > ww.nowUs()) await ww.run(next - ww.nowUs());
    while (agenda.length && agenda[0]!.at <= ww.nowUs()) agenda.shift()!.fn();
  }
  // ---- the faults stop -------------------------------------------------------------------------------------
  running = false;
  for (const a of agenda) if (a.at <= end + 1000) a.fn(); // restarts and respawns still due (they run now)
  agenda.length = 0;
  w.clearLinkFaults();
  for (const n of w.nodes) if (!n.up) w.restart(n.port);
  ww.cut.clear();
  ww.bus.lossProb = 0;
  const tEnd = ww.nowUs();
  if (!(await ww.runUntil(() => loops.size === 0, livenessUs))) {
    fail(`liveness: workload loops still running ${livenessUs} us after the faults stopped: ${[...loops].join(', ')}`);
    // the cluster is not live: the later phases would only wait out their bounds too
    const ap = w.nodes.map((n) => (n.up && n.replica ? `n${n.port + 1} ${n.replica.core.role} applied ${n.replica.kv.appliedIndex}` : `n${n.port + 1} down`));
    fail(`liveness: replicas at the end: ${ap.join(', ')}`);
    return finish();
  }
  // liveness probe: with the faults over, a new coordinator finishes a transaction over the
  // participants and an append goes in (each seed shows both applications working after its faults)
  const probe = ww.spawn('probe');
  const probeCoord = new Coordinator('probe', probe.wor, env(probe), new SharedLog(probe.wor, dir.base), LAYOUT, 100_000);
  probe.onMessage = (_from, m) => probeCoord.onMessage(m as TxnMsg);
  let probed = false;
  void (async () => {
    const r = await probeCoord.run(pNames.slice(0, LAYOUT.maxParticipants));
    note(reported, r.slot, r.decision, 'probe');
    stats.txns++;
    const pos = await new SharedLog(probe.wor, theLog.base).append(te.encode('probe'));
    acked.set('probe', pos);
    probed = true;
  })().catch((e) => fail(`liveness probe: ${(e as Error).message}`));
  if (!(await ww.runUntil(() => probed || failures.length > 0, livenessUs))) fail(`liveness: no transaction and append completed within ${livenessUs} us after the faults stopped`);
  // the final recovery coordinator: every transaction of every coordinator, from the WORs alone
  const fin = ww.spawn('final');
  let final: Map<number, Decision> | undefined;
  void (async () => {
    for (;;) {
      try { final = await recoverAll(fin.wor, env(fin), new SharedLog(fin.wor, dir.base), LAYOUT); return; } catch (e) {
        if (!(e instanceof WorError) || e.kind === 'status') throw e;
      }
    }
  })().catch((e) => fail(`final recovery: ${(e as Error).message}`));
  if (!(await ww.runUntil(() => final !== undefined || failures.length > 0, livenessUs))) fail(`liveness: the final recovery did not finish within ${livenessUs} us`);
  // every participant applies every transaction it voted in (DECIDE, or its own resolve after the timeout)
  const pendingVotes = (): string[] => {
    const out: string[] = [];
    for (const [n, dk] of disks) for (const s of dk.voted.keys()) if (!dk.applied.has(s)) out.push(`${n}@${s}`);
    return out;
  };
  if (!(await ww.runUntil(() => pendingVotes().length === 0, livenessUs))) fail(`liveness: participants never applied ${pendingVotes().slice(0, 8).join(', ')}`);
  // replicas converge
  await ww.runUntil(() => { const ix = w.nodes.map((n) => n.replica?.kv.appliedIndex ?? -1); return ix.every((x) => x === ix[0]); }, livenessUs);

  // ---- checks --------------------------------------------------------------------------------------------
  const L = leader();
  const sm = L >= 0 ? w.nodes[L]!.replica!.kv.wor : undefined;
  if (!sm) fail('no leader at the end');
  if (sm && final) {
    const rd = (addr: number): ReadResult => {
      const x = sm.execute({ op: 'wor.read', addr } as WorCommand);
      if (x.status === WorStatus.OK) return { state: 'value', value: x.value!, epoch: x.epoch };
      if (x.status === WorStatus.UNDECIDED) return { state: 'undecided', epoch: x.epoch };
      if (x.status === WorStatus.TRIMMED) return { state: 'trimmed' };
      return { state: 'empty' };
    };
    // atomicity
    for (const [slot, dec] of final) {
      const desc = rd(slot);
      const names = desc.state === 'value' ? decodeDescriptor(desc.value) : 'void';
      const votes = Array.from({ length: names === 'void' ? 0 : names.length }, (_, i) => rd(slot + 1 + i));
      const byRegs = decide(desc, votes);
      if (byRegs !== dec) fail(`atomicity: transaction ${slot}: the final recovery says ${dec}, its registers ${byRegs ?? 'nothing yet'}`);
      const r = reported.get(slot);
      if (r && r.decision !== dec) fail(`atomicity: transaction ${slot} is ${dec}; ${r.by} reported ${r.decision}`);
      const rc = recovered.get(slot);
      if (rc && rc.decision !== dec) fail(`atomicity: transaction ${slot} is ${dec}; ${rc.by} recovered ${rc.decision}`);
      let commits = 0;
      for (const [n, dk] of disks) {
        const a = dk.applied.get(slot);
        if (a !== undefined && a !== dec) fail(`atomicity: transaction ${slot} is ${dec}; participant ${n} applied ${a}`);
        if (a === 'commit') commits++;
      }
      if (dec === 'commit' && names !== 'void' && commits !== names.length) fail(`atomicity: transaction ${slot} committed, but ${commits} of its ${names.length} participants applied it`);
      if (dec === 'commit') stats.commits++; else stats.aborts++;
    }
    for (const s of reported.keys()) if (!final.has(s)) fail(`atomicity: transaction ${s} was reported but the recovery did not find it`);
    for (const [n, dk] of disks) for (const s of dk.voted.keys()) if (!final.has(s)) fail(`atomicity: ${n} voted in transaction ${s}, which the recovery did not find`);
    // prefix agreement against the final registers
    const t = sm.execute({ op: 'wor.tail', base: theLog.base });
    const tail = t.addr - theLog.base;
    const where = new Map<string, number>();
    for (let pos = t.epoch - theLog.base; pos < tail; pos++) {
      const r = rd(theLog.base + pos);
      if (r.state !== 'value') { fail(`prefix agreement: position ${pos} below the tail ${tail} is ${r.state}`); continue; }
      const v = td.decode(r.value);
      const s = seen.get(pos);
      if (s !== undefined && s !== v) fail(`prefix agreement: position ${pos} holds ${JSON.stringify(v)}, a reader read ${JSON.stringify(s)}`);
      if (where.has(v)) fail(`shared log: ${JSON.stringify(v)} is at positions ${where.get(v)} and ${pos}`);
      where.set(v, pos);
    }
    for (const [v, pos] of acked) {
      if (pos >= tail) fail(`shared log: append of ${JSON.stringify(v)} acknowledged at position ${pos}, beyond the tail ${tail}`);
      else if (pos >= t.epoch - theLog.base && where.get(v) !== pos) fail(`shared log: append of ${JSON.stringify(v)} acknowledged at ${pos}, the log has it at ${where.get(v) ?? 'no position'}`);
    }
    // the transactions' registers were all found by listing the directory
    void listSlots; void slotSize;
  }
  // replicas that applied the same index hold the same state
  const snaps = new Map<number, { port: number; bytes: string }>();
  for (const n of w.nodes) {
    if (!n.up || !n.replica) continue;
    const k = n.replica.kv;
    const b = Buffer.from(k.snapshot()).toString('base64');
    const prev = snaps.get(k.appliedIndex);
    if (!prev) snaps.set(k.appliedIndex, { port: n.port, bytes: b });
    else if (prev.bytes !== b) fail(`replicas: n${prev.port + 1} and n${n.port + 1} applied index ${k.appliedIndex} but hold different states`);
  }
  // the register history against the write-once register model
  const res = checkOperations(worModel, history, { timeoutMs: 20_000 });
  if (res.verdict !== 'linearizable') fail(`registers: the history is ${res.verdict}${res.failing ? ` (register ${res.failing.key})` : ''}`);
  if (!final || final.size === 0) fail('no transaction was begun: the 2PC workload did nothing');
  if (stats.appends === 0) fail('no append completed');
  log(`faults stopped at ${tEnd.toFixed(0)} us`);
  return finish();
}
