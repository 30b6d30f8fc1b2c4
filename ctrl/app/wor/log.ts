// A shared log over write-once registers, in the style of CORFU/Tango: the log is one allocated
// range of WORs, position p is register base + p. Appends from any number of clients need no
// sequencer round trip and no coordination: `append` is one replicated command that writes the
// range's next register (the replicated log orders concurrent appends), so an append is one
// fast-path commit. Every position is written once, so every reader sees the same value at a
// position (prefix agreement); a position below the tail is never empty (appends leave no holes).
//
// An append whose outcome the session could not settle (WorError 'indeterminate') may have
// taken a position: retrying it may append the value twice (at-least-once; give values an id
// when that matters, as Tango's clients do).

import { WorClient, WorError, type ReadResult } from './client.js';

export class LogFullError extends Error {}

export class SharedLog {
  constructor(readonly wor: WorClient, readonly base: number) {}

  /** Allocates a log of `capacity` positions. */
  static async create(wor: WorClient, capacity: number): Promise<SharedLog> {
    return new SharedLog(wor, await wor.alloc(capacity));
  }

  /** Appends `value`; returns its position. */
  async append(value: Uint8Array): Promise<number> {
    try {
      return (await this.wor.append(this.base, value)) - this.base;
    } catch (e) {
      if (e instanceof WorError && e.kind === 'status' && e.status === 21) throw new LogFullError(`the log at ${this.base} is full`);
      throw e;
    }
  }

  /** The entry at `pos`: its value, empty (not yet appended), or trimmed. */
  async read(pos: number): Promise<ReadResult> {
    return this.wor.read(this.base + pos);
  }

  /** The next position to be appended and the first position not trimmed. */
  async tail(): Promise<{ tail: number; trimmed: number }> {
    const t = await this.wor.tail(this.base);
    return { tail: t.tail - this.base, trimmed: t.floor - this.base };
  }

  /** Forgets every position below `upTo` (reads there answer trimmed). */
  async trim(upTo: number): Promise<number> {
    return (await this.wor.trim(this.base, this.base + upTo)) - this.base;
  }

  /** Reads positions [from, to) in order (entries trimmed meanwhile come back as trimmed). */
  async readRange(from: number, to: number): Promise<ReadResult[]> {
    const out: ReadResult[] = [];
    for (let p = from; p < to; p++) out.push(await this.read(p));
    return out;
  }
}
