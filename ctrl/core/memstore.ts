// In-memory Storage holding the exact bytes a file WAL would hold, with injected crash points
// for simulation: crash before a write, after a write, in the middle of a write (torn tail), or
// with the last record corrupted. `load()` cuts a torn or corrupt tail off, as a file WAL would.

import { encodeBatch, replay, type PersistBatch, type PersistentState, type ReplayResult, type Storage } from './storage.js';

export class CrashError extends Error {
  constructor(what: string) {
    super(`injected crash: ${what}`);
  }
}

export type CrashPoint =
  | { at: 'before' }          // the batch is not written at all
  | { at: 'after' }           // the batch is durable, the process dies before acting on it
  | { at: 'torn'; keepBytes: number } // only the first keepBytes bytes of the batch reach the medium
  | { at: 'corrupt' };        // the whole batch is written, its last byte flipped

export class MemStorage implements Storage {
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** crash on the save() call number `nth` from now (1 = the next one) */
  private armed?: { nth: number; point: CrashPoint };
  saves = 0;
  lastReplay?: ReplayResult;

  armCrash(point: CrashPoint, nth = 1): void {
    this.armed = { nth, point };
  }

  isArmed(): boolean {
    return this.armed !== undefined;
  }

  disarm(): void {
    this.armed = undefined;
  }

  bytes(): Uint8Array {
    const b = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) { b.set(c, o); o += c.length; }
    return b;
  }

  load(): PersistentState {
    const all = this.bytes();
    const r = replay(all);
    this.lastReplay = r;
    if (r.validBytes < all.length) {
      // cut the tail off so later appends follow the last good record
      const good = all.slice(0, r.validBytes);
      this.chunks = [good];
      this.size = good.length;
    }
    return r.state;
  }

  save(batch: PersistBatch): void {
    const recs = encodeBatch(batch);
    let len = 0;
    for (const r of recs) len += r.length;
    const buf = new Uint8Array(len);
    let o = 0;
    for (const r of recs) { buf.set(r, o); o += r.length; }
    this.saves++;
    const a = this.armed;
    if (a && --a.nth === 0) {
      this.armed = undefined;
      switch (a.point.at) {
        case 'before':
          throw new CrashError('before write');
        case 'after':
          this.push(buf);
          throw new CrashError('after write');
        case 'torn':
          this.push(buf.slice(0, Math.min(a.point.keepBytes, buf.length)));
          throw new CrashError(`torn write (${Math.min(a.point.keepBytes, buf.length)} of ${buf.length} bytes)`);
        case 'corrupt': {
          const c = buf.slice();
          if (c.length > 0) c[c.length - 1] = c[c.length - 1]! ^ 0xff;
          this.push(c);
          throw new CrashError('corrupt write');
        }
      }
    }
    this.push(buf);
  }

  private push(b: Uint8Array): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.size += b.length;
  }
}
