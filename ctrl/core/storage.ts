// Durable state of a replica: hard state (term, vote, commit), the host log and the snapshot.
//
// On-disk/in-memory format: a write-ahead log of records, each
//
//   offset 0  u32 big-endian  body length L (bytes after the 9-byte record header)
//   offset 4  u32 big-endian  CRC-32 (IEEE) of the type byte followed by the body
//   offset 8  u8              record type
//   offset 9  L bytes         body
//
// Record types and bodies (all integers big-endian):
//   1 HARD_STATE  term u32, vote u32, commit u32
//   2 ENTRY       index u32, term u32, frame (the rest: the APPEND frame bytes)
//                 an ENTRY at index i discards every entry >= i written before it
//   3 TRUNCATE    after u32: discard every entry > after
//   4 SNAPSHOT    index u32, term u32, nvoters u8, voters u8*nvoters, data (the rest)
//                 discards every entry <= index (and all entries if they do not match)
//
// Replay reads records in order and stops at the first record that is short (a torn tail) or
// whose CRC does not match (a corrupt tail): that record and everything after it are cut off and
// never applied. A file-based WAL writes these bytes as they are (append + fdatasync per batch).

import { crc32 } from './crc32.js';
import type { Entry, HardState, Snapshot } from './types.js';

export const REC_HEADER = 9;
export const RecType = { HARD_STATE: 1, ENTRY: 2, TRUNCATE: 3, SNAPSHOT: 4 } as const;

export interface PersistentState {
  hardState: HardState;
  snapshot?: Snapshot;
  entries: Entry[];
}

export interface PersistBatch {
  hardState?: HardState;
  entries: Entry[];
  truncateAfter?: number;
  snapshot?: Snapshot;
}

export interface Storage {
  /** The durable state, as a restarting core starts from it (torn/corrupt tails cut off). */
  load(): PersistentState;
  /** Makes a batch durable; returns once it is (or throws on a crash). Order inside: snapshot, truncate, entries, hard state. */
  save(batch: PersistBatch): void;
}

function u32(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 24) & 0xff;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}
function r32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

export function encodeRecord(type: number, body: Uint8Array): Uint8Array {
  const r = new Uint8Array(REC_HEADER + body.length);
  u32(r, 0, body.length);
  r[8] = type;
  r.set(body, REC_HEADER);
  u32(r, 4, crc32(r.subarray(8)));
  return r;
}

export function encodeBatch(batch: PersistBatch): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (batch.snapshot) {
    const s = batch.snapshot;
    const body = new Uint8Array(9 + s.voters.length + s.data.length);
    u32(body, 0, s.index);
    u32(body, 4, s.term);
    body[8] = s.voters.length;
    s.voters.forEach((v, k) => (body[9 + k] = v));
    body.set(s.data, 9 + s.voters.length);
    out.push(encodeRecord(RecType.SNAPSHOT, body));
  }
  if (batch.truncateAfter !== undefined) {
    const body = new Uint8Array(4);
    u32(body, 0, batch.truncateAfter);
    out.push(encodeRecord(RecType.TRUNCATE, body));
  }
  for (const e of batch.entries) {
    const body = new Uint8Array(8 + e.frame.length);
    u32(body, 0, e.index);
    u32(body, 4, e.term);
    body.set(e.frame, 8);
    out.push(encodeRecord(RecType.ENTRY, body));
  }
  if (batch.hardState) {
    const body = new Uint8Array(12);
    u32(body, 0, batch.hardState.term);
    u32(body, 4, batch.hardState.vote);
    u32(body, 8, batch.hardState.commit);
    out.push(encodeRecord(RecType.HARD_STATE, body));
  }
  return out;
}

export interface ReplayResult {
  state: PersistentState;
  /** bytes of valid records; everything after is a torn or corrupt tail */
  validBytes: number;
  records: number;
  tail: 'clean' | 'torn' | 'corrupt';
}

/**
 * Replays a WAL image, in time linear in its size. The entries are kept contiguous from the
 * snapshot's index + 1, so an ENTRY, a TRUNCATE or a SNAPSHOT cuts them at a position computed from
 * the indexes (an ENTRY record replaces every entry from its index on; it filtered the whole array
 * once, which made a replay quadratic: about 9 s for the 20,000 entries between two snapshots on a
 * loaded machine, all of it on the daemon's event loop when it compacted, docs/deploying.md "Floods").
 */
export function replay(buf: Uint8Array): ReplayResult {
  let hs: HardState = { term: 0, vote: 0, commit: 0 };
  let snapshot: Snapshot | undefined;
  let entries: Entry[] = [];
  let off = 0;
  let records = 0;
  let tail: ReplayResult['tail'] = 'clean';
  const base = (): number => (snapshot ? snapshot.index : 0);
  while (off < buf.length) {
    if (buf.length - off < REC_HEADER) { tail = 'torn'; break; }
    const len = r32(buf, off);
    if (buf.length - off - REC_HEADER < len) { tail = 'torn'; break; }
    const crc = r32(buf, off + 4);
    if (crc32(buf.subarray(off + 8, off + REC_HEADER + len)) !== crc) { tail = 'corrupt'; break; }
    const type = buf[off + 8]!;
    const body = buf.subarray(off + REC_HEADER, off + REC_HEADER + len);
    if (type === RecType.HARD_STATE && len === 12) {
      hs = { term: r32(body, 0), vote: r32(body, 4), commit: r32(body, 8) };
    } else if (type === RecType.ENTRY && len >= 8) {
      const e: Entry = { index: r32(body, 0), term: r32(body, 4), frame: body.slice(8) };
      // the entries before e.index stay (entries[k] holds index base + 1 + k)
      keepBelow(entries, e.index - base() - 1);
      if (e.index === base() + entries.length + 1) entries.push(e);
      else { tail = 'corrupt'; break; } // a gap: the log cannot continue past it
    } else if (type === RecType.TRUNCATE && len === 4) {
      const after = r32(body, 0);
      keepBelow(entries, after - base());
    } else if (type === RecType.SNAPSHOT && len >= 9) {
      const n = body[8]!;
      const s: Snapshot = { index: r32(body, 0), term: r32(body, 4), voters: [...body.subarray(9, 9 + n)], data: body.slice(9 + n) };
      const k = s.index - base() - 1;
      const at = k >= 0 && k < entries.length ? entries[k] : undefined;
      entries = at && at.term === s.term ? entries.slice(k + 1) : [];
      snapshot = s;
    } else {
      tail = 'corrupt';
      break;
    }
    off += REC_HEADER + len;
    records++;
  }
  return { state: { hardState: hs, snapshot, entries }, validBytes: off, records, tail };
}

/** Keeps the first n entries (none when n <= 0). */
function keepBelow(entries: Entry[], n: number): void {
  if (n < entries.length) entries.length = Math.max(0, n);
}
