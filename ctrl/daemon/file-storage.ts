// The durable state of a daemon: `Storage` (ctrl/core/storage.ts) over two files in DIR.
//
//   DIR/wal        a 32-byte header (cluster id, node id, incarnation) followed by exactly the record
//                  bytes MemStorage holds (docs/control-plane.md §8): HARD_STATE, ENTRY, TRUNCATE,
//                  SNAPSHOT records, each with its length and CRC-32.
//   DIR/hardstate  term and vote (and the rejoin marker) in two 64-byte slots, each with a sequence
//                  number and a CRC-32; a write goes to the older slot, then fdatasync. It is written
//                  (first) whenever the term or the vote changes, so losing or corrupting the WAL
//                  never loses them, and a hard state file older than the WAL is detected.
//
// * save(): the hard state file if term/vote changed (pwrite + fdatasync), then the batch's records
//   in one write(2) to the WAL and fdatasync(2), before returning: the driver acts on a Ready (NIC
//   writes, messages, replies) only after it returns.
// * load(): replays the WAL. Only a torn FINAL record (short, or failing its CRC with no valid
//   record after it: what a crash in the middle of a write leaves) is cut off (ftruncate + fsync,
//   reported through `onTail`). A bad record with valid records after it, a record that passes its
//   CRC but makes no sense (a gap in the indexes, an unknown type), a WAL or hard state of another
//   cluster or node, a missing or empty WAL next to a hard state (or the reverse), a hard state
//   older than the WAL: the load throws a WalError and nothing is changed on disk. The recovery is
//   `nicraft node --rejoin` (prepareRejoin below; docs/deploying.md §5).
// * snapshots live in the log as SNAPSHOT records; after a batch with a snapshot the WAL is
//   rewritten to its header, the snapshot, the entries after it and the hard state (DIR/wal.tmp,
//   fsync, rename, fsync of DIR), so it does not grow without bound.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fdatasync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '../core/crc32.js';
import { encodeBatch, REC_HEADER, RecType, replay, type PersistBatch, type PersistentState, type ReplayResult, type Storage } from '../core/storage.js';
import type { HardState } from '../core/types.js';

export const WAL_HEADER_BYTES = 32;
export const WAL_VERSION = 1;
const WAL_MAGIC = 'NICRAFTW';
const HS_MAGIC = 'NICRAFTH';
export const HS_SLOT_BYTES = 64;
const HS_FLAG_REJOINING = 1;

/** Which cluster and node a data directory belongs to. */
export interface WalIdentity {
  clusterId: number;
  nodeId: number;
}

export interface TailReport {
  tail: 'torn';
  /** bytes of the file kept (header and good records) */
  validBytes: number;
  /** bytes cut off */
  droppedBytes: number;
  /** good records kept */
  records: number;
  /** why the final record is bad: short (incomplete) or crc (its checksum fails) */
  why: 'short' | 'crc';
}

export type WalErrorKind = 'corrupt' | 'lost' | 'foreign' | 'header';

/**
 * The data directory cannot be used as it is: the node must not start (the CLI prints the one-line
 * message and exits 2). `kind`: corrupt (a bad record that is not a torn tail), lost (a file or its
 * content is missing), foreign (another cluster's or node's data), header (not a nicraft file).
 */
export class WalError extends Error {
  constructor(readonly kind: WalErrorKind, readonly file: string, message: string, readonly offset?: number, readonly record?: number) {
    super(message);
    this.name = 'WalError';
  }
}

export interface FileStorageOptions {
  /** the cluster and node this directory belongs to (written in the headers, checked on load) */
  identity: WalIdentity;
  /** fdatasync after each batch (default true) */
  fsync?: boolean;
  /**
   * Group commit: how many fdatasyncs of the WAL may run at once (default 3; 1: each waits for the
   * previous one). A batch written while fewer run starts one at once instead of waiting for the
   * running one to end; each covers every batch written before it started. Node runs them on libuv's
   * thread pool (4 threads by default), so keep this below UV_THREADPOOL_SIZE.
   */
  syncsInFlight?: number;
  /** the asynchronous fdatasync group commit runs (default node:fs fdatasync; tests pass one that
   *  completes in an order they choose) */
  asyncDatasync?: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void;
  /** called when load() cut a torn final record off */
  onTail?: (t: TailReport) => void;
  /** called after the WAL was rewritten at a snapshot */
  onCompact?: (info: { bytesBefore: number; bytesAfter: number; snapshotIndex: number }) => void;
  /** called when load() initialized a new data directory */
  onInit?: (info: { incarnation: number }) => void;
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
  /** writes of the hard state file (term or vote changed) */
  hardStateWrites: number;
  /** group commit: batches written and left to the next fdatasync (saveGrouped) */
  groupedBatches: number;
  /** fdatasyncs run off the event loop (group commit) and the batches they covered */
  groupSyncs: number;
  groupSyncBatches: number;
  /** time the group-commit fdatasyncs took (in the thread pool, not the event loop's), ns */
  groupSyncNs: number;
  /** log entries made durable by the WAL's fdatasyncs (group and synchronous), in all */
  syncedEntries: number;
}

