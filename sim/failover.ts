// The failover phase of a scenario (`failover:` in the YAML): the same cluster, with the real
// control plane (sim/raft-host.ts) on every node instead of the static configuration, under the
// scenario's traffic; the leader crashes mid-traffic. Reports the time from the crash to the
// detection (first pre-vote), the election, the first commit of the new leader (its term's no-op,
// committed by its NIC: the cycle the NIC delivered it), and full throughput again, with the
// committed throughput per 10 µs bucket (the timeline), and what the recovery cost the new leader.
import { RaftCluster } from './raft-host.js';
import { clusterConfig, toFaultSpecs, type Scenario, type ScenarioFault } from './scenario-config.js';
import type { ReplicaStats } from '../ctrl/driver/replica.js';

/** An operator action during the failover phase (µs from the start of its traffic). */
export type FailoverAction =
  | { kind: 'add' | 'remove'; atUs: number; node: number }
  | { kind: 'compact'; atUs: number; node: number }
  | { kind: 'transfer'; atUs: number; node: number };

export interface FailoverSpec {
  /** the leader (node 0) crashes this long after traffic starts */
  crashAtUs: number;
  /** simulated time after the crash */
  afterUs: number;
  /** minimum election timeout of the control plane (randomized in [T, 2T)) */
  electionTimeoutUs: number;
  heartbeatUs: number;
  /** "full throughput": a 10 µs bucket reaching this share of the pre-crash rate */
  fullShare: number;
  /** offered load of this phase, % of line rate (default: the scenario's) */
  ratePct?: number;
  /** retry budget of this phase, % of line rate (default: the scenario's workload.retryBudgetPct) */
  retryBudgetPct?: number;
  /** longest drain after the offered window (default 2000 µs) */
  drainUs?: number;
  /** the host driver's tick (default 5 µs) */
  tickUs?: number;
  /** voters at the start: nodes 0..voters-1 (default every replica) */
  voters?: number;
  /** the faults of this phase (default: the scenario's `faults`), times from the start of its traffic */
  faults?: ScenarioFault[];
  /** membership changes, compaction and leadership transfers, at their times */
  actions?: FailoverAction[];
  /**
   * NIC failure detection (docs/control-plane.md §4.1): the follower NICs raise LEADER_SILENT after
   * silenceCycles without a frame of the leader, and the cores (nicSilenceNs = promiseUs) stand for
   * election at once; the leader NIC heartbeats every hbIntervalCycles when no APPEND goes out.
   * Absent: detection by the election timeout alone.
   */
  nicDetect?: { silenceCycles: number; promiseUs: number; hbIntervalCycles: number; armOnVote?: boolean };
  /** no leader crash: the traffic and faults alone (every election is then spurious) */
  noCrash?: boolean;
}

/** What a cluster run with electing hosts says about its health: the failover runs, the spurious-election runs. */
export interface RunHealth {
  /** leader elections after the first one (in a failover run: the crash's, and any other) */
  elections: number;
  /** pre-votes started after traffic began (a node that stood for election, won or not) */
  preVotes: number;
  /** LEADER_SILENT events the NICs raised (NIC failure detection) */
  silenceEvents: number;
  lostRequests: number;
  retries: number;
  /** one committed log across the replicas (no index applied with two entries), the same KV state */
  agreement: boolean;
}

export interface FailoverSummary extends RunHealth {
  offeredPct: number;
  crashAtUs: number;
  electionTimeoutUs: number;
  newLeader: number;
  term: number;
  /** µs after the crash */
  detectUs: number | null;
  electedUs: number | null;
  firstCommitUs: number | null;
  fullThroughputUs: number | null;
  preCrashMreqPerSec: number;
  /** committed (client-completed) Mreq/s per 10 µs bucket, from `timelineStartUs` (relative to the crash) */
  timelineStartUs: number;
  timelineMreqPerSec: number[];
  /** the gap: 10 µs buckets after the crash with no completion */
  gapBuckets: number;
  /** µs from the first commit to the end of the first 10 µs bucket at >= 95% of the pre-crash rate (null: not within the run) */
  to95Us: number | null;
  /** the lowest 10 µs bucket after that one, % of the pre-crash rate (null: none reached 95%) */
  minAfter95Pct: number | null;
  /** NIC failure detection of this phase (null: the election timeout alone) */
  nicDetect: FailoverSpec['nicDetect'] | null;
  /** after the offered window: time until every request completed and every replica applied the same index */
  drainUs: number;
  /** what the recovery cost the new leader's host (from its election to the end of the run) */
  recovery: Pick<ReplicaStats, 'csrReads' | 'logReads' | 'logWrites' | 'nicOps' | 'messagesSent' | 'readWaitCycles'>;
  roles: string[];
  /** µs from boot to the start of traffic: node 0's first election (longer with a slow host) */
  bootUs: number;
  /** faults of this phase by kind (crash, restart, plane_down, inject drop, ...), from the event log */
  faultsInjected: Record<string, number>;
  /** the actions as they ran (µs from the start of traffic), and the voters of the last leader at the end */
  actions: string[];
  voters: number[];
}

