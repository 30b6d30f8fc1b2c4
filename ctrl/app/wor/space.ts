// The WOR address space (WormSpace, SoCC'19, on nicraft's log): write-once registers, each with
// a data-centric API, as a deterministic state machine applied from the replicated log next to
// the KV store (ctrl/app/kv.ts routes every command whose first byte is a WOR op code here).
//
//   alloc(n)                -> a fresh range of n registers (its base address); nobody else gets them
//   capture(addr)           -> an epoch above every earlier capture of addr (pre-empting their holders),
//                              and the value if one was written (Paxos phase 1, decided by the log)
//   write(addr, epoch, v)   -> OK once: the register takes v if it is empty and no capture above
//                              `epoch` happened; WRITTEN (with the value there) if another value was
//                              written, PREEMPTED (with the newer epoch) if a later capture took it.
//                              Only the current captor writes: an epoch nobody captured is BAD.
//                              Epoch 0 is the range owner's implicit capture: a write with epoch 0
//                              is the common case, one log entry, and fails only after a capture.
//   read(addr)              -> OK value | EMPTY (never captured nor written) | UNDECIDED (captured,
//                              not written: a captor may still write) | TRIMMED
//   append(base, v)         -> writes v into the range's next register (after the highest register
//                              in use): a sequencer-free shared-log append in one log entry
//   tail(base)              -> the range's next register (and its trim point)
//   trim(base, upTo)        -> registers of the range below upTo are forgotten (reads: TRIMMED)
//
// Every register is written at most once: a write to a written register never changes it.
// Addresses are 32-bit; address 0 is never allocated.

import { Reader, Writer } from '../codec.js';

export const WorOp = { ALLOC: 0x10, CAPTURE: 0x11, WRITE: 0x12, READ: 0x13, APPEND: 0x14, TAIL: 0x15, TRIM: 0x16 } as const;

/** Reply statuses of WOR commands (0 = OK as for the KV store; the KV store uses 1..4). */
export const WorStatus = {
  OK: 0, EMPTY: 16, UNDECIDED: 17, WRITTEN: 18, PREEMPTED: 19, TRIMMED: 20, FULL: 21, UNALLOCATED: 22, BAD: 23,
} as const;
export const WOR_STATUS_NAMES: Record<number, string> = Object.fromEntries(Object.entries(WorStatus).map(([k, v]) => [v, k]));

export type WorCommand =
  | { op: 'wor.alloc'; size: number }
  | { op: 'wor.capture'; addr: number }
  | { op: 'wor.write'; addr: number; epoch: number; value: Uint8Array }
  | { op: 'wor.read'; addr: number }
  | { op: 'wor.append'; base: number; value: Uint8Array }
  | { op: 'wor.tail'; base: number }
  | { op: 'wor.trim'; base: number; upTo: number };

/** What a WOR command answers (inside the KV reply's value): an address, an epoch, maybe a value. */
export interface WorResult {
  status: number;
  /** alloc: the base; append: the register written; tail: the next register; trim: the trim point; others: the register */
  addr: number;
  /** capture: the new epoch; write PREEMPTED / read UNDECIDED: the highest capture; write OK / WRITTEN: the writer's epoch; tail: the trim point */
  epoch: number;
  value?: Uint8Array;
}

export function isWorPayload(b: Uint8Array): boolean {
  return b.length > 0 && b[0]! >= 0x10 && b[0]! <= 0x1f;
}

export function isWorCommand(c: { op: string }): c is WorCommand {
  return c.op.startsWith('wor.');
}

export function encodeWorCommand(c: WorCommand): Uint8Array {
  const w = new Writer();
  switch (c.op) {
    case 'wor.alloc': return w.u8(WorOp.ALLOC).u32(c.size).done();
    case 'wor.capture': return w.u8(WorOp.CAPTURE).u32(c.addr).done();
    case 'wor.write': return w.u8(WorOp.WRITE).u32(c.addr).u32(c.epoch).bytes16(c.value).done();
    case 'wor.read': return w.u8(WorOp.READ).u32(c.addr).done();
    case 'wor.append': return w.u8(WorOp.APPEND).u32(c.base).bytes16(c.value).done();
    case 'wor.tail': return w.u8(WorOp.TAIL).u32(c.base).done();
    case 'wor.trim': return w.u8(WorOp.TRIM).u32(c.base).u32(c.upTo).done();
  }
}