/** Upper bounds of the entries-per-fdatasync histogram's buckets (the last bucket: more). */
export const ENTRIES_PER_SYNC_BOUNDS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256] as const;

/** What the hard state file holds (its newest valid slot). */
export interface HardStateRecord {
  clusterId: number;
  nodeId: number;
  incarnation: number;
  seq: number;
  term: number;
  vote: number;
  /** rejoined (nicraft node --rejoin) and not caught up yet: must not vote */
  rejoining: boolean;
  /** the term the rejoin started from */
  rejoinFromTerm: number;
}

// ---------------------------------------------------------------------------------------------- bytes

function u32(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 24) & 0xff;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}
function r32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}
function ascii(b: Uint8Array, off: number, s: string): void {
  for (let i = 0; i < s.length; i++) b[off + i] = s.charCodeAt(i);
}
function isAscii(b: Uint8Array, off: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (b[off + i] !== s.charCodeAt(i)) return false;
  return true;
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

function writeAll(fd: number, buf: Uint8Array, position?: number): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off, position === undefined ? null : position + off);
}

function fsyncDir(dir: string): void {
  const dfd = openSync(dir, 'r');
  try { fsyncSync(dfd); } finally { closeSync(dfd); }
}

export function encodeWalHeader(id: WalIdentity, incarnation: number): Uint8Array {
  const h = new Uint8Array(WAL_HEADER_BYTES);
  ascii(h, 0, WAL_MAGIC);
  h[8] = WAL_VERSION >> 8; h[9] = WAL_VERSION & 0xff;
  h[10] = (id.clusterId >> 8) & 0xff; h[11] = id.clusterId & 0xff;
  h[12] = id.nodeId & 0xff;
  u32(h, 16, incarnation);
  u32(h, 28, crc32(h.subarray(0, 28)));
  return h;
}

export interface WalHeader extends WalIdentity {
  version: number;
  incarnation: number;
}

/** Parses a WAL header; a string says what is wrong with it. */
export function decodeWalHeader(b: Uint8Array): WalHeader | string {
  if (b.length < WAL_HEADER_BYTES) return `${b.length} bytes, shorter than the ${WAL_HEADER_BYTES}-byte header`;
  if (!isAscii(b, 0, WAL_MAGIC)) return 'no nicraft WAL header (magic "NICRAFTW" missing: not a nicraft WAL, or one from before headers)';
  if (r32(b, 28) !== crc32(b.subarray(0, 28))) return 'the header fails its CRC';
  const version = (b[8]! << 8) | b[9]!;
  if (version !== WAL_VERSION) return `header version ${version}, this nicraft reads version ${WAL_VERSION}`;
  return { version, clusterId: (b[10]! << 8) | b[11]!, nodeId: b[12]!, incarnation: r32(b, 16) };
}

function encodeHsSlot(h: HardStateRecord): Uint8Array {
  const b = new Uint8Array(HS_SLOT_BYTES);
  ascii(b, 0, HS_MAGIC);
  b[8] = WAL_VERSION >> 8; b[9] = WAL_VERSION & 0xff;
  b[10] = (h.clusterId >> 8) & 0xff; b[11] = h.clusterId & 0xff;
  b[12] = h.nodeId & 0xff;
  b[13] = h.rejoining ? HS_FLAG_REJOINING : 0;
  u32(b, 16, h.incarnation);
  u32(b, 20, h.seq);
  u32(b, 24, h.term);
  u32(b, 28, h.vote);
  u32(b, 32, h.rejoinFromTerm);
  u32(b, 60, crc32(b.subarray(0, 60)));
  return b;
}

