// Three daemons on loopback (real processes, UDP planes, WAL files), the load generator running
// while (1) the leader is killed with SIGKILL and restarted, (2) one plane's sockets are blocked on
// every node, (3) a follower is killed and its WAL's last record damaged and followed by garbage
// (what a crash in the middle of a write can leave: cut off; corruption in the middle is
// test/deploy/rejoin.test.ts). Then every node is killed at once and restarted. Checked: the
// recorded history is linearizable (it ends with a read of every key), every acknowledged append
// is present after the restart of all nodes, the nodes' WALs agree on the committed prefix, and the
// damaged node said in its log that it truncated the torn tail and rejoined.
//
// Snapshots are on (every 1000 entries), so restarts also replay a snapshot and WALs get compacted.
//
// The verilated variant (once, shorter) runs when the two-plane simulation library is built
// (`make build` builds it; CI runs `make test`), or with DEPLOY_VERILATED=1 (builds it, ~2 min).
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDir } from '../../native/build.js';
import type { LocalCluster } from '../../ctrl/deploy/cluster.js';
import { finalReads, runLoad, verifyAppends, Workload, type LoadResult } from '../../ctrl/deploy/load.js';
import { ClientPool } from '../../ctrl/deploy/udp-client.js';
import { checkHistory, compareWals, makeCluster, removeTempDirs, sleep } from './harness.js';

const clusters: LocalCluster[] = [];
afterAll(async () => {
  for (const lc of clusters) await lc.stopAll('SIGKILL');
  removeTempDirs();
});

const KEYS = 6;

async function waitCaughtUp(lc: LocalCluster, id: number, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const l = await lc.leader();
    const [ls, s] = await Promise.all([l ? lc.status(l) : undefined, lc.status(id)]);
    if (ls && s && s.role === 'follower' && !s.recovering && s.commit >= ls.commit - 2 && s.lead === ls.id) return;
    if (Date.now() > until) throw new Error(`n${id} did not catch up: ${JSON.stringify({ leader: ls && { id: ls.id, commit: ls.commit }, node: s && { role: s.role, commit: s.commit, recovering: s.recovering } })}`);
    await sleep(100);
  }
}

/** Runs the load while `faults` runs; returns the load's result. */
async function loadDuring(lc: LocalCluster, w: Workload, durationS: number, clients: number, faults: () => Promise<void>): Promise<LoadResult> {
  const pool = await ClientPool.open(lc.cluster, { attemptTimeoutMs: 300, maxAttempts: 60 });
  try {
    const [r] = await Promise.all([runLoad(pool, { clients, durationS, keys: KEYS, readShare: 0.4, mix: 'mixed', valueBytes: 24 }, w), faults()]);
    return r;
  } finally {
    pool.close();
  }
}

async function restartAllAndVerify(lc: LocalCluster, w: Workload): Promise<{ appendsChecked: number; problems: string[] }> {
  await lc.stopAll('SIGKILL');
  await lc.startAll();
  await lc.waitLeader(30_000);
  const pool = await ClientPool.open(lc.cluster, { attemptTimeoutMs: 300, maxAttempts: 60 });
  try {
    const reads = await finalReads(pool, w, KEYS);
    expect(reads.notOk).toBe(0);
    const problems = await verifyAppends(pool, w);
    return { appendsChecked: [...w.ackedAppends.values()].reduce((a, l) => a + l.length, 0), problems };
  } finally {
    pool.close();
  }
}

