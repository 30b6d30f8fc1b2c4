// TypeScript binding of the simulation library (native/nic_shim.cpp) through koffi.
//
// One koffi library per .so path (a variant), loaded once. `SimNic` wraps one instance: a Verilated
// nicraft_nic with its port queues and host-command FIFO. Time advances only in step()/reset() and
// in the synchronous helpers (csrRead, logRead, ...), which step until their command is done.
// Frames cross in bulk as packed records { u32 len; u32 user; u64 cycle; bytes padded to 8 }.
import koffi from 'koffi';
import { declareApi } from './ffi.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { libraryPath, ROOT, type Variant } from './build.js';

const ABI_VERSION = 1;

/** A frame crossing a port: its bytes, the tuser word and a cycle (in: not before; out: last beat). */
export interface SimFrame {
  data: Uint8Array;
  /** Input: bit 0 drives tuser (network RX: the MAC saw a bad FCS). Output: host RX reason code. */
  user?: number;
  /** Input: the earliest cycle the first beat may be offered. Output: cycle of the last beat's handshake. */
  cycle?: number;
}

export interface SimPortStats {
  inFrames: number; inBeats: number; inBytes: number; inQueued: number;
  outFrames: number; outBeats: number; outBytes: number; outQueued: number;
}
export interface SimStats { cycle: number; ports: SimPortStats[] }

/** Error codes of the C ABI (negative returns). */
export const NrStatus = { PENDING: -1, UNKNOWN_TAG: -2, TOO_SMALL: -3, TIMEOUT: -4, RESET: -5, FULL: -6 } as const;

/** A truncated captured frame (longer than the shim's capture limit) has this bit in `user`. */
export const USER_TRUNCATED = 0x8000_0000;

type Fn = (...args: unknown[]) => unknown;
interface Api {
  abi: Fn; create: Fn; destroy: Fn; planes: Fn; dataBytes: Fn; lastError: Fn; clearError: Fn;
  reset: Fn; step: Fn; cycle: Fn; finished: Fn;
  push: Fn; pull: Fn; pendingIn: Fn; pendingOut: Fn; setReady: Fn; setGap: Fn; seed: Fn;
  csrWrite: Fn; csrReadReq: Fn; logWriteReq: Fn; logReadReq: Fn; cmdResult: Fn; cmdPending: Fn;
  csrRead: Fn; csrReadBlock: Fn; csrWriteSync: Fn; logWrite: Fn; logRead: Fn;
  traceOpen: Fn; traceClose: Fn; coverageWrite: Fn; hasCoverage: Fn; stats: Fn;
}

/** Loads (once) the library at path and declares the C ABI. */
export function loadApi(path: string): Api {
  return declareApi(path, 'nic', {
    abi: 'uint32_t nr_abi_version()',
    create: 'void *nr_create(uint64_t seed)',
    destroy: 'void nr_destroy(void *h)',
    planes: 'uint32_t nr_planes(void *h)',
    dataBytes: 'uint32_t nr_data_bytes(void *h)',
    lastError: 'const char *nr_last_error(void *h)',
    clearError: 'void nr_clear_error(void *h)',
    reset: 'void nr_reset(void *h, uint32_t cycles)',
    step: 'uint64_t nr_step(void *h, uint64_t n)',
    cycle: 'uint64_t nr_cycle(void *h)',
    finished: 'int32_t nr_finished(void *h)',
    push: 'int64_t nr_push_frames(void *h, uint32_t port, const void *buf, uint32_t nbytes)',
    pull: 'int64_t nr_pull_frames(void *h, uint32_t port, void *buf, uint32_t cap)',
    pendingIn: 'uint32_t nr_pending_in(void *h, uint32_t port)',
    pendingOut: 'uint32_t nr_pending_out(void *h, uint32_t port)',
    setReady: 'void nr_set_ready_prob(void *h, uint32_t port, double p)',
    setGap: 'void nr_set_gap_prob(void *h, uint32_t port, double p)',
    seed: 'void nr_seed(void *h, uint64_t seed)',
    csrWrite: 'int64_t nr_csr_write(void *h, uint32_t addr, uint32_t value)',
    csrReadReq: 'int64_t nr_csr_read_req(void *h, uint32_t addr)',
    logWriteReq: 'int64_t nr_log_write_req(void *h, uint32_t index, const void *frame, uint32_t len)',
    logReadReq: 'int64_t nr_log_read_req(void *h, uint32_t index)',
    cmdResult: 'int64_t nr_cmd_result(void *h, uint32_t tag, void *out, uint32_t cap)',
    cmdPending: 'uint32_t nr_cmd_pending(void *h)',
    csrRead: 'int64_t nr_csr_read(void *h, uint32_t addr)',
    csrReadBlock: 'int64_t nr_csr_read_block(void *h, const void *addrs, uint32_t n, void *out)',
    csrWriteSync: 'int64_t nr_csr_write_sync(void *h, uint32_t addr, uint32_t value)',
    logWrite: 'int64_t nr_log_write(void *h, uint32_t index, const void *frame, uint32_t len)',
    logRead: 'int64_t nr_log_read(void *h, uint32_t index, void *out, uint32_t cap)',
    traceOpen: 'int32_t nr_trace_open(void *h, const char *path)',
    traceClose: 'void nr_trace_close(void *h)',
    coverageWrite: 'int32_t nr_coverage_write(void *h, const char *path)',
    hasCoverage: 'int32_t nr_has_coverage()',
    stats: 'uint32_t nr_stats(void *h, void *out, uint32_t n)',
  });
}