function decodeHsSlot(b: Uint8Array): HardStateRecord | undefined {
  if (b.length < HS_SLOT_BYTES || !isAscii(b, 0, HS_MAGIC) || r32(b, 60) !== crc32(b.subarray(0, 60))) return undefined;
  if (((b[8]! << 8) | b[9]!) !== WAL_VERSION) return undefined;
  return {
    clusterId: (b[10]! << 8) | b[11]!, nodeId: b[12]!, rejoining: (b[13]! & HS_FLAG_REJOINING) !== 0,
    incarnation: r32(b, 16), seq: r32(b, 20), term: r32(b, 24), vote: r32(b, 28), rejoinFromTerm: r32(b, 32),
  };
}

/** The newest valid slot of a hard state file image (undefined: none is valid). */
export function decodeHardState(b: Uint8Array): HardStateRecord | undefined {
  const a = decodeHsSlot(b.subarray(0, HS_SLOT_BYTES));
  const c = decodeHsSlot(b.subarray(HS_SLOT_BYTES, 2 * HS_SLOT_BYTES));
  if (a && c) return a.seq >= c.seq ? a : c;
  return a ?? c;
}

/** Record types and the body lengths they allow (a resync candidate must fit them). */
function plausibleRecord(type: number, len: number): boolean {
  switch (type) {
    case RecType.HARD_STATE: return len === 12;
    case RecType.TRUNCATE: return len === 4;
    case RecType.ENTRY: return len >= 8;
    case RecType.SNAPSHOT: return len >= 9;
    default: return false;
  }
}

/** Whether a whole record with a matching CRC starts at `off` (`end`: the end of the records). */
function validRecordAt(b: Uint8Array, off: number, end: number): boolean {
  if (end - off < REC_HEADER) return false;
  const len = r32(b, off);
  if (len > end - off - REC_HEADER || !plausibleRecord(b[off + 8]!, len)) return false;
  return crc32(b.subarray(off + 8, off + REC_HEADER + len)) === r32(b, off + 4);
}

/** The first offset after `from` where a valid record starts, and how many valid records chain from there. */
export function findValidAfter(b: Uint8Array, from: number): { offset: number; records: number; end: number } | undefined {
  for (let p = from + 1; p + REC_HEADER <= b.length; p++) {
    if (!validRecordAt(b, p, b.length)) continue;
    let q = p;
    let n = 0;
    while (validRecordAt(b, q, b.length)) { q += REC_HEADER + r32(b, q); n++; }
    return { offset: p, records: n, end: q };
  }
  return undefined;
}

export interface WalReadResult extends ReplayResult {
  header: WalHeader;
  fileBytes: number;
  /** absolute offset of the first bad record (= fileBytes when clean) */
  badOffset: number;
  /** clean; torn: only the final record is bad; corrupt: a bad record that is not a torn tail */
  verdict: 'clean' | 'torn' | 'corrupt';
  /** why the first bad record is bad */
  why?: 'short' | 'crc' | 'invalid';
  /** corrupt: the valid records found after the bad one */
  after?: { offset: number; records: number; end: number };
}

/** Classifies a WAL image (header already checked to be there): clean, a torn final record, or corruption. */
function analyse(buf: Uint8Array, header: WalHeader): WalReadResult {
  const recs = buf.subarray(WAL_HEADER_BYTES);
  const r = replay(recs);
  const badOffset = WAL_HEADER_BYTES + r.validBytes;
  const base = { ...r, header, fileBytes: buf.length, badOffset };
  if (r.tail === 'clean') return { ...base, verdict: 'clean' };
  // why the record at the cut is bad
  let why: WalReadResult['why'];
  const rest = buf.length - badOffset;
  if (rest < REC_HEADER || r32(buf, badOffset) > rest - REC_HEADER) why = 'short';
  else {
    const len = r32(buf, badOffset);
    why = crc32(buf.subarray(badOffset + 8, badOffset + REC_HEADER + len)) === r32(buf, badOffset + 4) ? 'invalid' : 'crc';
  }
  // a record with a good CRC that makes no sense was written that way: not a torn write
  if (why === 'invalid') return { ...base, verdict: 'corrupt', why };
  const after = findValidAfter(buf, badOffset);
  if (after) return { ...base, verdict: 'corrupt', why, after };
  return { ...base, verdict: 'torn', why };
}