describe('deployment: daemons on loopback', () => {
  it('model backend: leader SIGKILL + restart, a plane blocked, a corrupt WAL tail, all nodes killed: linearizable, durable, logs agree', async () => {
    // snapshots every 1000 entries: restarts replay a snapshot, the WALs are compacted
    const lc = await makeCluster('deploy', { backend: 'model', overrides: { storage: { snapshotEveryEntries: 1000 } } });
    clusters.push(lc);
    await lc.startAll();
    const first = await lc.waitLeader();
    // the injection endpoints are off unless debug.frameInjection says otherwise (frame-auth.test.ts uses them)
    for (const [path, method] of [['/debug/inject?plane=0&from=127.0.0.1:1', 'POST'], ['/debug/captured?plane=0', 'GET']] as const) {
      const r = await fetch(lc.httpUrl(first, path), { method, signal: AbortSignal.timeout(2000) });
      expect(r.status, `${method} ${path}`).toBe(403);
    }
    const w = new Workload();
    const timeline: string[] = [];
    const t0 = Date.now();
    const mark = (s: string): void => { timeline.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${s}`); };

    // phase 1: the leader dies (SIGKILL) under load and comes back
    const r1 = await loadDuring(lc, w, 7, 6, async () => {
      await sleep(1500);
      mark(`SIGKILL leader n${first}`);
      await lc.kill(first, 'SIGKILL');
      const next = await lc.waitLeader(15_000);
      mark(`n${next} leads`);
      await sleep(1000);
      lc.start(first);
      await lc.waitUp(first);
      mark(`n${first} restarted`);
      await waitCaughtUp(lc, first);
      mark(`n${first} caught up`);
    });
    mark(`phase 1 load: ${r1.ops.completed} completed, ${r1.ops.indeterminate} indeterminate, ${r1.opsPerSec.toFixed(0)} ops/s`);
    expect(r1.ops.completed).toBeGreaterThan(50);

    // phase 2: plane 0 blocked on every node (its sockets drop everything), then back
    let during = 0;
    const r2 = await loadDuring(lc, w, 5, 6, async () => {
      await sleep(800);
      for (const id of lc.ids) await lc.blockPlane(id, 0, true);
      mark('plane 0 blocked on every node');
      const before = (await lc.status((await lc.leader())!))!.commit;
      await sleep(2500);
      const l = await lc.leader();
      const st = await Promise.all(lc.ids.map((id) => lc.status(id)));
      during = (await lc.status(l!))!.commit - before;
      for (const s of st) expect(s!.planes[0]!.health).toBe('blocked');
      for (const id of lc.ids) await lc.blockPlane(id, 0, false);
      mark(`plane 0 unblocked (${during} entries committed while it was blocked)`);
    });
    mark(`phase 2 load: ${r2.ops.completed} completed, ${r2.ops.indeterminate} indeterminate, ${r2.opsPerSec.toFixed(0)} ops/s`);
    expect(during).toBeGreaterThan(20); // the other plane carried the cluster, no failover needed
    expect(r2.ops.indeterminate).toBe(0);

    // phase 3: a follower dies, its WAL gets a corrupt tail on disk, it restarts and rejoins
    const leader = await lc.leader();
    const victim = lc.ids.find((id) => id !== leader)!;
    await lc.kill(victim, 'SIGKILL');
    const wal = lc.walPath(victim);
    const b = readFileSync(wal);
    b[b.length - 3] ^= 0x5a; // inside the last record
    writeFileSync(wal, b);
    appendFileSync(wal, Buffer.from('\x00\x00\x00\x10garbage that is not a record'));
    mark(`n${victim} killed, WAL tail corrupted (${b.length} bytes + garbage)`);
    const r3 = await loadDuring(lc, w, 3, 4, async () => {
      await sleep(500);
      lc.start(victim);
      await lc.waitUp(victim);
      await waitCaughtUp(lc, victim);
      mark(`n${victim} rejoined`);
    });
    mark(`phase 3 load: ${r3.ops.completed} completed`);
    const log = lc.logText(victim);
    expect(log).toMatch(/WAL: torn tail truncated/); // the final record fails its CRC and nothing valid follows: a torn write
    const line = log.split('\n').find((l) => l.includes('tail truncated'))!;
    expect(JSON.parse(line).droppedBytes).toBeGreaterThan(20);

    // every node killed at once, restarted from its WAL: nothing acknowledged is lost
    const v = await restartAllAndVerify(lc, w);
    mark(`all nodes SIGKILLed and restarted; ${v.appendsChecked} acknowledged appends checked`);
    expect(v.problems).toEqual([]);

    const h = checkHistory(w);
    mark(`history: ${h.ops} ops over ${h.keys} keys: ${h.verdict}`);
    console.log(timeline.join('\n'));
    expect(h.verdict, h.detail).toBe('linearizable');

    await lc.stopAll('SIGTERM');
    const cmp = compareWals(lc);
    console.log(`WALs: commit ${cmp.commits.join(' / ')}, ${cmp.compared} committed indexes compared (the rest is in snapshots), ${cmp.kvCompared + 1} KV states compared`);
    expect(cmp.problems).toEqual([]);
    expect(cmp.kvCompared).toBeGreaterThanOrEqual(1); // at least two nodes stopped at the same commit index
    for (const id of lc.ids) {
      expect(lc.logText(id)).toContain('"msg":"stopped"');
      expect(lc.logText(id)).toContain('WAL: compacted at a snapshot');
    }
  }, 150_000);

  const verilatedBuilt = existsSync(`${buildDir({ params: { PLANES: 2 } })}/libnicraft_sim.so`);
  it.runIf(verilatedBuilt || process.env.DEPLOY_VERILATED === '1')('verilated backend: leader SIGKILL + restart, then a plane blocked, under load: linearizable, logs agree', async () => {
    const lc = await makeCluster('deploy-v', { backend: 'verilated' });
    clusters.push(lc);
    await lc.startAll(240_000);
    const first = await lc.waitLeader(30_000);
    const w = new Workload();
    const r = await loadDuring(lc, w, 7, 4, async () => {
      await sleep(1500);
      await lc.kill(first, 'SIGKILL');
      await lc.waitLeader(15_000);
      lc.start(first);
      await lc.waitUp(first, 60_000);
      await waitCaughtUp(lc, first);
    });
    // then plane 1 is cut on every node for 1.5 s, under a load of its own (the restart above can
    // take longer than the first load on a busy machine)
    const r2 = await loadDuring(lc, w, 4, 4, async () => {
      await sleep(800);
      for (const id of lc.ids) await lc.blockPlane(id, 1, true);
      const l = (await lc.leader())!;
      const before = (await lc.status(l))!.commit;
      await sleep(1500);
      expect((await lc.status(l))!.commit).toBeGreaterThan(before);
      for (const id of lc.ids) await lc.blockPlane(id, 1, false);
    });
    console.log(`verilated: ${r.ops.completed} completed, ${r.ops.indeterminate} indeterminate, ${r.opsPerSec.toFixed(0)} ops/s, p50 ${r.latencyUs.p50} us; plane 1 cut: ${r2.ops.completed} completed, ${r2.ops.indeterminate} indeterminate`);
    expect(r.ops.completed).toBeGreaterThan(20);
    expect(r2.ops.completed).toBeGreaterThan(20);
    const pool = await ClientPool.open(lc.cluster, { attemptTimeoutMs: 300, maxAttempts: 60 });
    try {
      await finalReads(pool, w, KEYS);
      expect(await verifyAppends(pool, w)).toEqual([]);
    } finally {
      pool.close();
    }
    const h = checkHistory(w);
    expect(h.verdict, h.detail).toBe('linearizable');
    await lc.stopAll('SIGTERM');
    expect(compareWals(lc).problems).toEqual([]);
  }, 300_000);
});
