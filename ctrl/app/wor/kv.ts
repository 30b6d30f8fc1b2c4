// The KV store expressed over WORs (a demonstration): the store's commands go into a shared log of
// write-once registers (ctrl/app/wor/log.ts) and every client plays the log into its own copy of
// the KV state machine (KvStore.execute, the same code the replicas run), Tango-style. The
// existing KV application is then one client of the WOR address space: its order is the order of
// the log's positions, its state a function of the log's prefix.
//
// A command's result is what it did at its position. A read appends nothing: it plays the log up
// to the tail it reads (the tail is linearizable: it is itself a replicated command).

import { KvStore, type KvCommand, type Reply } from '../kv.js';
import { decodeKvCommand, encodeCommand } from '../kv.js';
import { SharedLog } from './log.js';

export class LogKv {
  private readonly store = new KvStore();
  /** the first position not yet played */
  private played = 0;
  /** results of this client's own commands, by position, until they are collected */
  readonly stats = { played: 0, skipped: 0 };

  constructor(readonly log: SharedLog) {}

  /** Plays positions [played, upTo) into the local store; returns the result at `want`. */
  private async playTo(upTo: number, want = -1): Promise<Reply | undefined> {
    let mine: Reply | undefined;
    while (this.played < upTo) {
      const p = this.played;
      const r = await this.log.read(p);
      if (r.state === 'empty' || r.state === 'undecided') continue; // below the tail an append is never empty: read again
      if (r.state === 'trimmed') throw new Error(`position ${p} was trimmed before this client played it`);
      let reply: Reply | undefined;
      try {
        reply = this.store.execute(decodeKvCommand(r.value));
      } catch {
        this.stats.skipped++; // not a KV command: skipped by every client alike
      }
      if (p === want) mine = reply;
      this.played++;
      this.stats.played++;
    }
    return mine;
  }

  /** A write (put, delete, append, cas): appended, then played up to its position. */
  async execute(cmd: KvCommand): Promise<Reply> {
    if (cmd.op === 'get') return this.get(cmd.key);
    const pos = await this.log.append(encodeCommand(cmd));
    const r = await this.playTo(pos + 1, pos);
    if (!r) throw new Error(`position ${pos}: the command did not play`);
    return r;
  }

  /** A linearizable read: play up to the current tail, then answer locally. */
  async get(key: string): Promise<Reply> {
    const { tail } = await this.log.tail();
    await this.playTo(tail);
    return this.store.execute({ op: 'get', key });
  }
}