const RECOVERY = 'recovery: nicraft node --config FILE --rejoin (docs/deploying.md §5)';

/** The one-line message of a corrupt WAL. */
function corruptMessage(file: string, a: WalReadResult): string {
  const rec = a.records + 1;
  const what = a.why === 'short' ? 'its length runs past the end of the file' : a.why === 'crc' ? 'CRC mismatch' : 'valid CRC but not a record that can follow (unknown type, bad length or a gap in the indexes)';
  const follow = a.after ? `; ${a.after.records} valid records follow it (offsets ${a.after.offset}..${a.after.end} of ${a.fileBytes})` : '';
  return `${file}: corrupt record ${rec} at offset ${a.badOffset} (${what})${follow}: not a torn tail, refusing to start with the log cut there; ${RECOVERY}`;
}

// ---------------------------------------------------------------------------------------------- storage

export class FileStorage implements Storage {
  readonly path: string;
  readonly hsPath: string;
  private fd = -1;
  private hsFd = -1;
  private readonly fsync: boolean;
  private hs?: HardStateRecord;
  lastReplay?: WalReadResult;
  /** load() found the rejoin marker: the node must not vote until it caught up (docs/deploying.md §5) */
  rejoining = false;
  rejoinFromTerm = 0;
  readonly stats: FileStorageStats = { bytes: 0, batches: 0, records: 0, syncs: 0, syncNs: 0, compactions: 0, truncatedBytes: 0, hardStateWrites: 0, groupedBatches: 0, groupSyncs: 0, groupSyncBatches: 0, groupSyncNs: 0, syncedEntries: 0 };
  /** per fdatasync of the WAL: how many log entries it made durable, bucketed by ENTRIES_PER_SYNC_BOUNDS (count <= bound; the last: above every bound) */
  readonly entriesPerSync: number[] = new Array<number>(ENTRIES_PER_SYNC_BOUNDS.length + 1).fill(0);
  /** group commit: grouped batches written so far (their sequence numbers: 1, 2, ...) */
  private writtenSeq = 0;
  /** group commit: the highest batch sequence number a completed fdatasync covers */
  private durableSeq = 0;
  /** group commit: the highest batch sequence number a started fdatasync covers */
  private startedSeq = 0;
  /** group commit: batches written and not yet durable, in order (their callbacks, entry counts) */
  private waiting: Array<{ seq: number; entries: number; cb: () => void }> = [];
  /** entries in `waiting` with seq > startedSeq: written, and no running fdatasync covers them */
  private uncoveredEntries = 0;
  /** fdatasyncs running (on the thread pool), and the generation: a synchronous fdatasync or a
   *  close makes every running one moot (their results are ignored) */
  private syncsRunning = 0;
  private syncGen = 0;
  private readonly syncsInFlight: number;
  private readonly asyncDatasync: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void;

  constructor(readonly dir: string, private readonly o: FileStorageOptions) {
    this.path = join(dir, 'wal');
    this.hsPath = join(dir, 'hardstate');
    this.fsync = o.fsync ?? true;
    this.syncsInFlight = o.syncsInFlight ?? 3;
    this.asyncDatasync = o.asyncDatasync ?? fdatasync;
    if (!Number.isInteger(this.syncsInFlight) || this.syncsInFlight < 1 || this.syncsInFlight > 16) {
      throw new RangeError(`FileStorage: syncsInFlight must be an integer 1..16 (got ${o.syncsInFlight})`);
    }
  }

  get incarnation(): number {
    return this.hs?.incarnation ?? 0;
  }

  /** A new data directory: the WAL (header only) first, then the hard state, each fsynced, then the directory. */
  private init(): void {
    const incarnation = randomBytes(4).readUInt32BE(0);
    initFiles(this.dir, this.o.identity, incarnation);
    this.o.onInit?.({ incarnation });
  }

  private check(file: string, got: WalIdentity, what: string): void {
    const want = this.o.identity;
    if (got.clusterId !== want.clusterId || got.nodeId !== want.nodeId) {
      throw new WalError('foreign', file, `${file}: ${what} of cluster ${got.clusterId} node ${got.nodeId}, but this node is cluster ${want.clusterId} node ${want.nodeId} (a wrong dataDir?); refusing to start; to discard it: ${RECOVERY}`);
    }
  }

