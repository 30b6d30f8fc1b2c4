// Follower reads on RTL NICs (issue 19): the KV clients send gets round robin to every replica
// (KvClient readFrom 'any'); followers answer under their read leases, refusals fall back to the
// leader; a follower crashes under load (the leases drain, writes go on with a majority, gets go to
// the leader) and restarts (leases again); with 3 and 5 replicas the history stays linearizable and
// the replicas agree.
// Seeds: SEED=n replays.
import { beforeAll, describe, expect, it } from 'vitest';
import { libraryPath } from '../../native/build.js';
import { RaftCluster } from '../../sim/raft-host.js';
import { parseJsonHistory } from '../../verify/check/parse.js';
import { checkOperations } from '../../verify/check/checker.js';
import { kvModel } from '../../verify/check/models.js';

const ENV_SEED = process.env.SEED ? Number(process.env.SEED) : undefined;

beforeAll(() => {
  libraryPath({ params: { PLANES: 2 } });
}, 900_000);

describe.each([3, 5])('follower reads on RTL NICs, %i replicas', (n) => {
  it('gets spread over the replicas, a follower crashes, the history is linearizable', () => {
    const seed = ENV_SEED ?? 300 + n;
    console.log(`seed ${seed} (replay: SEED=${seed} npx vitest run test/sim/raft-follower-reads.test.ts)`);
    const rc = new RaftCluster({ replicas: n, planes: 2, seed, kvClients: 4, workload: { clients: 1, ratePct: 0 }, raft: { followerReads: true } });
    try {
      rc.campaign(0);
      expect(rc.runUntil(() => rc.leader() >= 0, rc.us(2000))).toBe(true);
      rc.startKvWorkload({ keys: 3, readShare: 0.7, readFrom: 'any' });
      rc.run(rc.us(400));
      const mid = { ...rc.readPaths };
      expect(mid.replica, JSON.stringify(mid)).toBeGreaterThan(0);
      // a follower crashes: the leader stops granting, and once its lease ended writes go on with
      // a majority; every get falls back to the leader while a voter is missing (leases are all or
      // nothing: QUORUM counts, it cannot name the voters that must hold an entry)
      rc.cluster.addFault({ kind: 'crash', at: rc.cycle, node: n - 1 });
      rc.run(rc.us(300));
      const lead = rc.leader();
      expect(rc.hosts[lead]!.replica!.core.status().leases.mode).toBe('off');
      const down = { ...rc.readPaths };
      rc.run(rc.us(100));
      expect(rc.readPaths.leader).toBeGreaterThan(down.leader);
      // it restarts and catches up: leases go out again and replicas answer again
      rc.cluster.addFault({ kind: 'restart', at: rc.cycle, node: n - 1 });
      const back = { ...rc.readPaths };
      expect(rc.runUntil(() => rc.readPaths.replica > back.replica + 5, rc.us(3000))).toBe(true);
      expect(rc.finish(rc.us(3000))).toBe(true);
      rc.run(rc.us(200));
      expect(rc.ledgerViolations).toEqual([]);
      expect(rc.checkAgreement()).toBeUndefined();
      const h = parseJsonHistory(rc.historyJson(), `follower-reads-${n}.json`);
      const r = checkOperations(kvModel, h.ops, { timeoutMs: 30_000 });
      expect(r.verdict, JSON.stringify(r).slice(0, 400)).toBe('linearizable');
      expect(rc.outcomes.ok).toBeGreaterThan(50);
      console.log(`${n} replicas: gets answered by the leader ${rc.readPaths.leader}, by a replica ${rc.readPaths.replica}; ok ${rc.outcomes.ok}`);
    } finally {
      rc.destroy();
    }
  }, 180_000);
});
