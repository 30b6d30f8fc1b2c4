// The WOR client: the WormSpace API (capture, write, read, alloc; append, tail, trim for logs) over
// any way of invoking a replicated command (a KvClient session: `kv.invokeAsync`, the UDP pool's
// `client.invoke`). Each call is one command, one entry of the replicated log; a write by the
// current captor is one fast-path commit. Outcomes the session could not settle (no answer in
// time: it may or may not have executed) surface as WorError 'indeterminate', never as a guess.

import type { Outcome } from '../client.js';
import { Status, type Command } from '../kv.js';
import { WOR_STATUS_NAMES, WorStatus, decodeWorResult, type WorResult } from './space.js';

export type Invoke = (cmd: Command) => Promise<Outcome>;

/** A call that did not complete as a WOR result: `indeterminate` (may have executed), `failed` (did not), `status` (refused). */
export class WorError extends Error {
  constructor(readonly kind: 'indeterminate' | 'failed' | 'status', message: string, readonly status?: number) {
    super(message);
    this.name = 'WorError';
  }
}

export type ReadResult =
  | { state: 'value'; value: Uint8Array; epoch: number }
  | { state: 'empty' }
  /** captured but not written: a captor may still write it */
  | { state: 'undecided'; epoch: number }
  | { state: 'trimmed' };

export type WriteResult =
  | { ok: true; epoch: number }
  | { ok: false; reason: 'written'; value: Uint8Array; message: string }
  | { ok: false; reason: 'preempted'; epoch: number; message: string }
  | { ok: false; reason: 'trimmed' | 'unallocated' | 'bad-epoch'; message: string };

export function statusName(s: number): string {
  return WOR_STATUS_NAMES[s] ?? (s === Status.STALE ? 'STALE' : s === Status.NOT_LEADER ? 'NOT_LEADER' : `status ${s}`);
}

export class WorClient {
  readonly stats = { calls: 0, indeterminate: 0 };
  constructor(private readonly invoke: Invoke) {}

  /** One WOR command; its result whatever the status. Throws WorError when the outcome is not known. */
  async call(cmd: Command): Promise<WorResult> {
    this.stats.calls++;
    const o = await this.invoke(cmd);
    if (o.kind === 'indeterminate') { this.stats.indeterminate++; throw new WorError('indeterminate', `${cmd.op}: ${o.reason}`); }
    if (o.kind === 'failed') throw new WorError('failed', `${cmd.op}: ${o.reason}`);
    // STALE: the session answered an older request: what this one did is not known
    if (o.reply.status === Status.STALE) { this.stats.indeterminate++; throw new WorError('indeterminate', `${cmd.op}: a stale session reply`); }
    return decodeWorResult(o.reply.status, o.reply.value);
  }

  private expectOk(cmd: Command, r: WorResult): WorResult {
    if (r.status !== WorStatus.OK) throw new WorError('status', `${cmd.op}: ${statusName(r.status)}${'addr' in cmd ? ` (register ${cmd.addr})` : 'base' in cmd ? ` (range ${cmd.base})` : ''}`, r.status);
    return r;
  }

  /** A fresh range of `size` registers; returns its base address. */
  async alloc(size: number): Promise<number> {
    const cmd: Command = { op: 'wor.alloc', size };
    return this.expectOk(cmd, await this.call(cmd)).addr;
  }

  /** Takes the right to write `addr` with a new epoch (pre-empting every earlier captor); returns the value if one was written. */
  async capture(addr: number): Promise<{ epoch: number; value?: Uint8Array }> {
    const cmd: Command = { op: 'wor.capture', addr };
    const r = this.expectOk(cmd, await this.call(cmd));
    return r.value ? { epoch: r.epoch, value: r.value } : { epoch: r.epoch };
  }

  /** Writes `addr` once, as the captor of `epoch` (0: the range owner's implicit capture). */
  async write(addr: number, value: Uint8Array, epoch = 0): Promise<WriteResult> {
    const r = await this.call({ op: 'wor.write', addr, epoch, value });
    switch (r.status) {
      case WorStatus.OK: return { ok: true, epoch: r.epoch };
      case WorStatus.WRITTEN:
        return { ok: false, reason: 'written', value: r.value ?? new Uint8Array(), message: `register ${addr} already holds another value (${r.value?.length ?? 0} bytes, written with epoch ${r.epoch}): a register is written at most once` };
      case WorStatus.PREEMPTED:
        return { ok: false, reason: 'preempted', epoch: r.epoch, message: `register ${addr} was captured with epoch ${r.epoch}, above this write's epoch ${epoch}: capture it again to write` };
      case WorStatus.TRIMMED: return { ok: false, reason: 'trimmed', message: `register ${addr} was trimmed` };
      case WorStatus.UNALLOCATED: return { ok: false, reason: 'unallocated', message: `register ${addr} is not in an allocated range` };
      case WorStatus.BAD: return { ok: false, reason: 'bad-epoch', message: `epoch ${epoch} of register ${addr} was never captured (the current epoch is ${r.epoch})` };
      default: throw new WorError('status', `write: ${statusName(r.status)}`, r.status);
    }
  }

  /** The register's value, or empty (never captured nor written), undecided (captured, not written) or trimmed. */
  async read(addr: number): Promise<ReadResult> {
    const cmd: Command = { op: 'wor.read', addr };
    const r = await this.call(cmd);
    switch (r.status) {
      case WorStatus.OK: return { state: 'value', value: r.value ?? new Uint8Array(), epoch: r.epoch };
      case WorStatus.EMPTY: return { state: 'empty' };
      case WorStatus.UNDECIDED: return { state: 'undecided', epoch: r.epoch };
      case WorStatus.TRIMMED: return { state: 'trimmed' };
      default: this.expectOk(cmd, r); throw new Error('unreachable');
    }
  }

  /** Writes `value` into the next register of the range at `base`; returns its address. */
  async append(base: number, value: Uint8Array): Promise<number> {
    const cmd: Command = { op: 'wor.append', base, value };
    return this.expectOk(cmd, await this.call(cmd)).addr;
  }

  /** The range's next register (where the next append goes) and its trim point. */
  async tail(base: number): Promise<{ tail: number; floor: number }> {
    const cmd: Command = { op: 'wor.tail', base };
    const r = this.expectOk(cmd, await this.call(cmd));
    return { tail: r.addr, floor: r.epoch };
  }

  /** Forgets the range's registers below `upTo`; returns the trim point. */
  async trim(base: number, upTo: number): Promise<number> {
    const cmd: Command = { op: 'wor.trim', base, upTo };
    return this.expectOk(cmd, await this.call(cmd)).addr;
  }
}
