// The host's copy of the replicated log: a snapshot base (index, term) and the entries after it.
// The NIC's log RAM holds a window of the same log; the host copy may lag the NIC's tail (the
// fast path appends without telling the host) until the core syncs it through the log port.

import type { Entry } from './types.js';

export class HostLog {
  /** index and term of the last entry covered by the snapshot (0/0: none) */
  snapIndex = 0;
  snapTerm = 0;
  entries: Entry[] = [];
  commit = 0;
  applied = 0;

  firstIndex(): number {
    return this.snapIndex + 1;
  }
  lastIndex(): number {
    return this.snapIndex + this.entries.length;
  }
  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  /** Term of the entry at i; undefined when i is compacted away or beyond the end. */
  term(i: number): number | undefined {
    if (i === this.snapIndex) return this.snapTerm;
    if (i < this.snapIndex || i > this.lastIndex()) return undefined;
    return this.entries[i - this.snapIndex - 1]!.term;
  }

  entry(i: number): Entry | undefined {
    if (i <= this.snapIndex || i > this.lastIndex()) return undefined;
    return this.entries[i - this.snapIndex - 1];
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** Raft's election restriction: is (lastTerm, lastIndex) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Drops every entry with index > i. */
  truncateAfter(i: number): void {
    if (i < this.snapIndex) throw new Error(`truncate below the snapshot (${i} < ${this.snapIndex})`);
    if (i < this.commit) throw new Error(`truncate below the commit index (${i} < ${this.commit})`);
    this.entries.length = Math.max(0, i - this.snapIndex);
  }

  /** Appends an entry that must be exactly lastIndex+1. */
  append(e: Entry): void {
    if (e.index !== this.lastIndex() + 1) throw new Error(`append of ${e.index} after ${this.lastIndex()}`);
    if (e.term < this.lastTerm()) throw new Error(`append of ${e.index}/t${e.term} after ${this.lastIndex()}/t${this.lastTerm()}: terms in a log never decrease`);
    this.entries.push(e);
  }

  /** The largest index <= i whose term is <= t (etcd's findConflictByTerm): a rejection hint. */
  findConflictByTerm(i: number, t: number): number {
    let j = Math.min(i, this.lastIndex());
    while (j > this.snapIndex) {
      const tj = this.term(j)!;
      if (tj <= t) break;
      j--;
    }
    return j;
  }

  slice(lo: number, hi: number): Entry[] {
    const out: Entry[] = [];
    for (let i = Math.max(lo, this.firstIndex()); i <= Math.min(hi, this.lastIndex()); i++) out.push(this.entry(i)!);
    return out;
  }

  /** Replaces the prefix up to index (inclusive) by a snapshot base. */
  compact(index: number, term: number): void {
    const keep = this.entries.filter((e) => e.index > index);
    this.entries = index >= this.lastIndex() ? [] : keep;
    this.snapIndex = index;
    this.snapTerm = term;
  }
}
