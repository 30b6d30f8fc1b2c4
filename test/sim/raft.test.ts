// The control plane on RTL NICs in the co-simulation (sim/raft-host.ts): the real control core
// (ctrl/core) drives Verilated NICs through the Nic interface while TypeScript KV clients (the real
// client library) and C++ traffic generators load the cluster; faults: leader crash, leader
// partition, follower crash and restart, membership changes, crash of every replica at once.
// After each run: one committed log (no index ever applied with two different entries, by any
// node at any time), the same KV state on every live replica, a linearizable client history
// (it ends with a read of every key, so a lost acknowledged write shows up).
// Seeds: SEED=n replays one seed for every scenario.
import { beforeAll, describe, expect, it } from 'vitest';
import { libraryPath } from '../../native/build.js';
import { RaftCluster, type RaftClusterConfig } from '../../sim/raft-host.js';
import { parseJsonHistory } from '../../verify/check/parse.js';
import { checkOperations } from '../../verify/check/checker.js';
import { kvModel } from '../../verify/check/models.js';
import { parseScenario } from '../../sim/scenario.js';
import { formatFailover, runFailover } from '../../sim/failover.js';

const BUILD = 900_000;
/** per test: a few seconds alone, more on a loaded 2-core machine */
const T = 120_000;
const ENV_SEED = process.env.SEED ? Number(process.env.SEED) : undefined;

beforeAll(() => {
  libraryPath();
  libraryPath({ params: { PLANES: 2 } });
}, BUILD);

function seedFor(base: number): number {
  const s = ENV_SEED ?? base;
  console.log(`seed ${s} (replay: SEED=${s} npx vitest run test/sim/raft.test.ts)`);
  return s;
}

function make(cfg: Partial<RaftClusterConfig> & { replicas: number; seed: number }): RaftCluster {
  return new RaftCluster({ planes: 2, kvClients: 4, workload: { clients: 1, ratePct: 0 }, ...cfg });
}

/** Runs until one leader is up with every live voter reconciled; returns its port. */
function settle(rc: RaftCluster, limitUs = 2000): number {
  const ok = rc.runUntil(() => rc.leader() >= 0, rc.us(limitUs));
  expect(ok, `no leader within ${limitUs} us:\n${rc.statusLines().join('\n')}`).toBe(true);
  return rc.leader();
}

/** Node 0 is elected, then the KV clients run for `us` microseconds. */
function underLoad(rc: RaftCluster, us = 100): void {
  rc.campaign(0);
  settle(rc);
  rc.startKvWorkload({ keys: 3 });
  rc.run(rc.us(us));
}

/** The end-of-run checks (`members`: the ports that must have caught up; default all). */
function verify(rc: RaftCluster, label: string, members?: number[]): void {
  expect(rc.finish(rc.us(3000)), `${label}: final reads did not finish\n${rc.statusLines().join('\n')}`).toBe(true);
  // let the followers apply what the leader committed
  rc.run(rc.us(200));
  expect(rc.ledgerViolations, label).toEqual([]);
  expect(rc.checkAgreement(), label).toBeUndefined();
  const applied = rc.appliedIndexes().filter((i, port) => i >= 0 && (!members || members.includes(port)));
  expect(new Set(applied).size, `${label}: applied ${applied.join(',')}\n${rc.statusLines().join('\n')}`).toBe(1);
  const states = rc.kvStates(members);
  expect(new Set(states).size, `${label}: KV states differ`).toBe(1);
  const h = parseJsonHistory(rc.historyJson(), `${label}.json`);
  const r = checkOperations(kvModel, h.ops, { timeoutMs: 30_000 });
  expect(r.verdict, `${label}: ${JSON.stringify(r).slice(0, 400)}`).toBe('linearizable');
  expect(rc.outcomes.ok, label).toBeGreaterThan(50);
}