  private readHs(): HardStateRecord {
    const b = readBytes(this.hsPath);
    const h = decodeHardState(b);
    if (!h) throw new WalError('corrupt', this.hsPath, `${this.hsPath}: no valid copy of the hard state (${b.length} bytes; both slots fail their checksum): the term and vote are lost; refusing to start; ${RECOVERY} --min-term N`);
    this.check(this.hsPath, h, 'the hard state');
    return h;
  }

  load(): PersistentState {
    mkdirSync(this.dir, { recursive: true });
    let walThere = existsSync(this.path);
    const hsThere = existsSync(this.hsPath);
    if (!walThere && !hsThere) {
      this.init();
      walThere = true;
    }
    let hs = hsThere ? this.readHs() : undefined;
    if (!walThere) {
      throw new WalError('lost', this.path, `${this.path}: missing, but ${this.hsPath} exists (term ${hs!.term}): the log is lost; refusing to start; ${RECOVERY}`);
    }
    let buf = readBytes(this.path);
    if (buf.length < WAL_HEADER_BYTES) {
      if (hs) throw new WalError('lost', this.path, `${this.path}: ${buf.length} bytes, shorter than its ${WAL_HEADER_BYTES}-byte header, but ${this.hsPath} exists (term ${hs.term}): the log is lost; refusing to start; ${RECOVERY}`, 0, 1);
      // no hard state and no complete header: an initialization that did not finish (nothing was ever persisted)
      rmSync(this.path, { force: true });
      this.init();
      hs = this.readHs();
      buf = readBytes(this.path);
    }
    const header = decodeWalHeader(buf);
    if (typeof header === 'string') throw new WalError('header', this.path, `${this.path}: ${header}; refusing to start; ${RECOVERY}`, 0);
    this.check(this.path, header, 'a WAL');
    if (!hs) {
      if (buf.length > WAL_HEADER_BYTES) {
        throw new WalError('lost', this.hsPath, `${this.hsPath}: missing, but ${this.path} holds ${buf.length - WAL_HEADER_BYTES} bytes of records: the term and vote are lost; refusing to start; ${RECOVERY}`);
      }
      // the WAL header was written, the hard state not yet: an initialization that did not finish
      writeHsFile(this.dir, this.hsPath, { ...this.o.identity, incarnation: header.incarnation, seq: 1, term: 0, vote: 0, rejoining: false, rejoinFromTerm: 0 });
      hs = this.readHs();
    }
    if (hs.incarnation !== header.incarnation) {
      throw new WalError('foreign', this.path, `${this.path}: incarnation ${header.incarnation.toString(16)} but ${this.hsPath} has ${hs.incarnation.toString(16)}: the two files are not from the same life of this node; refusing to start; ${RECOVERY}`);
    }
    const a = analyse(buf, header);
    if (a.verdict === 'corrupt') throw new WalError('corrupt', this.path, corruptMessage(this.path, a), a.badOffset, a.records + 1);
    this.lastReplay = a;
    this.stats.bytes = a.badOffset;
    this.fd = openSync(this.path, 'r+');
    if (a.verdict === 'torn') {
      ftruncateSync(this.fd, a.badOffset);
      fsyncSync(this.fd);
      const dropped = buf.length - a.badOffset;
      this.stats.truncatedBytes += dropped;
      this.o.onTail?.({ tail: 'torn', validBytes: a.badOffset, droppedBytes: dropped, records: a.records, why: a.why as 'short' | 'crc' });
    }
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    // term and vote: the hard state file is written before the WAL, so it is never older
    const w = a.state.hardState;
    if (!dominates(hs, w)) {
      throw new WalError('lost', this.hsPath, `${this.hsPath}: term ${hs.term} vote ${hs.vote} is older than the WAL's last hard state (term ${w.term} vote ${w.vote}): the hard state file lost updates; refusing to start; ${RECOVERY}`);
    }
    this.hs = hs;
    this.rejoining = hs.rejoining;
    this.rejoinFromTerm = hs.rejoinFromTerm;
    const hardState: HardState = { term: hs.term, vote: hs.vote, commit: w.commit };
    return { ...a.state, hardState };
  }

