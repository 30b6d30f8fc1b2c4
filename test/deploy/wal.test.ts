// FileStorage: the write-ahead log and the hard state file on disk (ctrl/daemon/file-storage.ts).
// The WAL holds a header and then the bytes MemStorage holds; batches are durable; only a torn
// FINAL record is cut off on load (tried at every byte of the last record: cut there, or that
// byte flipped); a bad record followed by good ones, a bad first record, a missing or empty WAL
// next to a hard state (and the reverse), a hard state older than the WAL, a WAL of another
// cluster or node: the load refuses with one line naming the file, offset and record and changes
// nothing on disk. Term and vote live in the hard state file too, so they survive the WAL's loss
// and a rejoin keeps them; compaction at a snapshot.
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemStorage } from '../../ctrl/core/memstore.js';
import type { Entry, HardState } from '../../ctrl/core/types.js';
import { FileStorage, HS_SLOT_BYTES, prepareRejoin, readWal, WAL_HEADER_BYTES, WalError, type TailReport, type WalIdentity } from '../../ctrl/daemon/file-storage.js';
import { removeTempDirs, tempDir } from './harness.js';

afterAll(() => removeTempDirs());

const ID: WalIdentity = { clusterId: 7, nodeId: 2 };

function entry(index: number, term: number, fill = index): Entry {
  const frame = new Uint8Array(64).fill(fill & 0xff);
  return { index, term, frame };
}

function open(dir: string, identity: WalIdentity = ID): { s: FileStorage; tails: TailReport[] } {
  const tails: TailReport[] = [];
  const s = new FileStorage(dir, { identity, onTail: (t) => tails.push(t) });
  return { s, tails };
}

/** The load's error (it must throw a WalError). */
function loadError(dir: string, identity: WalIdentity = ID): WalError {
  const { s } = open(dir, identity);
  try {
    s.load();
  } catch (e) {
    s.close();
    if (e instanceof WalError) return e;
    throw e;
  }
  s.close();
  throw new Error(`load() of ${dir} did not refuse`);
}

/** A WAL of several batches; returns the directory and the offsets at which each record starts. */
function sample(): { dir: string; wal: string; starts: number[]; size: number } {
  const dir = tempDir('wal');
  const { s } = open(dir);
  s.load();
  s.save({ hardState: { term: 1, vote: 2, commit: 0 }, entries: [entry(1, 1), entry(2, 1)] });
  s.save({ entries: [entry(3, 1)], hardState: { term: 1, vote: 2, commit: 2 } });
  s.save({ entries: [entry(4, 2), entry(5, 2)], hardState: { term: 2, vote: 3, commit: 3 } });
  s.save({ entries: [entry(6, 2, 0x66)] });
  s.close();
  const wal = join(dir, 'wal');
  const b = readFileSync(wal);
  const starts: number[] = [];
  for (let off = WAL_HEADER_BYTES; off < b.length; off += 9 + b.readUInt32BE(off)) starts.push(off);
  return { dir, wal, starts, size: b.length };
}

function files(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('hex')]));
}