export function runFailover(sc: Scenario, spec: FailoverSpec, seed?: number, onProgress?: (frac: number) => void): FailoverSummary {
  const { cfg } = clusterConfig(sc, { seed, faults: false, ratePct: spec.ratePct });
  if (spec.retryBudgetPct !== undefined && cfg.workload) cfg.workload.retryBudgetPct = spec.retryBudgetPct;
  const cyclesPerUs = (cfg.network?.clockMHz ?? 250);
  const cyc = (us: number): number => Math.round(us * cyclesPerUs);
  const tickUs = spec.tickUs ?? 5;
  // the election of the first leader, before traffic: node 0 campaigns at boot; its votes take a
  // few host round trips (host latency each way, a poll, a tick): 40 µs with the default host
  const hostUs = (cfg.hostLatencyCycles ?? 250) / cyclesPerUs;
  const pollUs = (cfg.hostPollCycles ?? 250) / cyclesPerUs;
  const bootUs = Math.max(40, Math.ceil(8 * hostUs + 3 * tickUs + 2 * pollUs));
  const start = cyc(bootUs);
  const crashAt = start + cyc(spec.crashAtUs);
  const end = crashAt + cyc(spec.afterUs);
  const rc = new RaftCluster({
    replicas: cfg.replicas, voters: spec.voters, planes: cfg.planes, seed: cfg.seed, network: cfg.network, nic: cfg.nic,
    hostLatencyCycles: cfg.hostLatencyCycles, hostPollCycles: cfg.hostPollCycles,
    workload: { ...cfg.workload, startCycle: start, stopCycle: end, measureFromCycle: start },
    raft: {
      electionTimeoutNs: spec.electionTimeoutUs * 1000, heartbeatIntervalNs: spec.heartbeatUs * 1000, tickNs: tickUs * 1000,
      ...(spec.nicDetect ? {
        nicSilenceNs: spec.nicDetect.promiseUs * 1000, armOnVote: spec.nicDetect.armOnVote ?? true,
        tuning: { silenceCycles: spec.nicDetect.silenceCycles, hbIntervalCycles: spec.nicDetect.hbIntervalCycles },
      } : {}),
    },
  });
  const actionLog: string[] = [];
  try {
    rc.campaign(0);
    rc.runUntil(() => rc.leader() === 0, start - 1, 250);
    if (rc.leader() !== 0) {
      throw new Error(`failover: node 0 was not elected within the ${bootUs} µs before traffic (host latency ${Math.round(hostUs * 1000)} ns, ` +
        `election timeout ${spec.electionTimeoutUs} µs, tick ${tickUs} µs): ${rc.statusLines().join('; ')}`);
    }
    if (!spec.noCrash) rc.cluster.addFault({ kind: 'crash', at: crashAt, node: 0 });
    for (const f of toFaultSpecs(sc, cyclesPerUs, spec.faults ?? sc.faults, start)) rc.cluster.addFault(f);
    // actions run at their cycle, at the node or the live leader
    for (const a of spec.actions ?? []) {
      const at = start + cyc(a.atUs);
      rc.cluster.setTimer(at, () => {
        const when = `+${a.atUs} µs`;
        const L = rc.leader();
        if (a.kind === 'compact') {
          const r = rc.hosts[a.node]?.replica;
          if (!r || r.kv.appliedIndex === 0) { actionLog.push(`${when} compact node ${a.node}: skipped (down or nothing applied)`); return; }
          r.request({ kind: 'compact', index: r.kv.appliedIndex, data: r.kv.snapshot() });
          actionLog.push(`${when} compact node ${a.node} at index ${r.kv.appliedIndex}`);
          return;
        }
        if (L < 0) { actionLog.push(`${when} ${a.kind} node ${a.node}: skipped (no leader)`); return; }
        const r = rc.hosts[L]!.replica!;
        if (a.kind === 'transfer') r.request({ kind: 'transfer', to: a.node + 1 });
        else r.request({ kind: 'confChange', op: a.kind, node: a.node + 1 });
        actionLog.push(`${when} ${a.kind} node ${a.node} through leader node ${L}`);
      });
    }
    const total = end - rc.cycle;
    const t0 = rc.cycle;
    // FAILOVER_TRACE: per 10 µs from 20 µs before the crash, the completions and what moved in
    // each NIC's counters and the fabric's (a diagnosis aid; reading the counters costs cycles)
    const trace = !!process.env.FAILOVER_TRACE;
    let prevC: Array<Record<string, bigint> | undefined> = [];
    let prevS: Record<string, number> = {};
    while (rc.cycle < end) {
      rc.run(Math.min(cyc(10), end - rc.cycle));
      onProgress?.((rc.cycle - t0) / total);
      if (trace && rc.cycle >= crashAt - cyc(20)) {
        const c = rc.cluster.nicCounters() as Array<Record<string, bigint> | undefined>;
        const s = rc.cluster.stats();
        const b = rc.cluster.completionBuckets();
        const bi = Math.floor(rc.cycle / 2500) - 1;
        const parts = [`t=${((rc.cycle - crashAt) / cyclesPerUs).toFixed(1)} done=${b[bi] ?? 0}`];
        c.forEach((x, i) => {
          if (!x) return;
          const d = Object.entries(x).filter(([k, v]) => v !== (prevC[i]?.[k] ?? 0n) && !/^(RX|TX)_(FRAMES|BYTES)|^REQ_|^APPEND_RX|^REPLY/.test(k)).map(([k, v]) => `${k}+${v - (prevC[i]?.[k] ?? 0n)}`);
          parts.push(`n${i}[${d.join(' ')}]`);
        });
        const ds = Object.entries(s).filter(([k, v]) => v !== (prevS[k] ?? 0) && /retr|drop|punt/i.test(k)).map(([k, v]) => `${k}+${v - (prevS[k] ?? 0)}`);
        parts.push(`fab[${ds.join(' ')}]`);
        console.log(parts.join(' '));
        prevC = c; prevS = s;
      }
    }
    const after = (c: number | undefined): number | null => (c === undefined ? null : Math.round(((c - crashAt) / cyclesPerUs) * 100) / 100);
    const elected = rc.leaderChanges.find((l) => l.cycle >= crashAt);
    const detect = rc.roleLog.map((l) => l.split(' ')).find((p) => Number(p[0]) >= crashAt && p[2] === 'precandidate');
    const first = elected ? rc.firstCommit.get(elected.term) : undefined;
    // throughput per 10 µs bucket (2500 cycles at 250 MHz)
    const bucketCycles = 2500;
    const buckets = rc.cluster.completionBuckets();
    const usPerBucket = bucketCycles / cyclesPerUs;
    const toM = (n: number): number => Math.round((n / usPerBucket) * 1000) / 1000;
    const b0 = Math.ceil((start + cyc(10)) / bucketCycles);
    const bc = Math.floor(crashAt / bucketCycles);
    const pre = buckets.slice(b0, bc);
    const preRate = pre.length ? pre.reduce((a, b) => a + b, 0) / pre.length : 0;
    let full: number | undefined;
    let gap = 0;
    for (let b = bc + 1; b < buckets.length && b * bucketCycles < end; b++) {
      const v = buckets[b] ?? 0;
      if (elected && (b + 1) * bucketCycles > elected.cycle && v >= spec.fullShare * preRate) { full = (b + 1) * bucketCycles; break; }
    }
    for (let b = bc + 1; b < buckets.length && (buckets[b] ?? 0) === 0; b++) gap++;
    // recovery: from the first commit, the first bucket at >= 95% of the pre-crash rate, then the lowest after it
    let to95: number | null = null;
    let minAfter95: number | null = null;
    if (first !== undefined) {
      const endB = Math.floor(end / bucketCycles);
      let b95 = -1;
      for (let b = Math.floor(first.nicCycle / bucketCycles); b < endB; b++) {
        if ((buckets[b] ?? 0) >= 0.95 * preRate) { b95 = b; break; }
      }
      if (b95 >= 0) {
        to95 = Math.round((((b95 + 1) * bucketCycles - first.nicCycle) / cyclesPerUs) * 100) / 100;
        let lo = Infinity;
        for (let b = b95 + 1; b < endB; b++) lo = Math.min(lo, buckets[b] ?? 0);
        minAfter95 = Number.isFinite(lo) && preRate > 0 ? Math.round((lo / preRate) * 1000) / 10 : null;
      }
    }
    const tlFrom = Math.max(b0, bc - 5);
    const tlTo = Math.min(buckets.length, Math.floor(end / bucketCycles));
    // drain: no new requests; the retries of the backlog complete; the replicas apply everything
    rc.cluster.stopTraffic();
    const drainStart = rc.cycle;
    const settled = (): boolean => {
      const L = rc.leader();
      const members = L >= 0 ? rc.hosts[L]!.replica!.core.voters.map((v) => v - 1) : rc.hosts.map((_, i) => i);
      const a = rc.appliedIndexes().filter((i, p) => i >= 0 && members.includes(p));
      return (rc.cluster.stats().outstanding ?? 0) === 0 && new Set(a).size === 1;
    };
    rc.runUntil(settled, cyc(spec.drainUs ?? 2000), cyc(10));
    const drainUs = Math.round((rc.cycle - drainStart) / cyclesPerUs);
    const st = rc.cluster.stats();
    if (process.env.FAILOVER_DEBUG) {
      console.log(Object.entries(st).filter(([k, v]) => v && /punts_lost|drop|node\d\.(committed|punted)|retries|outstanding/.test(k)).map(([k, v]) => `${k}=${v}`).join(' '));
      for (const h of rc.hosts) console.log(`n${h.id}`, JSON.stringify(h.replica?.stats));
      console.log(rc.statusLines().join('\n'));
      console.log('ledger', rc.ledgerViolations.slice(0, 3), 'agreement', rc.checkAgreement(), 'applied', rc.appliedIndexes(), 'states', new Set(rc.kvStates()).size);
      const c = rc.cluster.nicCounters();
      c.forEach((x, i) => x && console.log(`nic n${i + 1}`, Object.entries(x).filter(([k, v]) => v && /DROP|LOST|OVERFLOW|NACK|RETRANS|REPAIR/.test(k)).map(([k, v]) => `${k}=${v}`).join(' ')));
    }
    const faultsInjected: Record<string, number> = {};
    for (const l of rc.cluster.events()) {
      const m = /^(\d+) (inject \w+|plane_down|plane_up|crash|restart|fault_start|fault_end)/.exec(l);
      if (m && Number(m[1]) >= start) faultsInjected[m[2]!.replace('inject ', '')] = (faultsInjected[m[2]!.replace('inject ', '')] ?? 0) + 1;
    }
    // the leader crash is the phase's own, not one of the scenario's faults
    if (faultsInjected.crash) { faultsInjected.crash--; if (!faultsInjected.crash) delete faultsInjected.crash; }
    const lastLeader = rc.leader();
    const leaderPort = elected?.port ?? -1;
    const ls = leaderPort >= 0 ? rc.hosts[leaderPort]!.replica?.stats : undefined;
    // the replicas of the configuration at the end (a removed node stops applying where it left)
    const members = (lastLeader >= 0 ? rc.hosts[lastLeader]!.replica!.core.voters.map((v) => v - 1) : rc.hosts.map((_, i) => i));
    const states = rc.kvStates(members);
    const applied = rc.appliedIndexes().filter((i, p) => i >= 0 && members.includes(p));
    return {
      offeredPct: cfg.workload?.ratePct ?? 0,
      crashAtUs: spec.crashAtUs,
      electionTimeoutUs: spec.electionTimeoutUs,
      newLeader: leaderPort,
      term: elected?.term ?? 0,
      detectUs: after(detect ? Number(detect[0]) : undefined),
      electedUs: after(elected?.cycle),
      firstCommitUs: after(first?.nicCycle),
      fullThroughputUs: after(full),
      preCrashMreqPerSec: toM(preRate),
      timelineStartUs: Math.round((tlFrom * bucketCycles - crashAt) / cyclesPerUs * 100) / 100,
      timelineMreqPerSec: buckets.slice(tlFrom, tlTo).map(toM),
      gapBuckets: gap,
      to95Us: to95,
      minAfter95Pct: minAfter95,
      nicDetect: spec.nicDetect ?? null,
      elections: rc.leaderChanges.length - 1,
      preVotes: rc.roleLog.filter((l) => { const p = l.split(' '); return Number(p[0]) >= start && p[2] === 'precandidate'; }).length,
      silenceEvents: rc.cluster.nicCounters().reduce((a, c) => a + Number(c?.LEADER_SILENT ?? 0), 0),
      lostRequests: st.outstanding ?? 0,
      retries: st.retries ?? 0,
      agreement: rc.ledgerViolations.length === 0 && rc.checkAgreement() === undefined && new Set(applied).size === 1 && new Set(states).size === 1,
      drainUs,
      recovery: {
        csrReads: ls?.csrReads ?? 0, logReads: ls?.logReads ?? 0, logWrites: ls?.logWrites ?? 0, nicOps: ls?.nicOps ?? 0,
        messagesSent: ls?.messagesSent ?? 0, readWaitCycles: ls?.readWaitCycles ?? 0,
      },
      roles: rc.roleLog.filter((l) => Number(l.split(' ')[0]) >= crashAt).map((l) => {
        const [c, n, role, t] = l.split(' ');
        return `+${after(Number(c))} µs node ${Number(n!.slice(1)) - 1} ${role} ${t}`;
      }),
      bootUs,
      faultsInjected,
      actions: actionLog,
      voters: lastLeader >= 0 ? rc.hosts[lastLeader]!.replica!.core.voters.map((v) => v - 1) : [],
    };
  } finally {
    rc.destroy();
  }
}