export function decodeWorCommand(b: Uint8Array): WorCommand {
  const r = new Reader(b);
  const op = r.u8();
  let c: WorCommand;
  switch (op) {
    case WorOp.ALLOC: c = { op: 'wor.alloc', size: r.u32() }; break;
    case WorOp.CAPTURE: c = { op: 'wor.capture', addr: r.u32() }; break;
    case WorOp.WRITE: c = { op: 'wor.write', addr: r.u32(), epoch: r.u32(), value: r.bytes16() }; break;
    case WorOp.READ: c = { op: 'wor.read', addr: r.u32() }; break;
    case WorOp.APPEND: c = { op: 'wor.append', base: r.u32(), value: r.bytes16() }; break;
    case WorOp.TAIL: c = { op: 'wor.tail', base: r.u32() }; break;
    case WorOp.TRIM: c = { op: 'wor.trim', base: r.u32(), upTo: r.u32() }; break;
    default: throw new Error(`unknown WOR op 0x${op.toString(16)}`);
  }
  if (!r.end()) throw new Error('trailing bytes');
  return c;
}

/** The WOR result as the KV reply's value (the reply's status is the WOR status). */
export function encodeWorResult(x: WorResult): Uint8Array {
  const w = new Writer().u32(x.addr).u32(x.epoch).u8(x.value ? 1 : 0);
  if (x.value) w.bytes16(x.value);
  return w.done();
}

export function decodeWorResult(status: number, b: Uint8Array | undefined): WorResult {
  if (!b || b.length === 0) return { status, addr: 0, epoch: 0 };
  const r = new Reader(b);
  const addr = r.u32();
  const epoch = r.u32();
  const value = r.u8() ? r.bytes16() : undefined;
  return value ? { status, addr, epoch, value } : { status, addr, epoch };
}

interface Register {
  /** the highest epoch captured (0: never captured) */
  epoch: number;
  value?: Uint8Array;
  /** the epoch the value was written with */
  writtenEpoch: number;
}

interface Range {
  base: number;
  size: number;
  /** one past the highest register of the range written or captured (append writes here) */
  cursor: number;
  /** registers below this were trimmed */
  floor: number;
}

const ADDR_LIMIT = 0xffff_ffff;