  /**
   * Group commit: a batch that changes neither term nor vote, truncates nothing and carries no
   * snapshot is written (appended, in order) now and made durable by an fdatasync that starts after
   * the write and runs off the event loop; `onDurable` is called once one such fdatasync completed
   * (callbacks in write order). Up to `syncsInFlight` run at once: a batch written while fewer run
   * starts one at once, else it waits for the next to end; each covers every batch written before
   * it started (no fixed delay). Returns false (nothing done) for any other batch: the caller saves
   * it with save(), which syncs everything written so far too.
   */
  saveGrouped(batch: PersistBatch, onDurable: () => void): boolean {
    if (this.fd < 0) throw new Error('FileStorage: save() before load()');
    if (!this.fsync || batch.snapshot || batch.truncateAfter !== undefined) return false;
    const h = batch.hardState;
    if (h && this.hs && (h.term !== this.hs.term || h.vote !== this.hs.vote)) return false;
    const recs = encodeBatch(batch);
    if (recs.length === 0) return false;
    const buf = concat(recs);
    writeAll(this.fd, buf);
    this.stats.bytes += buf.length;
    this.stats.batches++;
    this.stats.records += recs.length;
    this.stats.groupedBatches++;
    const seq = ++this.writtenSeq;
    this.waiting.push({ seq, entries: batch.entries.length, cb: onDurable });
    this.uncoveredEntries += batch.entries.length;
    // a batch without entries (only the commit index moved) needs no fdatasync of its own: nothing
    // waits for it (a commit index lost in a crash is learned again from the leader), so it rides
    // on the next fdatasync that entries need, instead of adding one to the disk's queue
    if (this.syncsRunning < this.syncsInFlight && this.uncoveredEntries > 0) this.startGroupSync();
    return true;
  }

  /** Batches written and not yet covered by a completed fdatasync. */
  get unsynced(): number {
    return this.waiting.length;
  }

  private startGroupSync(): void {
    const cover = this.writtenSeq;
    const gen = this.syncGen;
    this.startedSeq = cover;
    this.uncoveredEntries = 0;
    this.syncsRunning++;
    const fd = this.fd;
    const t0 = process.hrtime.bigint();
    this.asyncDatasync(fd, (err) => {
      this.syncsRunning--;
      if (gen !== this.syncGen) return; // a synchronous sync (save, compaction, close) covered them already
      if (err) throw new Error(`WAL: fdatasync failed: ${err.message}`); // durability lost: the node must stop
      this.stats.syncs++;
      this.stats.groupSyncs++;
      this.stats.groupSyncNs += Number(process.hrtime.bigint() - t0);
      const done = this.coverUpTo(cover);
      this.stats.groupSyncBatches += done.length;
      if (this.uncoveredEntries > 0 && this.fd >= 0 && this.syncsRunning < this.syncsInFlight) this.startGroupSync();
      for (const w of done) w.cb();
    });
  }

  /** Every batch up to `seq` is durable: takes them off `waiting` (returned, in order) and counts the fdatasync's entries. */
  private coverUpTo(seq: number): Array<{ seq: number; entries: number; cb: () => void }> {
    if (seq <= this.durableSeq) { this.observeSync(0); return []; } // a later fdatasync ended first and covered these
    this.durableSeq = seq;
    let k = 0;
    let entries = 0;
    while (k < this.waiting.length && this.waiting[k]!.seq <= seq) entries += this.waiting[k++]!.entries;
    const done = this.waiting.splice(0, k);
    this.observeSync(entries);
    return done;
  }

  /** One fdatasync of the WAL made `entries` log entries durable. */
  private observeSync(entries: number): void {
    this.stats.syncedEntries += entries;
    let b = 0;
    while (b < ENTRIES_PER_SYNC_BOUNDS.length && entries > ENTRIES_PER_SYNC_BOUNDS[b]!) b++;
    this.entriesPerSync[b]!++;
  }

  /** After a synchronous fdatasync of the WAL: every grouped batch is durable (the running ones are moot). */
  private flushGrouped(ownEntries?: number): void {
    this.syncGen++;
    this.durableSeq = this.startedSeq = this.writtenSeq;
    this.uncoveredEntries = 0;
    const done = this.waiting;
    this.waiting = [];
    let entries = ownEntries ?? 0;
    for (const w of done) entries += w.entries;
    // one fdatasync, one observation: the caller's own entries (a synchronous save) and the grouped ones
    if (ownEntries !== undefined || entries > 0) this.observeSync(entries);
    for (const w of done) w.cb();
  }

