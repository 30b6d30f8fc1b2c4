// A node whose WAL is corrupt in the middle refuses to start (exit 2, one line naming the file,
// offset and record, the WAL left as it was); `nicraft node --rejoin` discards its log (kept
// aside), keeps its term and vote from the hard state file, and rejoins as a member that neither
// votes nor asks for votes until it has caught up: with only it and one other node up, no leader
// is elected (the other node's vote requests are dropped and counted); once the third node is
// back, a leader is elected, the rejoined node catches up (by snapshot: the others compacted),
// says "rejoin complete" and votes again. Nothing acknowledged is lost, the history is linearizable.
// Then the same node with its hard state lost too: --rejoin refuses without --min-term, and with it
// starts at that term.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../ctrl/deploy/cluster.js';
import { finalReads, runLoad, verifyAppends, Workload } from '../../ctrl/deploy/load.js';
import { ClientPool } from '../../ctrl/deploy/udp-client.js';
import { checkHistory, makeCluster, removeTempDirs, sleep } from './harness.js';

const clusters: LocalCluster[] = [];
afterAll(async () => {
  for (const lc of clusters) await lc.stopAll('SIGKILL');
  removeTempDirs();
});

const KEYS = 6;

async function waitExit(lc: LocalCluster, id: number, timeoutMs = 30_000): Promise<number | null> {
  const until = Date.now() + timeoutMs;
  while (!lc.exits.has(id)) {
    if (Date.now() > until) throw new Error(`n${id} did not exit`);
    await sleep(50);
  }
  return lc.exits.get(id)!;
}

interface RejoinStatus { rejoining: boolean; rejoin: { votesDropped: number; completedAtMs: number }; term: number; vote: number; role: string; recovering: boolean; commit: number }