describe('FileStorage: format and replay', () => {
  it('a new directory gets a WAL header and a hard state; the records after the header are the bytes MemStorage holds', () => {
    const dir = tempDir('wal');
    const inits: number[] = [];
    const s = new FileStorage(dir, { identity: ID, onInit: (i) => inits.push(i.incarnation) });
    const m = new MemStorage();
    const st0 = s.load();
    expect(st0.entries).toEqual([]);
    expect(st0.hardState).toEqual({ term: 0, vote: 0, commit: 0 });
    expect(inits).toHaveLength(1);
    expect(statSync(join(dir, 'hardstate')).size).toBe(2 * HS_SLOT_BYTES);
    m.load();
    const batches = [
      { hardState: { term: 1, vote: 1, commit: 0 }, entries: [entry(1, 1), entry(2, 1)] },
      { entries: [entry(3, 1)], hardState: { term: 1, vote: 1, commit: 2 } },
      { truncateAfter: 2, entries: [entry(3, 2, 99)], hardState: { term: 2, vote: 2, commit: 2 } },
    ];
    for (const b of batches) { s.save(b); m.save(b); }
    s.close();
    const bytes = new Uint8Array(readFileSync(join(dir, 'wal')));
    expect(bytes.subarray(0, 8)).toEqual(new Uint8Array(Buffer.from('NICRAFTW')));
    expect(bytes.subarray(WAL_HEADER_BYTES)).toEqual(m.bytes());
    expect(s.stats.hardStateWrites).toBe(2); // term/vote changed twice; commit-only changes stay in the WAL
    const again = open(dir);
    const st = again.s.load();
    expect(again.tails).toEqual([]);
    expect(st.hardState).toEqual({ term: 2, vote: 2, commit: 2 });
    expect(st.entries.map((e) => [e.index, e.term, e.frame[0]])).toEqual([[1, 1, 1], [2, 1, 2], [3, 2, 99]]);
    expect(again.s.stats.bytes).toBe(WAL_HEADER_BYTES + m.bytes().length);
    expect(again.s.rejoining).toBe(false);
    again.s.close();
  });

  it('rewrites the file at a snapshot (header, snapshot, later entries, hard state) and replays it', () => {
    const dir = tempDir('wal');
    const compactions: number[] = [];
    const s = new FileStorage(dir, { identity: ID, onCompact: (c) => compactions.push(c.snapshotIndex) });
    s.load();
    for (let i = 1; i <= 50; i++) s.save({ entries: [entry(i, 1)], hardState: { term: 1, vote: 1, commit: i - 1 } });
    const before = statSync(join(dir, 'wal')).size;
    s.save({ snapshot: { index: 40, term: 1, voters: [1, 2, 3], data: new Uint8Array([1, 2, 3]) }, entries: [] });
    expect(compactions).toEqual([40]);
    const after = statSync(join(dir, 'wal')).size;
    expect(after).toBeLessThan(before / 3);
    s.save({ entries: [entry(51, 2)], hardState: { term: 2, vote: 0, commit: 50 } });
    s.close();
    const o = open(dir);
    const st = o.s.load();
    expect(st.snapshot?.index).toBe(40);
    expect([...st.snapshot!.data]).toEqual([1, 2, 3]);
    expect(st.entries.map((e) => e.index)).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51]);
    expect(st.hardState).toEqual({ term: 2, vote: 0, commit: 50 });
    expect(readWal(join(dir, 'wal')).verdict).toBe('clean');
    o.s.close();
  });
});

describe('FileStorage: a torn final record is cut off', () => {
  it('cut at every byte of the last record: the record is dropped, every earlier one kept, later writes follow them', () => {
    const { dir, wal, starts, size } = sample();
    const full = readFileSync(wal);
    const last = starts[starts.length - 1]!;
    let tried = 0;
    for (let cut = last + 1; cut < size; cut++) {
      writeFileSync(wal, full.subarray(0, cut));
      const o = open(dir);
      const st = o.s.load();
      expect(o.tails).toHaveLength(1);
      expect(o.tails[0]).toMatchObject({ tail: 'torn', why: 'short', validBytes: last, droppedBytes: cut - last, records: starts.length - 1 });
      expect(statSync(wal).size).toBe(last);
      expect(st.entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5]); // entry 6 was the last record
      expect(st.hardState).toEqual({ term: 2, vote: 3, commit: 3 });
      o.s.save({ entries: [entry(6, 2, 0x67)], hardState: { term: 2, vote: 3, commit: 4 } });
      o.s.close();
      const r = readWal(wal);
      expect(r.verdict).toBe('clean');
      expect(r.state.entries.map((e) => e.frame[0])).toEqual([1, 2, 3, 4, 5, 0x67]);
      tried++;
    }
    expect(tried).toBe(size - last - 1);
    // the cut at the record's first byte is a clean file
    writeFileSync(wal, full.subarray(0, last));
    expect(readWal(wal).verdict).toBe('clean');
  });

  it('each byte of the last record flipped (a checksum-failing or short final record): cut off, nothing after it applied', () => {
    const { dir, wal, starts, size } = sample();
    const full = readFileSync(wal);
    const last = starts[starts.length - 1]!;
    for (let at = last; at < size; at++) {
      const b = Buffer.from(full);
      b[at] ^= 0x20;
      writeFileSync(wal, b);
      const o = open(dir);
      const st = o.s.load();
      expect(o.tails, `byte ${at}`).toHaveLength(1);
      expect(o.tails[0]!.validBytes).toBe(last);
      expect(st.entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
      o.s.close();
    }
  });

  it('a torn tail never lowers the term or forgets a vote: the hard state file was written before the WAL', () => {
    const { dir, wal, starts } = sample();
    const o = open(dir);
    o.s.load();
    o.s.save({ hardState: { term: 5, vote: 1, commit: 3 }, entries: [] }); // the record that the crash tears
    o.s.close();
    const b = readFileSync(wal);
    writeFileSync(wal, b.subarray(0, b.length - 3));
    void starts;
    const again = open(dir);
    const st = again.s.load();
    expect(again.tails).toHaveLength(1);
    expect(st.hardState).toEqual({ term: 5, vote: 1, commit: 3 });
    again.s.close();
  });
});