describe.each([3, 5])('control plane on RTL NICs, %i replicas', (n) => {
  it('leader crash under traffic: a new leader, the same committed log, nothing acknowledged lost', () => {
    const seed = seedFor(100 + n);
    const rc = make({ replicas: n, seed, workload: { clients: 1, ratePct: 3, payloadBytes: 16, retryCycles: 5000, startCycle: 10_000 } });
    try {
      underLoad(rc, 150);
      expect(rc.leaderChanges[0]?.port).toBe(0);
      const okBefore = rc.outcomes.ok;
      const crashAt = rc.cycle;
      rc.cluster.addFault({ kind: 'crash', at: crashAt, node: 0 });
      rc.run(rc.us(20));
      const nl = settle(rc);
      expect(nl).not.toBe(0);
      const elected = rc.leaderChanges.find((c) => c.port === nl)!;
      console.log(`n=${n}: leader crash -> n${nl + 1} leads term ${elected.term} after ${((elected.cycle - crashAt) * rc.nsPerCycle / 1000).toFixed(1)} us`);
      rc.run(rc.us(300));
      expect(rc.outcomes.ok).toBeGreaterThan(okBefore + 10);
      // the crashed leader restarts from its storage and rejoins as a follower
      rc.cluster.addFault({ kind: 'restart', at: rc.cycle, node: 0 });
      rc.run(rc.us(400));
      expect(rc.hosts[0]!.replica!.core.role).toBe('follower');
      verify(rc, `crash-n${n}-s${seed}`);
      const st = rc.cluster.stats();
      expect(st.completed).toBeGreaterThan(0); // the C++ clients' requests went through the fast path too
    } finally {
      rc.destroy();
    }
  }, T);

  it('partition of the leader: the majority elects, the old leader steps down and rejoins without disruption', () => {
    const seed = seedFor(200 + n);
    const rc = make({ replicas: n, seed });
    try {
      underLoad(rc);
      const rest = Array.from({ length: n - 1 }, (_, i) => i + 1);
      const at = rc.cycle;
      rc.cluster.addFault({ kind: 'partition', at, until: at + rc.us(600), groups: [[0], rest] });
      rc.run(rc.us(400));
      const nl = rc.leader();
      expect(nl).toBeGreaterThan(0);
      // check quorum: the isolated leader stepped down
      expect(rc.hosts[0]!.replica!.core.role).not.toBe('leader');
      const termDuring = rc.hosts[nl]!.replica!.core.term;
      rc.run(rc.us(600)); // healed at +600 us
      expect(rc.leader()).toBe(nl); // pre-vote: the rejoining node does not depose the leader
      expect(rc.hosts[nl]!.replica!.core.term).toBe(termDuring);
      verify(rc, `partition-n${n}-s${seed}`);
    } finally {
      rc.destroy();
    }
  }, T);

  it('a follower crashes and restarts: it recovers from storage and is repaired by the leader', () => {
    const seed = seedFor(300 + n);
    const rc = make({ replicas: n, seed });
    try {
      underLoad(rc);
      const f = n - 1;
      rc.cluster.addFault({ kind: 'crash', at: rc.cycle, node: f });
      rc.run(rc.us(200));
      expect(rc.leader()).toBe(0); // the leader keeps its quorum
      const during = rc.outcomes.ok;
      rc.cluster.addFault({ kind: 'restart', at: rc.cycle, node: f });
      rc.run(rc.us(400));
      expect(rc.outcomes.ok).toBeGreaterThan(during);
      const r = rc.hosts[f]!.replica!;
      expect(r.core.role).toBe('follower');
      expect(r.core.status().fastPath).toBe(true);
      verify(rc, `follower-restart-n${n}-s${seed}`);
    } finally {
      rc.destroy();
    }
  }, T);
});

describe.each([3, 5])('membership changes under traffic (RTL NICs), %i voters', (n) => {
  it('adds a replica, then removes the leader: the others elect and the log stays one', () => {
    const seed = seedFor(400 + n);
    const rc = make({ replicas: n + 1, voters: n, seed });
    const added = n + 1;
    try {
      underLoad(rc);
      rc.hosts[0]!.replica!.request({ kind: 'confChange', op: 'add', node: added });
      expect(rc.runUntil(() => rc.hosts.every((h) => h.replica!.core.voters.length === n + 1), rc.us(1000))).toBe(true);
      rc.run(rc.us(200));
      expect(rc.hosts[n]!.replica!.core.status().fastPath).toBe(true);
      // remove the leader itself: it leads until the change commits, then steps down
      rc.hosts[0]!.replica!.request({ kind: 'confChange', op: 'remove', node: 1 });
      expect(rc.runUntil(() => rc.leader() > 0, rc.us(2000)), rc.statusLines().join('\n')).toBe(true);
      expect(rc.hosts[0]!.replica!.core.role).not.toBe('leader');
      rc.run(rc.us(300));
      const rest = Array.from({ length: n }, (_, i) => i + 2);
      for (const h of rc.hosts.slice(1)) expect(h.replica!.core.voters).toEqual(rest);
      verify(rc, `membership-n${n}-s${seed}`, rest.map((id) => id - 1));
      // the removed node stopped where its removal committed, a prefix of the one log
      expect(rc.hosts[0]!.replica!.kv.appliedIndex).toBeLessThan(rc.hosts[1]!.replica!.kv.appliedIndex);
    } finally {
      rc.destroy();
    }
  }, T);
});

