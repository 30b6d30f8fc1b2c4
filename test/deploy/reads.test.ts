// Reads without the log in the daemon (issue 20): three daemons on loopback. With localReads on
// (the default) a read-only load leaves the leader's log where it was (no entry appended for a
// get) and /metrics counts the gets by path (lease or readindex, none through the log); a mixed
// load stays linearizable. The control: localReads off, the same read-only load appends one entry
// per get and /metrics counts them under path="log". With followerReads on and gets sent to any
// replica, the followers' path="follower" counts them. The leader's entries-per-fdatasync histogram
// (group commit) is in /metrics.
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../ctrl/deploy/cluster.js';
import { finalReads, runLoad, Workload } from '../../ctrl/deploy/load.js';
import { ClientPool } from '../../ctrl/deploy/udp-client.js';
import { checkHistory, makeCluster, removeTempDirs } from './harness.js';
import { MAX_PAYLOAD_LIMIT_BYTES } from '../../ctrl/daemon/config.js';

const clusters: LocalCluster[] = [];
afterAll(async () => {
  for (const lc of clusters) await lc.stopAll('SIGKILL');
  removeTempDirs();
});

const PATHS = ['lease', 'readindex', 'log', 'follower'] as const;
type Paths = Record<(typeof PATHS)[number], number>;

/** nicraft_reads_total by path, from a node's /metrics (every path must be there). */
async function readsByPath(lc: LocalCluster, id: number): Promise<Paths> {
  const text = await lc.metrics(id);
  const out = {} as Paths;
  for (const p of PATHS) {
    const m = new RegExp(`^nicraft_reads_total\\{node="${id}",path="${p}"\\} (\\d+)$`, 'm').exec(text);
    if (!m) throw new Error(`n${id} /metrics: no nicraft_reads_total for path ${p}`);
    out[p] = Number(m[1]);
  }
  return out;
}

const diff = (a: Paths, b: Paths): Paths => Object.fromEntries(PATHS.map((p) => [p, a[p] - b[p]])) as Paths;

/** A read-only load at the leader: the gets by path on the leader and its log's growth meanwhile. */
async function readOnly(lc: LocalCluster, w: Workload): Promise<{ gets: number; paths: Paths; logGrowth: number }> {
  const leader = (await lc.waitLeader())!;
  const pool = await ClientPool.open(lc.cluster, { attemptTimeoutMs: 300, maxAttempts: 60 });
  try {
    // every key written once first (recorded in the history), so the gets find values
    const c = pool.client();
    for (let k = 0; k < 4; k++) expect((await w.run(c, c.id, { op: 'put', key: w.key(k), value: new TextEncoder().encode(`v${k}`) })).kind).toBe('ok');
    c.close();
    const s0 = (await lc.status(leader))!;
    const p0 = await readsByPath(lc, leader);
    const r = await runLoad(pool, { clients: 4, durationS: 2, keys: 4, readShare: 1, mix: 'mixed', valueBytes: 16 }, w);
    const s1 = (await lc.status(leader))!;
    const p1 = await readsByPath(lc, leader);
    expect(s1.id).toBe(leader);
    expect(s1.term, 'no election during the read-only load').toBe(s0.term);
    expect(r.ops.indeterminate).toBe(0);
    return { gets: r.ops.completed, paths: diff(p1, p0), logGrowth: s1.lastIndex - s0.lastIndex };
  } finally {
    pool.close();
  }
}

