// Follower reads in the daemon (issue 19): three daemons on loopback with followerReads on; the
// load generator sends its gets to any replica (`nicraft load --read-from any`); followers answer
// under their read leases, the history is linearizable, and a get with --any through the CLI's
// client path reports which replica answered.
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../ctrl/deploy/cluster.js';
import { finalReads, runLoad, Workload } from '../../ctrl/deploy/load.js';
import { ClientPool } from '../../ctrl/deploy/udp-client.js';
import { checkHistory, makeCluster, removeTempDirs } from './harness.js';

const clusters: LocalCluster[] = [];
afterAll(async () => {
  for (const lc of clusters) await lc.stopAll('SIGKILL');
  removeTempDirs();
});

describe('deployment: follower reads', () => {
  it('model backend: gets from any replica, answered by followers under leases, linearizable', async () => {
    const lc = await makeCluster('reads', { backend: 'model', overrides: { followerReads: true } });
    clusters.push(lc);
    await lc.startAll();
    await lc.waitLeader();
    const w = new Workload();
    const pool = await ClientPool.open(lc.cluster, { attemptTimeoutMs: 300, maxAttempts: 60, readFrom: 'any' });
    try {
      const r = await runLoad(pool, { clients: 6, durationS: 3, keys: 4, readShare: 0.9, mix: 'mixed', valueBytes: 16 }, w);
      expect(r.ops.indeterminate).toBe(0);
      const sts = await Promise.all([1, 2, 3].map((id) => lc.status(id)));
      expect(r.readPaths.replica, `${JSON.stringify(r.readPaths)} ${JSON.stringify(sts.map((x) => ({ role: x?.role, leases: (x as unknown as { leases?: unknown })?.leases, reads: (x as unknown as { counters?: { reads?: unknown } })?.counters?.reads })))}`).toBeGreaterThan(0);
      console.log(`daemons: gets answered by the leader ${r.readPaths.leader}, by a replica ${r.readPaths.replica}; ${r.opsPerSec.toFixed(0)} ops/s`);
      const reads = await finalReads(pool, w, 4);
      expect(reads.notOk).toBe(0);
      const c = checkHistory(w);
      expect(c.verdict, c.detail).toBe('linearizable');
      // one get through a pool client with readFrom any: the outcome names the path
      const pc = pool.client();
      const paths = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const o = await pc.invoke({ op: 'get', key: 'nothing' });
        if (o.kind === 'ok') paths.add(o.path);
      }
      pc.close();
      expect(paths.has('replica')).toBe(true);
      const st = await lc.status((await lc.leader())!);
      expect(st).toBeDefined();
    } finally {
      pool.close();
    }
  }, 90_000);
});
