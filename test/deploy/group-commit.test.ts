// Group commit in the daemon's WAL (FileStorage.saveGrouped, issue 20): one fdatasync covers every
// batch written while the previous one ran, the next starts as soon as the running one completes
// (no fixed delay); with syncsInFlight > 1 a batch starts its own fdatasync while fewer run, and
// one that ends covers every batch written before it started, whatever the order they end in; a
// batch without entries starts none of its own, a batch's durability callback
// fires only after an fdatasync that started after
// its write completed, a synchronous save covers the grouped batches written before it, and the
// entries-per-fdatasync histogram counts what each fdatasync covered. The reply side (a reply
// only once its entry is durable on a quorum) is checked end to end by test/deploy/cluster.test.ts
// (every node killed at once, every acknowledged append present after the restart).
import { afterAll, describe, expect, it } from 'vitest';
import type { Entry } from '../../ctrl/core/types.js';
import { fdatasyncSync } from 'node:fs';
import { ENTRIES_PER_SYNC_BOUNDS, FileStorage, readWal } from '../../ctrl/daemon/file-storage.js';
import { removeTempDirs, tempDir } from './harness.js';

afterAll(() => removeTempDirs());

function entry(index: number, term: number): Entry {
  return { index, term, frame: new Uint8Array(64).fill(index & 0xff) };
}

/** The bucket of ENTRIES_PER_SYNC_BOUNDS an fdatasync of n entries counts in. */
const bucket = (n: number): number => {
  let b = 0;
  while (b < ENTRIES_PER_SYNC_BOUNDS.length && n > ENTRIES_PER_SYNC_BOUNDS[b]!) b++;
  return b;
};