/**
 * The variant used when none is given: the RTL defaults, with coverage when NICRAFT_COVERAGE=1 and
 * without assertions when NICRAFT_NOASSERT=1 (benchmarks).
 */
export function defaultVariant(v: Variant = {}): Variant {
  let out = v;
  if (process.env.NICRAFT_COVERAGE === '1') out = { ...out, coverage: true };
  if (process.env.NICRAFT_NOASSERT === '1') out = { ...out, noassert: true };
  return out;
}

export interface SimNicOptions {
  /** Parameter overrides; built on first use (native/build.ts). */
  variant?: Variant;
  /** Use this library instead of building one. */
  libPath?: string;
  /** Seed of the instance's xorshift generator (backpressure and gap patterns). */
  seed?: number | bigint;
}

let instances = 0;
const finalizer = new FinalizationRegistry<{ api: Api; h: unknown }>(({ api, h }) => api.destroy(h));

/** One simulated NIC. Ports 0..planes-1 are the network planes; `hostPort` (= planes) is the host. */
export class SimNic {
  readonly planes: number;
  readonly hostPort: number;
  readonly dataBytes: number;
  readonly libPath: string;
  readonly coverage: boolean;
  private h: unknown;
  private readonly api: Api;
  private scratch = Buffer.alloc(1 << 20);
  private pushBuf = Buffer.alloc(1 << 16);
  private readonly id = ++instances;
  private readonly token = {};

  private readonly owned: boolean;

  private constructor(api: Api, h: unknown, libPath: string, owned = true) {
    this.api = api;
    this.h = h;
    this.libPath = libPath;
    this.owned = owned;
    this.planes = api.planes(h) as number;
    this.hostPort = this.planes;
    this.dataBytes = api.dataBytes(h) as number;
    this.coverage = (api.hasCoverage() as number) === 1;
    if (owned) finalizer.register(this, { api, h }, this.token);
  }

  /** A view of an instance owned by native code (e.g. a NIC inside a simulated world); never destroyed here. */
  static borrow(libPath: string, h: unknown): SimNic {
    if (!h) throw new Error('SimNic.borrow: null instance');
    return new SimNic(loadApi(libPath), h, libPath, false);
  }

  static create(opts: SimNicOptions = {}): SimNic {
    const path = opts.libPath ?? libraryPath(defaultVariant(opts.variant));
    const api = loadApi(path);
    const h = api.create(opts.seed ?? 1);
    if (!h) throw new Error(`nr_create failed (${path})`);
    return new SimNic(api, h, path);
  }

  private get handle(): unknown {
    if (!this.h) throw new Error('SimNic: used after destroy()');
    return this.h;
  }

  private fail(what: string, code?: number): never {
    const msg = this.h ? (this.api.lastError(this.h) as string) : '';
    if (this.h) this.api.clearError(this.h);
    const codeName = Object.entries(NrStatus).find(([, c]) => c === code)?.[0];
    throw new Error(`SimNic ${what} failed${codeName ? ` (${codeName})` : code !== undefined ? ` (${code})` : ''}${msg ? `: ${msg}` : ''}`);
  }

  private checkPort(port: number, what: string): void {
    if (!Number.isInteger(port) || port < 0 || port > this.hostPort) {
      throw new RangeError(`SimNic.${what}: port ${port} out of range 0..${this.hostPort} (planes 0..${this.planes - 1}, host ${this.hostPort})`);
    }
  }

  /** Holds rst for `cycles` cycles. Drops queued, in-flight and captured frames, and pending host commands. */
  reset(cycles = 16): void {
    this.api.reset(this.handle, cycles);
  }