function eq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class WorSpace {
  private regs = new Map<number, Register>();
  /** ranges in allocation order (ascending bases) */
  private ranges: Range[] = [];
  private byBase = new Map<number, Range>();
  private nextFree = 1;
  readonly stats = { allocs: 0, captures: 0, writes: 0, writeConflicts: 0, preempted: 0, reads: 0, appends: 0, trims: 0 };

  /** The range holding addr, if allocated. */
  private rangeOf(addr: number): Range | undefined {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid]!;
      if (addr < r.base) hi = mid - 1;
      else if (addr >= r.base + r.size) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  private res(status: number, addr: number, epoch = 0, value?: Uint8Array): WorResult {
    return value ? { status, addr, epoch, value } : { status, addr, epoch };
  }

  /** Checks addr: allocated and not trimmed. */
  private locate(addr: number): { range: Range } | WorResult {
    const range = this.rangeOf(addr);
    if (!range) return this.res(WorStatus.UNALLOCATED, addr);
    if (addr < range.floor) return this.res(WorStatus.TRIMMED, addr);
    return { range };
  }

  /** Executes one command (deterministic: every replica gets the same result). */
  execute(c: WorCommand): WorResult {
    switch (c.op) {
      case 'wor.alloc': {
        if (c.size < 1 || this.nextFree + c.size > ADDR_LIMIT) return this.res(c.size < 1 ? WorStatus.BAD : WorStatus.FULL, 0);
        const r: Range = { base: this.nextFree, size: c.size, cursor: this.nextFree, floor: this.nextFree };
        this.nextFree += c.size;
        this.ranges.push(r);
        this.byBase.set(r.base, r);
        this.stats.allocs++;
        return this.res(WorStatus.OK, r.base);
      }
      case 'wor.capture': {
        const l = this.locate(c.addr);
        if (!('range' in l)) return l;
        const g = this.reg(c.addr, l.range);
        g.epoch++;
        this.stats.captures++;
        return this.res(WorStatus.OK, c.addr, g.epoch, g.value);
      }
      case 'wor.write': {
        const l = this.locate(c.addr);
        if (!('range' in l)) return l;
        const g = this.regs.get(c.addr);
        if (g?.value) {
          if (eq(g.value, c.value)) return this.res(WorStatus.OK, c.addr, g.writtenEpoch); // the same value again: done already
          this.stats.writeConflicts++;
          return this.res(WorStatus.WRITTEN, c.addr, g.writtenEpoch, g.value);
        }
        const cur = g?.epoch ?? 0;
        if (c.epoch < cur) {
          this.stats.preempted++;
          return this.res(WorStatus.PREEMPTED, c.addr, cur);
        }
        if (c.epoch > cur) return this.res(WorStatus.BAD, c.addr, cur); // an epoch nobody captured
        const n = this.reg(c.addr, l.range);
        n.value = c.value;
        n.writtenEpoch = c.epoch;
        this.stats.writes++;
        return this.res(WorStatus.OK, c.addr, c.epoch);
      }
      case 'wor.read': {
        const l = this.locate(c.addr);
        this.stats.reads++;
        if (!('range' in l)) return l;
        const g = this.regs.get(c.addr);
        if (g?.value) return this.res(WorStatus.OK, c.addr, g.writtenEpoch, g.value);
        if (g && g.epoch > 0) return this.res(WorStatus.UNDECIDED, c.addr, g.epoch);
        return this.res(WorStatus.EMPTY, c.addr);
      }
      case 'wor.append': {
        const range = this.byBase.get(c.base);
        if (!range) return this.res(WorStatus.UNALLOCATED, c.base);
        if (range.cursor >= range.base + range.size) return this.res(WorStatus.FULL, range.cursor);
        const addr = range.cursor;
        const g = this.reg(addr, range);
        g.value = c.value;
        this.stats.appends++;
        return this.res(WorStatus.OK, addr, 0);
      }
      case 'wor.tail': {
        const range = this.byBase.get(c.base);
        if (!range) return this.res(WorStatus.UNALLOCATED, c.base);
        return this.res(WorStatus.OK, range.cursor, range.floor);
      }
      case 'wor.trim': {
        const range = this.byBase.get(c.base);
        if (!range) return this.res(WorStatus.UNALLOCATED, c.base);
        const to = Math.min(c.upTo, range.base + range.size);
        for (let a = range.floor; a < Math.min(to, range.cursor); a++) this.regs.delete(a);
        if (to > range.floor) range.floor = to;
        if (range.cursor < range.floor) range.cursor = range.floor;
        this.stats.trims++;
        return this.res(WorStatus.OK, range.floor);
      }
    }
  }

  /** The register at addr (created empty), moving its range's cursor past it. */
  private reg(addr: number, range: Range): Register {
    let g = this.regs.get(addr);
    if (!g) {
      g = { epoch: 0, writtenEpoch: 0 };
      this.regs.set(addr, g);
    }
    if (addr >= range.cursor) range.cursor = addr + 1;
    return g;
  }

  /** Nothing allocated (the KV store's snapshot then carries no WOR section). */
  empty(): boolean {
    return this.ranges.length === 0;
  }

  /** Deterministic snapshot: ranges in order, registers by address. */
  snapshot(w: Writer): void {
    w.u32(this.nextFree).u32(this.ranges.length);
    for (const r of this.ranges) w.u32(r.base).u32(r.size).u32(r.cursor).u32(r.floor);
    const addrs = [...this.regs.keys()].sort((a, b) => a - b);
    w.u32(addrs.length);
    for (const a of addrs) {
      const g = this.regs.get(a)!;
      w.u32(a).u32(g.epoch).u32(g.writtenEpoch).u8(g.value ? 1 : 0);
      if (g.value) w.bytes16(g.value);
    }
  }

  restore(r: Reader): void {
    this.nextFree = r.u32();
    this.ranges = [];
    this.byBase = new Map();
    for (let n = r.u32(); n > 0; n--) {
      const x: Range = { base: r.u32(), size: r.u32(), cursor: r.u32(), floor: r.u32() };
      this.ranges.push(x);
      this.byBase.set(x.base, x);
    }
    this.regs = new Map();
    for (let n = r.u32(); n > 0; n--) {
      const a = r.u32();
      const g: Register = { epoch: r.u32(), writtenEpoch: r.u32() };
      if (r.u8()) g.value = r.bytes16();
      this.regs.set(a, g);
    }
  }

  clear(): void {
    this.regs = new Map();
    this.ranges = [];
    this.byBase = new Map();
    this.nextFree = 1;
  }
}