describe('WAL group commit', () => {
  it('one at a time: one fdatasync covers every batch written while the previous one ran; callbacks only after their fdatasync', async () => {
    const dir = tempDir('group');
    const s = new FileStorage(dir, { identity: { clusterId: 7, nodeId: 1 }, syncsInFlight: 1 });
    s.load();
    s.save({ hardState: { term: 1, vote: 1, commit: 0 }, entries: [] });
    const done: number[] = [];
    const syncsAtDone = new Map<number, number>();
    const mark = (k: number) => () => { done.push(k); syncsAtDone.set(k, s.stats.groupSyncs); };
    // batch 1 starts an fdatasync at once
    expect(s.saveGrouped({ entries: [entry(1, 1), entry(2, 1)] }, mark(1))).toBe(true);
    // batches 2..4 are written while it runs: they wait for the next one
    expect(s.saveGrouped({ entries: [entry(3, 1)] }, mark(2))).toBe(true);
    expect(s.saveGrouped({ entries: [entry(4, 1), entry(5, 1)] }, mark(3))).toBe(true);
    expect(s.saveGrouped({ entries: [], hardState: { term: 1, vote: 1, commit: 3 } }, mark(4))).toBe(true);
    expect(done).toEqual([]); // never called before an fdatasync completed
    expect(s.unsynced).toBe(4);
    const until = Date.now() + 10_000;
    while (done.length < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 1));
    expect(done).toEqual([1, 2, 3, 4]);
    // batch 1 by the first fdatasync, batches 2..4 together by the second
    expect(syncsAtDone.get(1)).toBe(1);
    expect([2, 3, 4].map((k) => syncsAtDone.get(k))).toEqual([2, 2, 2]);
    expect(s.stats.groupSyncs).toBe(2);
    expect(s.stats.groupSyncBatches).toBe(4);
    expect(s.unsynced).toBe(0);
    const want = new Array<number>(ENTRIES_PER_SYNC_BOUNDS.length + 1).fill(0);
    for (const n of [0, 2, 3]) want[bucket(n)]!++; // the hard state's save, then entries 1-2, then 3-5
    expect(s.entriesPerSync).toEqual(want);
    expect(s.stats.syncedEntries).toBe(5);
    // everything is in the WAL, in order
    s.close();
    const r = readWal(`${dir}/wal`);
    expect(r.state.entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
    expect(r.state.hardState.commit).toBe(3);
  });

  it('a batch without entries (only the commit index moved) starts no fdatasync: it rides on the next one entries need', async () => {
    const dir = tempDir('group-commit-only');
    const s = new FileStorage(dir, { identity: { clusterId: 7, nodeId: 1 } });
    s.load();
    s.save({ hardState: { term: 1, vote: 1, commit: 0 }, entries: [] });
    const done: number[] = [];
    expect(s.saveGrouped({ entries: [], hardState: { term: 1, vote: 1, commit: 0 } }, () => done.push(1))).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.stats.groupSyncs).toBe(0); // nothing needed it
    expect(s.unsynced).toBe(1);
    expect(s.saveGrouped({ entries: [entry(1, 1)] }, () => done.push(2))).toBe(true);
    const until = Date.now() + 10_000;
    while (done.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 1));
    expect(done).toEqual([1, 2]);
    expect(s.stats.groupSyncs).toBe(1); // one fdatasync covered both
    s.close();
  });

  it('a synchronous save covers the grouped batches written before it; term/vote changes are never grouped', async () => {
    const dir = tempDir('group-sync');
    const s = new FileStorage(dir, { identity: { clusterId: 7, nodeId: 1 } });
    s.load();
    s.save({ hardState: { term: 1, vote: 1, commit: 0 }, entries: [] });
    const done: number[] = [];
    expect(s.saveGrouped({ entries: [entry(1, 1)] }, () => done.push(1))).toBe(true);
    expect(s.saveGrouped({ entries: [entry(2, 1)] }, () => done.push(2))).toBe(true);
    // a new term is not grouped (the caller saves it synchronously)
    expect(s.saveGrouped({ entries: [], hardState: { term: 2, vote: 1, commit: 0 } }, () => done.push(9))).toBe(false);
    const syncs = s.stats.syncs;
    s.save({ hardState: { term: 2, vote: 1, commit: 0 }, entries: [entry(3, 2)] });
    expect(s.stats.syncs).toBe(syncs + 1);
    // its fdatasync made the two grouped batches durable as well
    expect(done).toEqual([1, 2]);
    expect(s.unsynced).toBe(0);
    // the fdatasync that was running completes later and calls nothing again
    await new Promise((r) => setTimeout(r, 200));
    expect(done).toEqual([1, 2]);
    expect(s.stats.syncedEntries).toBe(3);
    s.close();
    expect(readWal(`${dir}/wal`).state.entries.map((e) => e.index)).toEqual([1, 2, 3]);
  });

  it('several at once: each batch starts its own fdatasync while fewer than syncsInFlight run; one that ends covers all written before it started, in any completion order', () => {
    const dir = tempDir('group-overlap');
    // fdatasyncs that complete when the test says (the real one runs first: the data is durable)
    const pending: Array<(err: NodeJS.ErrnoException | null) => void> = [];
    const s = new FileStorage(dir, {
      identity: { clusterId: 7, nodeId: 1 }, syncsInFlight: 3,
      asyncDatasync: (fd, cb) => { fdatasyncSync(fd); pending.push(cb); },
    });
    s.load();
    s.save({ hardState: { term: 1, vote: 1, commit: 0 }, entries: [] });
    const done: number[] = [];
    for (let k = 1; k <= 5; k++) expect(s.saveGrouped({ entries: [entry(k, 1)] }, () => done.push(k))).toBe(true);
    // batches 1, 2, 3 started one each; 4 and 5 wait for a free slot
    expect(pending.length).toBe(3);
    // the third (covering 1..3) ends first: 1..3 durable, in order; the next starts and covers 4..5
    pending[2]!(null);
    expect(done).toEqual([1, 2, 3]);
    expect(pending.length).toBe(4);
    // the first two end late: they cover nothing new and call nothing again
    pending[0]!(null);
    pending[1]!(null);
    expect(done).toEqual([1, 2, 3]);
    pending[3]!(null);
    expect(done).toEqual([1, 2, 3, 4, 5]);
    expect(s.unsynced).toBe(0);
    expect(s.stats.groupSyncs).toBe(4);
    expect(s.stats.syncedEntries).toBe(5); // each entry counted once
    const want = new Array<number>(ENTRIES_PER_SYNC_BOUNDS.length + 1).fill(0);
    for (const n of [0, 3, 0, 0, 2]) want[bucket(n)]!++; // the hard state's save, then per completion
    expect(s.entriesPerSync).toEqual(want);
    // a synchronous save while one runs makes it moot: its completion (or error) changes nothing
    expect(s.saveGrouped({ entries: [entry(6, 1)] }, () => done.push(6))).toBe(true);
    expect(pending.length).toBe(5);
    s.save({ hardState: { term: 2, vote: 1, commit: 0 }, entries: [] });
    expect(done).toEqual([1, 2, 3, 4, 5, 6]);
    pending[4]!(Object.assign(new Error('EBADF'), { code: 'EBADF' }));
    expect(done).toEqual([1, 2, 3, 4, 5, 6]);
    s.close();
    expect(readWal(`${dir}/wal`).state.entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('syncsInFlight outside 1..16 is refused with the field named', () => {
    for (const bad of [0, 17, 1.5]) {
      expect(() => new FileStorage(tempDir('group-bad'), { identity: { clusterId: 7, nodeId: 1 }, syncsInFlight: bad })).toThrow(/syncsInFlight must be an integer 1\.\.16/);
    }
  });
});