  /** Advances `n` cycles; returns the cycle count after. */
  step(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`SimNic.step: bad cycle count ${n}`);
    const c = this.api.step(this.handle, n) as number;
    if ((this.api.finished(this.h) as number) !== 0) this.fail('step');
    return c;
  }

  get cycle(): number {
    return this.api.cycle(this.handle) as number;
  }

  /** Queues frames on an input port (network RX plane, or host TX for hostPort), in order. */
  push(port: number, frames: readonly SimFrame[]): void {
    this.checkPort(port, 'push');
    if (frames.length === 0) return;
    let size = 0;
    for (const f of frames) {
      if (f.data.length === 0) throw new RangeError('SimNic.push: empty frame');
      size += 16 + ((f.data.length + 7) & ~7);
    }
    if (size > this.pushBuf.length) this.pushBuf = Buffer.alloc(Math.max(size, this.pushBuf.length * 2));
    const b = this.pushBuf;
    let off = 0;
    for (const f of frames) {
      const len = f.data.length;
      b.writeUInt32LE(len, off);
      b.writeUInt32LE((f.user ?? 0) >>> 0, off + 4);
      b.writeBigUInt64LE(BigInt(f.cycle ?? 0), off + 8);
      b.set(f.data, off + 16);
      const padded = (len + 7) & ~7;
      if (padded > len) b.fill(0, off + 16 + len, off + 16 + padded);
      off += 16 + padded;
    }
    const n = this.api.push(this.handle, port, b, off) as number;
    if (n !== frames.length) this.fail('push', n);
  }

  /** Takes every frame captured on an output port (network TX plane, or host RX for hostPort). */
  pull(port: number): Array<Required<SimFrame>> {
    this.checkPort(port, 'pull');
    const out: Array<Required<SimFrame>> = [];
    for (;;) {
      const n = this.api.pull(this.handle, port, this.scratch, this.scratch.length) as number;
      if (n === 0) break;
      if (n < 0) {
        if (-n > 0x7fff_0000) this.fail('pull', n);
        this.scratch = Buffer.alloc(Math.max(-n, this.scratch.length * 2));
        continue;
      }
      const b = this.scratch;
      let off = 0;
      while (off < n) {
        const len = b.readUInt32LE(off);
        const user = b.readUInt32LE(off + 4);
        const cycle = Number(b.readBigUInt64LE(off + 8));
        out.push({ data: new Uint8Array(b.subarray(off + 16, off + 16 + len)), user, cycle });
        off += 16 + ((len + 7) & ~7);
      }
    }
    return out;
  }

  /** Frames queued on an input port and not yet fully offered. */
  pendingIn(port: number): number {
    this.checkPort(port, 'pendingIn');
    return this.api.pendingIn(this.handle, port) as number;
  }

  /** Frames captured on an output port and not yet pulled. */
  pendingOut(port: number): number {
    this.checkPort(port, 'pendingOut');
    return this.api.pendingOut(this.handle, port) as number;
  }

  /** Output port: probability that tready is high in a cycle (1 = always ready). */
  setReadyProbability(port: number, p: number): void {
    this.checkPort(port, 'setReadyProbability');
    this.api.setReady(this.handle, port, Math.min(1, Math.max(0, p)));
  }

  /** Input port: probability that tvalid is held low in a cycle between beats (0 = no gaps). */
  setGapProbability(port: number, p: number): void {
    this.checkPort(port, 'setGapProbability');
    this.api.setGap(this.handle, port, Math.min(1, Math.max(0, p)));
  }

  seed(seed: number | bigint): void {
    this.api.seed(this.handle, seed);
  }

  // ---- host commands: queued, executed in order during step(), one per cycle -------------------
  csrWrite(addr: number, value: number): number {
    const t = this.api.csrWrite(this.handle, addr, value >>> 0) as number;
    if (t < 0) this.fail('csrWrite', t);
    return t;
  }
  csrReadRequest(addr: number): number {
    const t = this.api.csrReadReq(this.handle, addr) as number;
    if (t < 0) this.fail('csrReadRequest', t);
    return t;
  }
  logWriteRequest(index: number, frame: Uint8Array): number {
    const t = this.api.logWriteReq(this.handle, index >>> 0, frame, frame.length) as number;
    if (t < 0) this.fail('logWriteRequest', t);
    return t;
  }
  logReadRequest(index: number): number {
    const t = this.api.logReadReq(this.handle, index >>> 0) as number;
    if (t < 0) this.fail('logReadRequest', t);
    return t;
  }

  /**
   * The outcome of a command: undefined while pending; a number for CSR reads (the value) and
   * writes (0); the bytes for log reads. A result is returned once.
   */
  result(tag: number): number | Uint8Array | undefined {
    for (;;) {
      const r = this.api.cmdResult(this.handle, tag, this.scratch, this.scratch.length) as number;
      if (r === NrStatus.PENDING) return undefined;
      if (r === NrStatus.TOO_SMALL) { this.scratch = Buffer.alloc(this.scratch.length * 2); continue; }
      if (r < 0) this.fail(`result(${tag})`, r);
      return r;
    }
  }

  /** Like result(), for a log read: the entry's bytes (or undefined while pending). */
  logResult(tag: number): Uint8Array | undefined {
    for (;;) {
      const r = this.api.cmdResult(this.handle, tag, this.scratch, this.scratch.length) as number;
      if (r === NrStatus.PENDING) return undefined;
      if (r === NrStatus.TOO_SMALL) { this.scratch = Buffer.alloc(this.scratch.length * 2); continue; }
      if (r < 0) this.fail(`logResult(${tag})`, r);
      return new Uint8Array(this.scratch.subarray(0, r));
    }
  }

  /** Host commands not finished yet. */
  get commandsPending(): number {
    return this.api.cmdPending(this.handle) as number;
  }

  // ---- synchronous helpers: step until done --------------------------------------------------
  csrRead(addr: number): number {
    const v = this.api.csrRead(this.handle, addr) as number;
    if (v < 0) this.fail(`csrRead(0x${addr.toString(16)})`, v);
    return v;
  }
  csrReadBlock(addrs: readonly number[]): number[] {
    if (addrs.length === 0) return [];
    const a = Buffer.from(Uint32Array.from(addrs).buffer);
    const out = Buffer.alloc(4 * addrs.length);
    const r = this.api.csrReadBlock(this.handle, a, addrs.length, out) as number;
    if (r < 0) this.fail('csrReadBlock', r);
    return Array.from(new Uint32Array(out.buffer, out.byteOffset, addrs.length));
  }
  csrWriteSync(addr: number, value: number): void {
    const r = this.api.csrWriteSync(this.handle, addr, value >>> 0) as number;
    if (r < 0) this.fail(`csrWriteSync(0x${addr.toString(16)})`, r);
  }
  logWrite(index: number, frame: Uint8Array): void {
    const r = this.api.logWrite(this.handle, index >>> 0, frame, frame.length) as number;
    if (r < 0) this.fail(`logWrite(${index})`, r);
  }
  logRead(index: number): Uint8Array {
    for (;;) {
      const r = this.api.logRead(this.handle, index >>> 0, this.scratch, this.scratch.length) as number;
      if (r === NrStatus.TOO_SMALL) { this.scratch = Buffer.alloc(this.scratch.length * 2); continue; }
      if (r < 0) this.fail(`logRead(${index})`, r);
      return new Uint8Array(this.scratch.subarray(0, r));
    }
  }

  // ---- observability ---------------------------------------------------------------------------
  /** Starts writing an FST waveform to path (closing any open one). */
  traceOpen(path: string): void {
    if ((this.api.traceOpen(this.handle, path) as number) !== 0) this.fail(`traceOpen(${path})`);
  }
  traceClose(): void {
    this.api.traceClose(this.handle);
  }
  /** Writes the coverage counters (a coverage variant only) to a .dat file for verilator_coverage. */
  coverageWrite(path: string): void {
    if ((this.api.coverageWrite(this.handle, path) as number) !== 0) this.fail(`coverageWrite(${path})`);
  }

  stats(): SimStats {
    const n = 3 + 8 * (this.planes + 1);
    const b = Buffer.alloc(8 * n);
    const m = this.api.stats(this.handle, b, n) as number;
    const v = (i: number) => (i < m ? Number(b.readBigUInt64LE(8 * i)) : 0);
    const ports: SimPortStats[] = [];
    for (let p = 0; p <= this.planes; p++) {
      const o = 3 + 8 * p;
      ports.push({
        inFrames: v(o), inBeats: v(o + 1), inBytes: v(o + 2), inQueued: v(o + 3),
        outFrames: v(o + 4), outBeats: v(o + 5), outBytes: v(o + 6), outQueued: v(o + 7),
      });
    }
    return { cycle: v(0), ports };
  }

  get destroyed(): boolean {
    return !this.h;
  }

  /** Frees the instance (closing its trace). With a coverage build, writes build/coverage/raw/*.dat first. */
  destroy(): void {
    if (!this.h) return;
    if (!this.owned) { this.h = undefined; return; }
    if (this.coverage) {
      const dir = join(ROOT, 'build/coverage/raw');
      mkdirSync(dir, { recursive: true });
      this.api.coverageWrite(this.h, join(dir, `nic-${process.pid}-${this.id}.dat`));
    }
    finalizer.unregister(this.token);
    this.api.destroy(this.h);
    this.h = undefined;
  }
}