describe('FileStorage: corruption refuses to start and changes nothing', () => {
  it('flipped bits in the middle: one line naming the file, offset and record; the following records are reported, nothing is truncated', () => {
    const { dir, wal, starts } = sample();
    const full = readFileSync(wal);
    // every record but the last, and in each: the length field, the CRC, the type, the body
    let tried = 0;
    for (let k = 0; k < starts.length - 1; k++) {
      const rec = starts[k]!;
      for (const at of [rec + 1, rec + 3, rec + 5, rec + 8, rec + 9, rec + 20, starts[k + 1]! - 1]) {
        if (at >= starts[k + 1]!) continue;
        const b = Buffer.from(full);
        b[at] ^= 0x04;
        writeFileSync(wal, b);
        const before = files(dir);
        const e = loadError(dir);
        expect(e.kind, `byte ${at}`).toBe('corrupt');
        expect(e.offset).toBe(rec);
        expect(e.record).toBe(k + 1);
        expect(e.message).not.toContain('\n');
        expect(e.message).toContain(`${wal}: corrupt record ${k + 1} at offset ${rec}`);
        expect(e.message).toMatch(/valid records follow it/);
        expect(e.message).toContain('--rejoin');
        expect(files(dir)).toEqual(before);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(20);
  });

  it('64 corrupt bytes in the middle (the issue\'s case): refused, the records after them are still on disk', () => {
    const { dir, wal, starts, size } = sample();
    const b = readFileSync(wal);
    const at = starts[2]! + 4;
    for (let i = 0; i < 64 && at + i < size; i++) b[at + i] = (i * 37 + 11) & 0xff;
    writeFileSync(wal, b);
    const e = loadError(dir);
    expect(e.kind).toBe('corrupt');
    expect(e.offset).toBe(starts[2]);
    expect(statSync(wal).size).toBe(size);
  });

  it('a bad first record (4 bytes of it corrupted): refused at offset 32, record 1', () => {
    const { dir, wal } = sample();
    for (const at of [WAL_HEADER_BYTES, WAL_HEADER_BYTES + 4, WAL_HEADER_BYTES + 12]) {
      const b = readFileSync(wal);
      const saved = Buffer.from(b);
      b.writeUInt32BE(0xdeadbeef, at);
      writeFileSync(wal, b);
      const e = loadError(dir);
      expect(e.kind).toBe('corrupt');
      expect(e.offset).toBe(WAL_HEADER_BYTES);
      expect(e.record).toBe(1);
      writeFileSync(wal, saved);
    }
    expect(readWal(wal).verdict).toBe('clean');
  });

  it('a record with a good CRC that cannot follow (a gap in the indexes) is corruption, not a torn tail', () => {
    const dir = tempDir('wal');
    const { s } = open(dir);
    s.load();
    s.save({ hardState: { term: 1, vote: 1, commit: 0 }, entries: [entry(1, 1)] });
    s.close();
    const m = new MemStorage();
    m.save({ entries: [entry(3, 1)] }); // index 3 after 1
    writeFileSync(join(dir, 'wal'), Buffer.concat([readFileSync(join(dir, 'wal')), m.bytes()]));
    const e = loadError(dir);
    expect(e.kind).toBe('corrupt');
    expect(e.message).toMatch(/valid CRC but not a record that can follow/);
  });

  it('the header: corrupt, or not a nicraft WAL (an older headerless file)', () => {
    const { dir, wal } = sample();
    const b = readFileSync(wal);
    b[20] ^= 1;
    writeFileSync(wal, b);
    expect(loadError(dir)).toMatchObject({ kind: 'header', offset: 0 });
    expect(loadError(dir).message).toMatch(/header fails its CRC/);
    writeFileSync(wal, b.subarray(WAL_HEADER_BYTES));
    expect(loadError(dir).message).toMatch(/no nicraft WAL header/);
  });
});

describe('FileStorage: missing, empty and foreign files', () => {
  it('a fresh node (no files) starts at term 0; a missing WAL next to a hard state is refused', () => {
    const { dir, wal } = sample();
    rmSync(wal);
    const e = loadError(dir);
    expect(e.kind).toBe('lost');
    expect(e.message).toContain(`${wal}: missing, but ${join(dir, 'hardstate')} exists (term 2)`);
    expect(existsSync(wal)).toBe(false);
    const fresh = tempDir('wal');
    const o = open(fresh);
    expect(o.s.load().hardState).toEqual({ term: 0, vote: 0, commit: 0 });
    o.s.close();
  });

  it('a missing hard state next to a WAL with records is refused; next to a header-only WAL it is an unfinished initialization', () => {
    const { dir } = sample();
    rmSync(join(dir, 'hardstate'));
    expect(loadError(dir).message).toMatch(/hardstate: missing, but .* holds \d+ bytes of records: the term and vote are lost/);
    const d2 = tempDir('wal');
    const o = open(d2);
    o.s.load();
    o.s.close();
    rmSync(join(d2, 'hardstate'));
    const again = open(d2);
    expect(again.s.load().hardState.term).toBe(0);
    again.s.close();
    expect(existsSync(join(d2, 'hardstate'))).toBe(true);
  });

  it('a zero-length WAL: refused next to a hard state (the log is lost); alone, an unfinished initialization', () => {
    const { dir, wal } = sample();
    writeFileSync(wal, Buffer.alloc(0));
    const e = loadError(dir);
    expect(e.kind).toBe('lost');
    expect(e.message).toContain(`${wal}: 0 bytes, shorter than its 32-byte header`);
    rmSync(join(dir, 'hardstate'));
    const o = open(dir);
    expect(o.s.load().hardState).toEqual({ term: 0, vote: 0, commit: 0 });
    o.s.close();
    expect(statSync(wal).size).toBe(WAL_HEADER_BYTES);
  });

  it('a WAL (and hard state) of another cluster or another node is refused, naming both', () => {
    const { dir } = sample();
    const e1 = loadError(dir, { clusterId: 8, nodeId: 2 });
    expect(e1.kind).toBe('foreign');
    expect(e1.message).toMatch(/of cluster 7 node 2, but this node is cluster 8 node 2/);
    const e2 = loadError(dir, { clusterId: 7, nodeId: 3 });
    expect(e2.message).toMatch(/of cluster 7 node 2, but this node is cluster 7 node 3/);
    // only the WAL copied from another node's directory (its own hard state kept)
    const other = tempDir('wal');
    const o = new FileStorage(other, { identity: { clusterId: 7, nodeId: 3 } });
    o.load();
    o.close();
    copyFileSync(join(other, 'wal'), join(dir, 'wal'));
    expect(loadError(dir).message).toMatch(/wal: a WAL of cluster 7 node 3, but this node is cluster 7 node 2/);
    // the same node's WAL from another life (another incarnation)
    const life = tempDir('wal');
    const l = open(life);
    l.s.load();
    l.s.close();
    copyFileSync(join(life, 'wal'), join(dir, 'wal'));
    expect(loadError(dir).message).toMatch(/not from the same life of this node/);
  });
});

describe('FileStorage: the hard state file', () => {
  it('falls back to the older slot after a torn hard-state write; a hard state older than the WAL is refused', () => {
    const { dir } = sample();
    const hs = join(dir, 'hardstate');
    const good = readFileSync(hs);
    // the newest slot is torn (a crash while writing it: the WAL has no record of that change)
    const o = open(dir);
    o.s.load();
    o.s.save({ hardState: { term: 9, vote: 9, commit: 3 }, entries: [] });
    o.s.close();
    const withNine = readFileSync(hs);
    const wal = join(dir, 'wal');
    const walNine = readFileSync(wal);
    writeFileSync(wal, walNine.subarray(0, walNine.length - 21)); // the batch's WAL record is gone too
    const torn = Buffer.from(withNine);
    const slot = torn.subarray(0, HS_SLOT_BYTES).toString('latin1').startsWith('NICRAFTH') && torn.readUInt32BE(24) === 9 ? 0 : 1;
    torn[slot * HS_SLOT_BYTES + 30] ^= 0xff;
    writeFileSync(hs, torn);
    const a = open(dir);
    expect(a.s.load().hardState).toEqual({ term: 2, vote: 3, commit: 3 });
    a.s.close();
    // a hard state file older than the WAL's last hard state: lost updates, refused
    const b = open(dir);
    b.s.load();
    b.s.save({ hardState: { term: 4, vote: 1, commit: 3 }, entries: [] });
    b.s.close();
    writeFileSync(hs, good); // term 2
    expect(loadError(dir).message).toMatch(/hardstate: term 2 vote 3 is older than the WAL's last hard state \(term 4 vote 1\)/);
    // both slots bad
    writeFileSync(hs, Buffer.alloc(2 * HS_SLOT_BYTES, 0x55));
    expect(loadError(dir).message).toMatch(/no valid copy of the hard state/);
  });
});

describe('prepareRejoin (nicraft node --rejoin)', () => {
  it('keeps term and vote from the hard state, keeps the old WAL aside, starts empty and marked as rejoining until cleared', () => {
    const { dir, wal, starts } = sample();
    const b = readFileSync(wal);
    b[starts[1]! + 10] ^= 0xff; // corrupt in the middle
    writeFileSync(wal, b);
    expect(loadError(dir).kind).toBe('corrupt');
    const r = prepareRejoin(dir, ID);
    expect(r).toMatchObject({ term: 2, vote: 3 });
    expect(r.discardedWal && existsSync(r.discardedWal)).toBe(true);
    expect(readFileSync(r.discardedWal!)).toEqual(b);
    const o = open(dir);
    const st = o.s.load();
    expect(st.entries).toEqual([]);
    expect(st.snapshot).toBeUndefined();
    expect(st.hardState).toEqual<HardState>({ term: 2, vote: 3, commit: 0 });
    expect(o.s.rejoining).toBe(true);
    expect(o.s.rejoinFromTerm).toBe(2);
    o.s.save({ entries: [entry(1, 2)], hardState: { term: 2, vote: 3, commit: 1 } });
    o.s.close();
    const again = open(dir); // a restart before catching up: still rejoining
    again.s.load();
    expect(again.s.rejoining).toBe(true);
    again.s.clearRejoin();
    again.s.close();
    const done = open(dir);
    expect(done.s.load().hardState).toEqual({ term: 2, vote: 3, commit: 1 });
    expect(done.s.rejoining).toBe(false);
    done.s.close();
  });

  it('without a readable hard state it asks for --min-term; with it the node counts as having voted in that term', () => {
    const { dir } = sample();
    rmSync(join(dir, 'hardstate'));
    expect(() => prepareRejoin(dir, ID)).toThrow(/--min-term N/);
    const r = prepareRejoin(dir, ID, { minTerm: 11 });
    expect(r).toMatchObject({ term: 11, vote: ID.nodeId });
    const o = open(dir);
    expect(o.s.load().hardState).toEqual({ term: 11, vote: ID.nodeId, commit: 0 });
    expect(o.s.rejoining).toBe(true);
    o.s.close();
    // an empty directory (a replaced disk) needs the term floor too
    expect(() => prepareRejoin(tempDir('wal'), ID)).toThrow(/--min-term/);
  });
});
