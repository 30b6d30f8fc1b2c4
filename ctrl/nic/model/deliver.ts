// nicraft_deliver (hw/rtl/nicraft_deliver.sv): delivery of committed entries to the host, in index order.
//
// While APPLIED_INDEX is behind the commit index, the entry after it is read from the log RAM beat by
// beat (the data comes back the next cycle, in the log RAM's delivery read register) into the
// delivery FIFO, toward the host RX queue. A frame once started is delivered to its last beat: a host
// write of APPLIED_INDEX inside a frame takes effect at the frame's end. Delivery waits while the
// delivery FIFO or the generated frames' FIFO (a NIC reply may follow each delivered first beat) is
// nearly full.
import * as M_wire_gen from '../../wire/wire.gen.js';
import { FrameFifo } from './axis-fifo.js';
import { ByteSlab } from './bytes.js';
import type { LogRam } from './log-ram.js';
import * as M_log_ram from './log-ram.js';
import type { Derived } from './params.js';
import * as M_stats from './stats.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const { BEAT_BYTES, HostReason } = M_wire_gen;
const { asmBeat, asmRoom } = M_log_ram;
const { C_COMMITTED } = M_stats;

const H_COMMITTED: number = HostReason.COMMITTED;
const BEAT: number = BEAT_BYTES, BEAT_MASK = BEAT - 1, BEAT_SHIFT = Math.log2(BEAT);
/** the delivered frames' bytes (bytes.ts: a copy longer than 64 bytes costs a tenth of a slice()) */
const DELIVERED = new ByteSlab();
/** The shim captures at most this many bytes of a host RX frame. */
const MAX_CAPTURE = 1 << 20;

export class Deliver {
  private readonly slotMask: number;
  /** almost full: ALMOST_FULL_FREE 3 */
  readonly afLimit: number;
  /** the delivery FIFO (to the host RX arbiter) */
  readonly dlv: FrameFifo;
  appliedIndex = 0;
  appliedNext = 0;
  /** beat of the entry being read (non-zero: inside a frame) */
  beat = 0;
  /** a host write of APPLIED_INDEX made inside a frame's delivery waits for its end */
  wrPend = false;
  wrVal = 0;
  /** the read of last cycle: valid, first and last beat, the entry's length (the data is in the log RAM) */
  rdValid = false;
  rdFirst = false;
  rdLast = false;
  rdLen = 0;
  /** combinational: a beat is read this cycle */
  go = false;
  /** the frame being assembled for the host (the model's FIFO holds whole frames) */
  private asm = new Uint8Array(1024);
  private asmLen = 0;

  constructor(d: Derived) {
    this.slotMask = d.slotMask;
    this.dlv = new FrameFifo(d.p.HOST_FIFO_DEPTH_LOG2);
    this.afLimit = (1 << d.p.HOST_FIFO_DEPTH_LOG2) - 3;
  }

  reset(): void {
    this.appliedIndex = 0;
    this.rdValid = false; this.beat = 0; this.wrPend = false; this.wrVal = 0; this.asmLen = 0;
    this.dlv.clear();
  }

  /** dlv_afull (STATUS bit 0) */
  afull(): boolean {
    return this.dlv.used > this.afLimit;
  }

  /** Nothing to deliver and nothing in flight. */
  idle(commit: number): boolean {
    return !this.rdValid && this.dlv.used === 0 && this.appliedIndex === commit && this.beat === 0;
  }

  comb(dlvTarget: number, genAfull: boolean): void {
    this.go = (this.beat !== 0 || this.appliedIndex !== dlvTarget) && this.dlv.used <= this.afLimit && !genAfull;
  }

  /** The clock edge: last cycle's beat into the FIFO, then the next read (old log contents). */
  clock(lr: LogRam, ctr: Float64Array): void {
    if (this.rdValid) {
      const lastBeat = this.rdLast;
      const len = this.rdLen;
      const keep = lastBeat ? ((len & BEAT_MASK) === 0 ? BEAT : len & BEAT_MASK) : BEAT;
      const dlv = this.dlv;
      if (dlv.used < dlv.depth) {
        const b = lr.dlvBuf;
        const o = lr.dlvOff;
        const n = b === null ? 0 : lr.dlvN;
        const m = n < keep ? n : keep;
        if (this.asmLen === 0 && lastBeat && b !== null && o === 0 && m === keep) {
          // the common case: a whole one-beat entry
          dlv.write(DELIVERED.copy(b, 0, keep), true, H_COMMITTED);
        } else {
          const pos = this.asmLen;
          if (pos + keep <= MAX_CAPTURE) {
            this.asm = asmRoom(this.asm, pos, keep);
            asmBeat(this.asm, pos, b, o, n, keep);
            this.asmLen = pos + keep;
          }
          if (lastBeat) {
            dlv.write(DELIVERED.copy(this.asm, 0, this.asmLen), true, H_COMMITTED);
            this.asmLen = 0;
          } else {
            dlv.write(null, false, H_COMMITTED);
          }
        }
      }
      if (lastBeat) ctr[C_COMMITTED]!++;
    }
    const applied = this.appliedIndex;
    let nApplied = applied;
    if (this.go) {
      const idx = (applied + 1) >>> 0;
      const len = lr.lenOf(idx);
      const lastBeatIdx = len === 0 ? 0 : (len - 1) >> BEAT_SHIFT;
      const isLast = this.beat >= lastBeatIdx;
      lr.readDlv(idx, this.beat);
      this.rdFirst = this.beat === 0;
      this.rdLast = isLast;
      this.rdLen = len;
      if (isLast) {
        nApplied = this.wrPend ? this.wrVal : idx;
        this.wrPend = false;
        this.beat = 0;
      } else this.beat = (this.beat + 1) & this.slotMask;
    }
    this.rdValid = this.go;
    this.appliedNext = nApplied;
  }

  /** _reg <= _next (before the host's CSR write, which wins). */
  latch(): void {
    this.appliedIndex = this.appliedNext;
  }

  /** The host writes APPLIED_INDEX (after latch(): `beat` is this cycle's result, non-zero = inside a frame). */
  writeApplied(v: number): void {
    if (this.beat !== 0) { this.wrPend = true; this.wrVal = v; } else { this.appliedIndex = v; this.wrPend = false; }
  }
}