  save(batch: PersistBatch): void {
    if (this.fd < 0) throw new Error('FileStorage: save() before load()');
    const t0 = process.hrtime.bigint();
    const h = batch.hardState;
    if (h && this.hs && (h.term !== this.hs.term || h.vote !== this.hs.vote)) this.writeHardState({ term: h.term, vote: h.vote });
    const recs = encodeBatch(batch);
    if (recs.length === 0) return;
    const buf = concat(recs);
    writeAll(this.fd, buf); // 'a': appends
    if (this.fsync) {
      fdatasyncSync(this.fd);
      this.stats.syncs++;
    }
    this.stats.syncNs += Number(process.hrtime.bigint() - t0);
    this.stats.bytes += buf.length;
    this.stats.batches++;
    this.stats.records += recs.length;
    // the fdatasync covers the grouped batches written before it too (one observation for all)
    if (this.fsync) this.flushGrouped(batch.entries.length);
    if (batch.snapshot) this.compact(batch.snapshot.index);
  }

  /** Writes term/vote (and the rejoin marker) to the older slot of the hard state file, then fdatasync. */
  private writeHardState(change: Partial<Pick<HardStateRecord, 'term' | 'vote' | 'rejoining'>>): void {
    const cur = this.hs!;
    const next: HardStateRecord = { ...cur, ...change, seq: cur.seq + 1 };
    if (this.hsFd < 0) this.hsFd = openSync(this.hsPath, 'r+');
    writeAll(this.hsFd, encodeHsSlot(next), (next.seq % 2) * HS_SLOT_BYTES);
    if (this.fsync) fdatasyncSync(this.hsFd);
    this.hs = next;
    this.stats.hardStateWrites++;
  }

  /** The node caught up after a rejoin: it may vote again (the marker is cleared durably). */
  clearRejoin(): void {
    if (!this.rejoining) return;
    this.writeHardState({ rejoining: false });
    this.rejoining = false;
  }

  /** Rewrites the WAL to what replaying it yields: header, snapshot, the entries after it, the hard state. */
  private compact(snapshotIndex: number): void {
    if (this.unsynced) { fdatasyncSync(this.fd); this.flushGrouped(); }
    const before = readBytes(this.path);
    const r = replay(before.subarray(WAL_HEADER_BYTES));
    const image = concat([before.subarray(0, WAL_HEADER_BYTES), ...encodeBatch({ snapshot: r.state.snapshot, entries: r.state.entries, hardState: r.state.hardState })]);
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeAll(fd, image);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    fsyncDir(this.dir);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.stats.bytes = image.length;
    this.stats.compactions++;
    this.o.onCompact?.({ bytesBefore: before.length, bytesAfter: image.length, snapshotIndex });
  }

  close(): void {
    if (this.fd >= 0 && this.unsynced) {
      // a graceful stop: what was written is made durable (the callbacks are not called: stopped)
      try { fdatasyncSync(this.fd); } catch { /* closing anyway */ }
      this.syncGen++;
      this.waiting = [];
      this.uncoveredEntries = 0;
    }
    if (this.fd >= 0) closeSync(this.fd);
    if (this.hsFd >= 0) closeSync(this.hsFd);
    this.fd = -1;
    this.hsFd = -1;
  }
}

/** (term, vote) of the hard state file are at least as new as the WAL's. */
function dominates(f: { term: number; vote: number }, w: { term: number; vote: number }): boolean {
  if (f.term !== w.term) return f.term > w.term;
  return w.vote === 0 || w.vote === f.vote;
}

/** Writes a hard state file from scratch (slot 0, slot 1 empty) through DIR/hardstate.tmp and a rename. */
function writeHsFile(dir: string, path: string, h: HardStateRecord): void {
  const img = new Uint8Array(2 * HS_SLOT_BYTES);
  img.set(encodeHsSlot(h), (h.seq % 2) * HS_SLOT_BYTES);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, img);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dir);
}