describe('deployment: a corrupt WAL, then --rejoin', () => {
  it('refuses to start on corruption; --rejoin catches up as a non-voter, then votes again; nothing acknowledged is lost', async () => {
    const lc = await makeCluster('rejoin', { backend: 'model', overrides: { storage: { snapshotEveryEntries: 300 } } });
    clusters.push(lc);
    await lc.startAll();
    const leader = await lc.waitLeader();
    const w = new Workload();
    const pool = await ClientPool.open(lc.cluster, { attemptTimeoutMs: 300, maxAttempts: 80 });
    const log: string[] = [];
    const t0 = Date.now();
    const mark = (s: string): void => { log.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${s}`); };
    try {
      const r1 = await runLoad(pool, { clients: 6, durationS: 4, keys: KEYS, readShare: 0.3, mix: 'mixed', valueBytes: 24 }, w);
      mark(`load: ${r1.ops.completed} ops`);
      const victim = lc.ids.find((id) => id !== leader)!;
      const other = lc.ids.find((id) => id !== leader && id !== victim)!;
      const before = (await lc.status(victim))!;
      await lc.kill(victim, 'SIGTERM');
      // 64 bytes of garbage in the middle of the WAL
      const wal = lc.walPath(victim);
      const b = readFileSync(wal);
      const at = Math.floor(b.length / 2);
      for (let i = 0; i < 64; i++) b[at + i] = (i * 73 + 5) & 0xff;
      writeFileSync(wal, b);
      mark(`n${victim} stopped at term ${before.term}, 64 bytes of its ${b.length}-byte WAL overwritten at ${at}`);

      // a plain start refuses: exit 2, one line, the WAL unchanged
      lc.start(victim);
      expect(await waitExit(lc, victim)).toBe(2);
      const line = lc.logText(victim).split('\n').find((l) => l.startsWith('nicraft node: '))!;
      mark(`n${victim}: ${line}`);
      expect(line).toMatch(new RegExp(`^nicraft node: ${wal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: corrupt record \\d+ at offset \\d+ \\(.*\\); \\d+ valid records follow it .*--rejoin`));
      expect(readFileSync(wal)).toEqual(b);

      // the leader goes too: the rejoining node and the third one must not elect anyone
      await lc.kill(leader, 'SIGKILL');
      lc.start(victim, {}, ['--rejoin']);
      await lc.waitUp(victim);
      await sleep(2500); // more than 4 election timeouts
      const st = (await lc.status(victim)) as unknown as RejoinStatus;
      const noLeader = await lc.leader();
      mark(`only n${victim} (rejoining) and n${other} up for 2.5 s: leader ${noLeader ?? 'none'}, n${victim} term ${st.term} vote ${st.vote}, ${st.rejoin.votesDropped} vote messages dropped`);
      expect(noLeader).toBeUndefined();
      expect(st.rejoining).toBe(true);
      expect(st.term).toBeGreaterThanOrEqual(before.term); // kept from the hard state file
      expect(st.rejoin.votesDropped).toBeGreaterThan(0);
      expect(lc.logText(victim)).toMatch(/rejoin: local log discarded \(kept as .*wal\.discarded-\d+\); term \d+ vote \d+ kept from/);

      // the old leader comes back: a leader is elected, the rejoined node catches up and votes again
      lc.start(leader);
      await lc.waitUp(leader);
      const l2 = await lc.waitLeader(20_000);
      mark(`n${l2} leads`);
      const r2 = await runLoad(pool, { clients: 6, durationS: 3, keys: KEYS, readShare: 0.3, mix: 'mixed', valueBytes: 24 }, w);
      mark(`load: ${r2.ops.completed} ops`);
      const until = Date.now() + 20_000;
      let s2: RejoinStatus;
      for (;;) {
        s2 = (await lc.status(victim)) as unknown as RejoinStatus;
        if (s2 && !s2.rejoining) break;
        if (Date.now() > until) throw new Error(`n${victim} did not complete its rejoin: ${JSON.stringify(s2)}`);
        await sleep(100);
      }
      const done = lc.logText(victim).split('\n').find((l) => l.includes('rejoin complete'))!;
      mark(`n${victim}: ${JSON.parse(done).msg}`);
      expect(s2.commit).toBeGreaterThan(0);
      // a voter again: it takes part in the next election (the leader steps down: SIGKILL)
      await lc.kill(l2, 'SIGKILL');
      const l3 = await lc.waitLeader(20_000);
      mark(`n${l2} killed, n${l3} leads`);
      lc.start(l2);
      await lc.waitUp(l2);

      await finalReads(pool, w, KEYS);
      expect(await verifyAppends(pool, w)).toEqual([]);
      const h = checkHistory(w);
      mark(`history: ${h.ops} ops: ${h.verdict}`);
      expect(h.verdict, h.detail).toBe('linearizable');

      // the hard state lost too: --rejoin needs --min-term
      const maxTerm = Math.max(...(await Promise.all(lc.ids.map((id) => lc.status(id)))).map((s) => s?.term ?? 0));
      await lc.kill(victim, 'SIGTERM');
      const dir = join(lc.configs.get(victim)!.dataDir);
      rmSync(join(dir, 'hardstate'));
      lc.start(victim);
      expect(await waitExit(lc, victim)).toBe(2);
      expect(lc.logText(victim)).toMatch(/hardstate: missing, but .*wal holds \d+ bytes of records: the term and vote are lost/);
      lc.start(victim, {}, ['--rejoin']);
      expect(await waitExit(lc, victim)).toBe(2);
      expect(lc.logText(victim)).toMatch(/give --min-term N with N the highest term any member reports/);
      lc.start(victim, {}, ['--rejoin', '--min-term', String(maxTerm)]);
      await lc.waitUp(victim);
      const until2 = Date.now() + 20_000;
      for (;;) {
        const s3 = (await lc.status(victim)) as unknown as RejoinStatus;
        if (s3 && !s3.rejoining && s3.term >= maxTerm) break;
        if (Date.now() > until2) throw new Error(`n${victim} did not complete its second rejoin: ${JSON.stringify(s3)}`);
        await sleep(100);
      }
      mark(`hard state removed: refused, then --rejoin --min-term ${maxTerm}: rejoined`);
      console.log(log.join('\n'));
    } finally {
      pool.close();
    }
  }, 150_000);
});