describe('persistence (RTL NICs)', () => {
  it('every replica crashes at once and restarts: no acknowledged write is lost (durable replies)', () => {
    const seed = seedFor(500);
    const rc = make({ replicas: 3, seed, raft: { durableReplies: true } });
    try {
      underLoad(rc, 300);
      const acked = rc.outcomes.ok;
      expect(acked).toBeGreaterThan(10);
      const at = rc.cycle;
      for (let i = 0; i < 3; i++) rc.cluster.addFault({ kind: 'crash', at, until: at + rc.us(50), node: i });
      rc.run(rc.us(60));
      settle(rc, 3000);
      rc.run(rc.us(300));
      expect(rc.outcomes.ok).toBeGreaterThan(acked);
      verify(rc, `crash-all-s${seed}`);
    } finally {
      rc.destroy();
    }
  }, T);
});

describe('the failover phase of a scenario (make demo)', () => {
  it('crashes the leader under open-loop traffic: elects, commits again, returns to full rate, loses nothing; the same seed gives the same figures', () => {
    const sc = parseScenario({
      name: 'failover-test', replicas: 3, planes: 2, seed: 5, durationUs: 20, warmupUs: 2, drainUs: 20,
      nic: { ackCount: 16, ackDelayCycles: 64, hbCommitDelayCycles: 4 },
      workload: { ratePct: 30, clients: 2, reply: 'snoop', retryUs: 20 },
      failover: { crashAtUs: 30, afterUs: 200, retryBudgetPct: 10, drainUs: 2000 },
    });
    const a = runFailover(sc, sc.failover!);
    console.log(formatFailover(a));
    expect(a.newLeader).toBeGreaterThan(0);
    expect(a.electedUs).toBeGreaterThan(100); // after one election timeout at least
    expect(a.firstCommitUs).toBeGreaterThanOrEqual(a.electedUs!);
    expect(a.firstCommitUs).toBeLessThan(1000);
    expect(a.fullThroughputUs).not.toBeNull();
    expect(a.lostRequests).toBe(0);
    expect(a.agreement).toBe(true);
    const b = runFailover(sc, sc.failover!);
    expect(b).toEqual(a);
  }, T);
});

describe('reads without the log and leadership transfer (RTL NICs)', () => {
  it('answers reads under the lease at once; after a transfer the new leader answers and the old one refuses; the history stays linearizable', () => {
    const seed = seedFor(600);
    const rc = make({ replicas: 3, seed });
    try {
      underLoad(rc);
      const vias: string[] = [];
      for (let k = 0; k < 20; k++) {
        rc.readAt(0, `k${k % 3}`, (v) => vias.push(v));
        rc.run(rc.us(5));
      }
      rc.run(rc.us(50));
      expect(vias.length).toBe(20);
      expect(vias.filter((v) => v === 'lease').length).toBeGreaterThan(15);
      // hand leadership to node 2 (core id 3): the target catches up, campaigns at once
      rc.hosts[0]!.replica!.request({ kind: 'transfer', to: 3 });
      expect(rc.runUntil(() => rc.leader() === 2, rc.us(500)), rc.statusLines().join('\n')).toBe(true);
      rc.run(rc.us(50));
      const after: string[] = [];
      for (let k = 0; k < 10; k++) {
        rc.readAt(2, `k${k % 3}`, (v) => after.push(v));
        rc.readAt(0, `k${k % 3}`, (v) => after.push(`old:${v}`));
        rc.run(rc.us(10));
      }
      rc.run(rc.us(100));
      expect(after.filter((v) => v === 'old:refused').length).toBe(10); // the old leader no longer answers
      expect(after.filter((v) => v === 'lease' || v === 'quorum').length).toBe(10);
      console.log(`reads: ${JSON.stringify(rc.readsVia)}`);
      verify(rc, `reads-transfer-s${seed}`);
    } finally {
      rc.destroy();
    }
  }, T);
});