/** Writes a WAL that holds only its header (DIR/wal.tmp, fsync, rename, fsync of DIR). */
function writeWalFile(dir: string, id: WalIdentity, incarnation: number): void {
  const wal = join(dir, 'wal');
  const tmp = `${wal}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, encodeWalHeader(id, incarnation));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, wal);
  fsyncDir(dir);
}

/** A new data directory: the WAL (header only) first, then the hard state file (a crash between
 *  the two leaves a header-only WAL and no hard state: load() finishes the initialization). */
function initFiles(dir: string, id: WalIdentity, incarnation: number): void {
  mkdirSync(dir, { recursive: true });
  writeWalFile(dir, id, incarnation);
  writeHsFile(dir, join(dir, 'hardstate'), { ...id, incarnation, seq: 1, term: 0, vote: 0, rejoining: false, rejoinFromTerm: 0 });
}

// ---------------------------------------------------------------------------------------------- rejoin

export interface RejoinReport {
  term: number;
  vote: number;
  /** where term and vote came from */
  source: string;
  /** the old WAL, kept under this name (undefined: there was none) */
  discardedWal?: string;
  incarnation: number;
}

/**
 * `nicraft node --rejoin`: discards the local log and starts a new life of this node that must not
 * vote until it has caught up (the marker in the hard state file; docs/deploying.md §5). The term
 * and vote are kept: from the hard state file when it is readable (and the WAL's valid prefix, if
 * newer), else from `minTerm` (the node then counts as having voted in that term). The old WAL is
 * renamed to wal.discarded-<ms>, not deleted. Throws a WalError when the term cannot be known.
 */
export function prepareRejoin(dir: string, id: WalIdentity, o: { minTerm?: number } = {}): RejoinReport {
  mkdirSync(dir, { recursive: true });
  const wal = join(dir, 'wal');
  const hsPath = join(dir, 'hardstate');
  const sources: string[] = [];
  let term = 0;
  let vote = 0;
  const take = (t: number, v: number, src: string): void => {
    sources.push(`${src} (term ${t}${v ? `, vote ${v}` : ''})`);
    if (t > term) { term = t; vote = v; } else if (t === term && v !== vote) vote = vote === 0 ? v : v === 0 ? vote : id.nodeId; // two votes in one term: vote for nobody else
  };
  let fromFile = false;
  if (existsSync(hsPath)) {
    const h = decodeHardState(readBytes(hsPath));
    if (h && h.clusterId === id.clusterId && h.nodeId === id.nodeId) { take(h.term, h.vote, hsPath); fromFile = true; }
  }
  if (existsSync(wal)) {
    const b = readBytes(wal);
    const h = decodeWalHeader(b);
    if (typeof h !== 'string' && h.clusterId === id.clusterId && h.nodeId === id.nodeId) {
      const r = replay(b.subarray(WAL_HEADER_BYTES));
      if (r.state.hardState.term > 0) take(r.state.hardState.term, r.state.hardState.vote, `${wal} up to offset ${WAL_HEADER_BYTES + r.validBytes}`);
    }
  }
  if (o.minTerm !== undefined) take(o.minTerm, id.nodeId, '--min-term');
  if (!fromFile && o.minTerm === undefined) {
    throw new WalError('lost', hsPath, `${hsPath}: missing or unreadable: this node's term and vote are lost, so it could vote twice in a term; give --min-term N with N the highest term any member reports (nicraft cluster status, GET /status); see docs/deploying.md §5`);
  }
  // the order keeps every crash point safe: the new hard state (with the marker) replaces the old
  // one atomically first; until the new WAL is in place a start finds a missing WAL or one of
  // another incarnation and refuses (run --rejoin again); it never finds a directory that looks new
  const incarnation = randomBytes(4).readUInt32BE(0);
  const seq = existsSync(hsPath) ? (decodeHardState(readBytes(hsPath))?.seq ?? 0) + 1 : 1;
  writeHsFile(dir, hsPath, { ...id, incarnation, seq, term, vote, rejoining: true, rejoinFromTerm: term });
  let discardedWal: string | undefined;
  if (existsSync(wal)) {
    discardedWal = `${wal}.discarded-${Date.now()}`;
    renameSync(wal, discardedWal);
  }
  rmSync(`${wal}.tmp`, { force: true });
  writeWalFile(dir, id, incarnation);
  return { term, vote, source: sources.join(', '), discardedWal, incarnation };
}

/** Reads a WAL file without opening it for writing (tools and tests). Throws a WalError on a bad header. */
export function readWal(path: string): WalReadResult {
  const buf = readBytes(path);
  const header = decodeWalHeader(buf);
  if (typeof header === 'string') throw new WalError('header', path, `${path}: ${header}`, 0);
  return analyse(buf, header);
}
