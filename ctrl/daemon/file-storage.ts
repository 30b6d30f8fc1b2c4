// The write-ahead log on disk: `Storage` (ctrl/core/storage.ts) over one file, `DIR/wal`, holding
// exactly the record bytes MemStorage holds (docs/control-plane.md §8).
//
// * save(): the batch's records in one write(2), then fdatasync(2), before returning: the driver
//   acts on a Ready (NIC writes, messages, replies) only after it returns.
// * load(): reads the file and replays it; a torn (short) or corrupt (CRC) tail is cut off with
//   ftruncate + fsync, reported through `onTail` (the daemon logs it), and never applied.
// * snapshots live in the log as SNAPSHOT records; after a batch with a snapshot the file is
//   rewritten to the snapshot, the entries after it and the hard state (DIR/wal.tmp, fsync,
//   rename, fsync of DIR), so it does not grow without bound.
import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBatch, replay, type PersistBatch, type PersistentState, type ReplayResult, type Storage } from '../core/storage.js';

export interface TailReport {
  tail: 'torn' | 'corrupt';
  /** bytes of good records kept */
  validBytes: number;
  /** bytes cut off */
  droppedBytes: number;
  records: number;
}

export interface FileStorageOptions {
  /** fdatasync after each batch (default true) */
  fsync?: boolean;
  /** called when load() cut a torn or corrupt tail off */
  onTail?: (t: TailReport) => void;
  /** called after the file was rewritten at a snapshot */
  onCompact?: (info: { bytesBefore: number; bytesAfter: number; snapshotIndex: number }) => void;
}

export interface FileStorageStats {
  bytes: number;
  batches: number;
  records: number;
  syncs: number;
  /** total time in write + fdatasync, ns */
  syncNs: number;
  compactions: number;
  truncatedBytes: number;
}

/** The file's bytes as a plain Uint8Array: entries replayed from a Buffer would be Buffers, whose
 *  slice() is a view, and the core copies frames with slice() before changing them. */
function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export class FileStorage implements Storage {
  readonly path: string;
  private fd = -1;
  private readonly fsync: boolean;
  lastReplay?: ReplayResult;
  readonly stats: FileStorageStats = { bytes: 0, batches: 0, records: 0, syncs: 0, syncNs: 0, compactions: 0, truncatedBytes: 0 };

  constructor(readonly dir: string, private readonly o: FileStorageOptions = {}) {
    this.path = join(dir, 'wal');
    this.fsync = o.fsync ?? true;
  }

  /** Creates the directory and opens (or creates) the log; called by load(). */
  private open(): void {
    if (this.fd >= 0) return;
    mkdirSync(this.dir, { recursive: true });
    this.fd = openSync(this.path, 'a+');
  }

  load(): PersistentState {
    this.open();
    const buf = readBytes(this.path);
    const r = replay(buf);
    this.lastReplay = r;
    this.stats.bytes = r.validBytes;
    if (r.validBytes < buf.length) {
      ftruncateSync(this.fd, r.validBytes);
      fsyncSync(this.fd);
      this.stats.truncatedBytes += buf.length - r.validBytes;
      this.stats.bytes = r.validBytes;
      this.o.onTail?.({ tail: r.tail === 'clean' ? 'corrupt' : r.tail, validBytes: r.validBytes, droppedBytes: buf.length - r.validBytes, records: r.records });
    }
    return r.state;
  }

  save(batch: PersistBatch): void {
    this.open();
    const recs = encodeBatch(batch);
    if (recs.length === 0) return;
    const buf = concat(recs);
    const t0 = process.hrtime.bigint();
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off); // 'a+': appends
    if (this.fsync) {
      fdatasyncSync(this.fd);
      this.stats.syncs++;
    }
    this.stats.syncNs += Number(process.hrtime.bigint() - t0);
    this.stats.bytes += buf.length;
    this.stats.batches++;
    this.stats.records += recs.length;
    if (batch.snapshot) this.compact(batch.snapshot.index);
  }

  /** Rewrites the file to what replaying it yields: the snapshot, the entries after it, the hard state. */
  private compact(snapshotIndex: number): void {
    const before = readBytes(this.path);
    const r = replay(before);
    const image = concat(encodeBatch({ snapshot: r.state.snapshot, entries: r.state.entries, hardState: r.state.hardState }));
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      let off = 0;
      while (off < image.length) off += writeSync(fd, image, off, image.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dfd = openSync(this.dir, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a+');
    this.stats.bytes = image.length;
    this.stats.compactions++;
    this.o.onCompact?.({ bytesBefore: before.length, bytesAfter: image.length, snapshotIndex });
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Replays a WAL file without opening it for writing (tools and tests). */
export function readWal(path: string): ReplayResult & { fileBytes: number } {
  const buf = readBytes(path);
  return { ...replay(buf), fileBytes: buf.length };
}