export function formatFailover(f: FailoverSummary): string {
  const L: string[] = [];
  const v = (x: number | null): string => (x === null ? 'never' : `${x} µs`);
  const det = f.nicDetect
    ? `NIC detection after ${f.nicDetect.silenceCycles} cycles without the leader, election timeout ${f.electionTimeoutUs}-${2 * f.electionTimeoutUs} µs as the fallback`
    : `election timeout ${f.electionTimeoutUs}-${2 * f.electionTimeoutUs} µs`;
  L.push(`  failover       the leader (node 0) crashed at +${f.crashAtUs} µs of traffic (${f.offeredPct}% offered, ${det})`);
  L.push(`    detected     ${v(f.detectUs)} after the crash (first pre-vote)`);
  L.push(`    elected      ${v(f.electedUs)}: node ${f.newLeader} leads term ${f.term}`);
  L.push(`    first commit ${v(f.firstCommitUs)} (the new leader's NIC commits its no-op; earlier entries with it)`);
  L.push(`    full rate    ${v(f.fullThroughputUs)} (a 10 µs bucket at >= 90% of the pre-crash ${f.preCrashMreqPerSec} Mreq/s)`);
  L.push(`    recovery     95% of the pre-crash rate ${f.to95Us === null ? 'not reached' : `${f.to95Us} µs after the first commit`}${f.minAfter95Pct === null ? '' : `, the lowest 10 µs bucket after it ${f.minAfter95Pct}%`}; elections ${f.elections}, pre-votes ${f.preVotes}, leader-silence events ${f.silenceEvents}`);
  L.push(`    gap          ${f.gapBuckets} x 10 µs with no completion; retries ${f.retries.toLocaleString('en-US')}; after a drain of ${f.drainUs} µs: lost ${f.lostRequests.toLocaleString('en-US')}, one log and one KV state on every replica of the configuration: ${f.agreement ? 'yes' : 'NO'}`);
  L.push(`    cost         new leader's host: ${f.recovery.csrReads} CSR reads, ${f.recovery.logReads} log reads, ${f.recovery.logWrites} log writes, ${f.recovery.nicOps} NIC ops, ${f.recovery.messagesSent} messages, ${f.recovery.readWaitCycles} cycles waiting on reads`);
  L.push(`    timeline     Mreq/s per 10 µs from ${f.timelineStartUs} µs: ${f.timelineMreqPerSec.map((x) => Math.round(x)).join(' ')}`);
  const inj = Object.entries(f.faultsInjected).map(([k, v]) => `${k} ${v}`).join(', ');
  if (inj) L.push(`    faults       ${inj} (besides the leader crash)`);
  for (const a of f.actions) L.push(`    action       ${a}`);
  if (f.actions.length) L.push(`    voters       nodes ${f.voters.join(', ')} at the end`);
  return L.join('\n');
}