describe('deployment: reads without the log', () => {
  it('model backend: gets at the leader append nothing (lease/readindex in /metrics); localReads off: one entry per get (path log)', async () => {
    const on = await makeCluster('reads-on', { backend: 'model' });
    clusters.push(on);
    await on.startAll();
    const w = new Workload();
    const a = await readOnly(on, w);
    console.log(`localReads on: ${a.gets} gets, by path ${JSON.stringify(a.paths)}, leader log grew by ${a.logGrowth}`);
    expect(a.gets).toBeGreaterThan(50);
    expect(a.logGrowth).toBe(0);
    expect(a.paths.log).toBe(0);
    expect(a.paths.lease + a.paths.readindex).toBe(a.gets);
    // a mixed load on the same cluster: linearizable
    const pool = await ClientPool.open(on.cluster, { attemptTimeoutMs: 300, maxAttempts: 60 });
    try {
      const r = await runLoad(pool, { clients: 6, durationS: 2, keys: 4, readShare: 0.5, mix: 'mixed', valueBytes: 16 }, w);
      expect(r.ops.completed).toBeGreaterThan(20);
      expect((await finalReads(pool, w, 4)).notOk).toBe(0);
    } finally {
      pool.close();
    }
    const c = checkHistory(w);
    expect(c.verdict, c.detail).toBe('linearizable');
    // group commit: the leader's entries-per-fdatasync histogram counted the writes
    const leader = (await on.leader())!;
    const mt = await on.metrics(leader);
    const hcount = Number(new RegExp(`^nicraft_storage_fsync_entries_count\\{node="${leader}"\\} (\\d+)$`, 'm').exec(mt)?.[1] ?? -1);
    const hsum = Number(new RegExp(`^nicraft_storage_fsync_entries_sum\\{node="${leader}"\\} (\\d+)$`, 'm').exec(mt)?.[1] ?? -1);
    console.log(`leader: ${hcount} fdatasyncs covered ${hsum} entries`);
    expect(hcount).toBeGreaterThan(0);
    expect(hsum).toBeGreaterThan(20);
    expect(mt).toMatch(/^nicraft_storage_fsyncs_per_second\{/m);
    // bundles (net.bundleBytes): the leader sent frames in bundles, and the followers took bundles in
    const sts = await Promise.all(on.ids.map((id) => on.status(id)));
    const planeSum = (st: unknown, k: string): number => ((st as { planes: Array<Record<string, number>> }).planes).reduce((a, p) => a + (p[k] ?? 0), 0);
    const ls = sts.find((x) => x?.id === leader)!;
    console.log(`leader: ${planeSum(ls, 'txFrames')} frames in ${planeSum(ls, 'txDatagrams')} datagrams; followers took ${sts.filter((x) => x?.id !== leader).map((x) => planeSum(x, 'rxBundles')).join(', ')} bundles`);
    expect(planeSum(ls, 'txBundled')).toBeGreaterThan(0);
    expect(planeSum(ls, 'txDatagrams')).toBeLessThan(planeSum(ls, 'txFrames'));
    expect(sts.filter((x) => x?.id !== leader).reduce((a, x) => a + planeSum(x, 'rxBundles'), 0)).toBeGreaterThan(0);
    await on.stopAll();

    const off = await makeCluster('reads-off', { backend: 'model', overrides: { localReads: false } });
    clusters.push(off);
    await off.startAll();
    const b = await readOnly(off, new Workload());
    console.log(`localReads off: ${b.gets} gets, by path ${JSON.stringify(b.paths)}, leader log grew by ${b.logGrowth}`);
    expect(b.gets).toBeGreaterThan(50);
    expect(b.paths.lease + b.paths.readindex + b.paths.follower).toBe(0);
    // every get completed was applied from the log (a retry's copy may add an entry, not a reply)
    expect(b.paths.log).toBe(b.gets);
    expect(b.logGrowth).toBeGreaterThanOrEqual(b.gets);
    await off.stopAll();
  }, 120_000);

  it('model backend: followerReads on, gets to any replica: the followers count them as path follower (1 KiB values: nic.maxPayloadBytes at its largest)', async () => {
    // the NICs built for frames up to 1,518 bytes (nic.maxPayloadBytes), so that 1 KiB values fit
    const lc = await makeCluster('reads-any', { backend: 'model', overrides: { followerReads: true, nic: { maxPayloadBytes: MAX_PAYLOAD_LIMIT_BYTES } } });
    clusters.push(lc);
    await lc.startAll();
    const leader = (await lc.waitLeader())!;
    const followers = lc.ids.filter((id) => id !== leader);
    const before = await Promise.all(followers.map((id) => readsByPath(lc, id)));
    const w = new Workload();
    const pool = await ClientPool.open(lc.cluster, { attemptTimeoutMs: 300, maxAttempts: 60, readFrom: 'any' }); // the payload size from cluster.yaml
    try {
      const r = await runLoad(pool, { clients: 4, durationS: 2, keys: 4, readShare: 0.9, mix: 'put', valueBytes: 1024 }, w); // puts (appends of 1 KiB would soon outgrow a frame)
      expect(r.ops.failed + r.ops.indeterminate, 'every 1 KiB put and get went through').toBe(0);
      expect(r.byOp.put?.count ?? 0).toBeGreaterThan(0);
      const after = await Promise.all(followers.map((id) => readsByPath(lc, id)));
      const byFollowers = after.reduce((s, a, i) => s + diff(a, before[i]!).follower, 0);
      console.log(`followerReads: ${r.readPaths.replica} gets answered by a replica (client's count), ${byFollowers} counted as path follower by the followers`);
      expect(r.readPaths.replica).toBeGreaterThan(0);
      expect(byFollowers).toBeGreaterThanOrEqual(r.readPaths.replica);
      expect((await finalReads(pool, w, 4)).notOk).toBe(0);
    } finally {
      pool.close();
    }
    const c = checkHistory(w);
    expect(c.verdict, c.detail).toBe('linearizable');
  }, 90_000);
});
