// FileStorage: the write-ahead log on disk (ctrl/daemon/file-storage.ts). Same bytes as MemStorage,
// durable batches, torn and corrupt tails cut off (and reported) on load and never applied, later
// writes after the last good record, compaction at a snapshot.
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemStorage } from '../../ctrl/core/memstore.js';
import type { Entry } from '../../ctrl/core/types.js';
import { FileStorage, readWal, type TailReport } from '../../ctrl/daemon/file-storage.js';
import { removeTempDirs, tempDir } from './harness.js';

afterAll(() => removeTempDirs());

function entry(index: number, term: number, fill = index): Entry {
  const frame = new Uint8Array(64).fill(fill & 0xff);
  return { index, term, frame };
}

function open(dir: string): { s: FileStorage; tails: TailReport[] } {
  const tails: TailReport[] = [];
  const s = new FileStorage(dir, { onTail: (t) => tails.push(t) });
  return { s, tails };
}

describe('FileStorage', () => {
  it('writes the bytes MemStorage holds and replays them', () => {
    const dir = tempDir('wal');
    const { s } = open(dir);
    const m = new MemStorage();
    expect(s.load().entries).toEqual([]);
    m.load();
    const batches = [
      { hardState: { term: 1, vote: 1, commit: 0 }, entries: [entry(1, 1), entry(2, 1)] },
      { entries: [entry(3, 1)], hardState: { term: 1, vote: 1, commit: 2 } },
      { truncateAfter: 2, entries: [entry(3, 2, 99)], hardState: { term: 2, vote: 2, commit: 2 } },
    ];
    for (const b of batches) { s.save(b); m.save(b); }
    s.close();
    expect(new Uint8Array(readFileSync(join(dir, 'wal')))).toEqual(m.bytes());
    const again = open(dir);
    const st = again.s.load();
    expect(again.tails).toEqual([]);
    expect(st.hardState).toEqual({ term: 2, vote: 2, commit: 2 });
    expect(st.entries.map((e) => [e.index, e.term, e.frame[0]])).toEqual([[1, 1, 1], [2, 1, 2], [3, 2, 99]]);
    expect(again.s.stats.bytes).toBe(m.bytes().length);
  });

  it('cuts a torn tail off at every cut point, reports it, and appends after the last good record', () => {
    const dir = tempDir('wal');
    const { s } = open(dir);
    s.load();
    s.save({ hardState: { term: 1, vote: 1, commit: 1 }, entries: [entry(1, 1)] });
    s.close();
    const good = statSync(join(dir, 'wal')).size;
    const full = readFileSync(join(dir, 'wal'));
    const two = new MemStorage();
    two.save({ entries: [entry(2, 1)], hardState: { term: 1, vote: 1, commit: 2 } });
    const tail = two.bytes();
    for (let cut = 1; cut < tail.length; cut += 7) {
      writeFileSync(join(dir, 'wal'), Buffer.concat([full, tail.subarray(0, cut)]));
      const o = open(dir);
      const st = o.s.load();
      // a cut inside the second record keeps the first (ENTRY 2) when it is whole
      expect(o.tails.length).toBe(1);
      expect(o.tails[0]!.tail).toBe('torn');
      expect(st.entries.length).toBeLessThanOrEqual(2);
      expect(st.hardState.commit).toBe(1);
      const size = statSync(join(dir, 'wal')).size;
      expect(size).toBe(o.tails[0]!.validBytes);
      expect(o.tails[0]!.droppedBytes).toBe(good + cut - size);
      o.s.save({ hardState: { term: 1, vote: 1, commit: 1 }, entries: [] });
      o.s.close();
      const r = readWal(join(dir, 'wal'));
      expect(r.tail).toBe('clean');
      truncateSync(join(dir, 'wal'), good);
    }
  });

  it('cuts a corrupt tail (flipped byte, garbage) off and never applies it', () => {
    const dir = tempDir('wal');
    const { s } = open(dir);
    s.load();
    s.save({ hardState: { term: 3, vote: 1, commit: 2 }, entries: [entry(1, 3), entry(2, 3)] });
    s.save({ entries: [entry(3, 3, 0x77)], hardState: { term: 3, vote: 1, commit: 3 } });
    s.close();
    const path = join(dir, 'wal');
    const b = readFileSync(path);
    b[b.length - 5] ^= 0xff; // in the body of the last record (the hard state with commit 3)
    writeFileSync(path, b);
    appendFileSync(path, Buffer.from('garbage garbage garbage garbage'));
    const o = open(dir);
    const st = o.s.load();
    expect(o.tails).toHaveLength(1);
    expect(o.tails[0]!.tail).toBe('corrupt');
    expect(st.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(st.hardState.commit).toBe(2);
    expect(readWal(path).tail).toBe('clean');
  });

  it('rewrites the file at a snapshot: snapshot, later entries, hard state', () => {
    const dir = tempDir('wal');
    const compactions: number[] = [];
    const s = new FileStorage(dir, { onCompact: (c) => compactions.push(c.snapshotIndex) });
    s.load();
    for (let i = 1; i <= 50; i++) s.save({ entries: [entry(i, 1)], hardState: { term: 1, vote: 1, commit: i - 1 } });
    const before = statSync(join(dir, 'wal')).size;
    s.save({ snapshot: { index: 40, term: 1, voters: [1, 2, 3], data: new Uint8Array([1, 2, 3]) }, entries: [] });
    expect(compactions).toEqual([40]);
    const after = statSync(join(dir, 'wal')).size;
    expect(after).toBeLessThan(before / 3);
    s.save({ entries: [entry(51, 2)], hardState: { term: 2, vote: 0, commit: 50 } });
    s.close();
    const st = open(dir).s.load();
    expect(st.snapshot?.index).toBe(40);
    expect([...st.snapshot!.data]).toEqual([1, 2, 3]);
    expect(st.entries.map((e) => e.index)).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51]);
    expect(st.hardState).toEqual({ term: 2, vote: 0, commit: 50 });
  });
});
