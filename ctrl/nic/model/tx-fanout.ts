// nicraft_tx_fanout (hw/rtl/nicraft_tx_fanout.sv): the TX arbiter's frames to one FIFO per plane.
//
// At a frame's first beat every enabled plane whose FIFO has room for a whole frame takes it; an
// enabled plane without room drops its copy (counted). The input waits only when no enabled plane
// has room, so a stalled plane never stalls the others. With no plane enabled, frames are taken and
// dropped. Each plane's FIFO drains to its wire on its own.
import { FrameFifo } from './axis-fifo.js';
import { ByteSlab } from './bytes.js';
import type { TxFrame } from '../nic.js';
import type { Derived } from './params.js';
import * as M_stats from './stats.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const { C_PLANE0 } = M_stats;

/** the copies of output frames (bytes.ts: a copy longer than 64 bytes costs a tenth of a slice()) */
const OUT_COPIES = new ByteSlab();

export class TxFanout {
  private readonly P: number;
  /** a plane's FIFO has room for a largest frame and a beat */
  private readonly afLimit: number;
  /** the per-plane FIFOs (user 1: the frame's bytes are shared with the log RAM, copy on output) */
  readonly ptx: FrameFifo[] = [];
  /** inside a frame, and the planes that take it */
  inFrame = false;
  take = 0;
  /** combinational: the enabled planes with room */
  roomM = 0;

  constructor(d: Derived) {
    this.P = d.P;
    this.afLimit = (1 << d.p.TX_FIFO_DEPTH_LOG2) - (d.MB + 1);
    for (let i = 0; i < d.P; i++) this.ptx.push(new FrameFifo(d.p.TX_FIFO_DEPTH_LOG2));
  }

  reset(): void {
    for (const f of this.ptx) f.clear();
    this.inFrame = false;
    this.take = 0;
  }

  idle(): boolean {
    if (this.inFrame) return false;
    for (let p = 0; p < this.P; p++) if (this.ptx[p]!.used !== 0) return false;
    return true;
  }

  /** s_axis_tready: a first beat waits while no enabled plane has room (comb() ran). */
  ready(planeEn: number): boolean {
    return this.inFrame || this.roomM !== 0 || planeEn === 0;
  }

  comb(planeEn: number): void {
    let m = 0;
    for (let p = 0; p < this.P; p++) if (((planeEn >> p) & 1) && this.ptx[p]!.used <= this.afLimit) m |= 1 << p;
    this.roomM = m;
  }

  /** The planes' FIFOs to the wires (txReady[p]: the plane's tready this cycle); frames ending at cycle t go to out[p]. */
  drain(t: number, txReady: Uint8Array, out: TxFrame[][], ctr: Float64Array): void {
    for (let p = 0; p < this.P; p++) {
      const f = this.ptx[p]!;
      if (f.used === 0 || !txReady[p]) continue;
      if (f.headLast()) {
        const s = f.headBuf();
        out[p]!.push({ frame: f.headUser() === 1 || p > 0 ? OUT_COPIES.copy(s) : s, cycle: t });
        ctr[C_PLANE0 + 5 * p + 1]!++;
      }
      f.read();
    }
  }

  /** A beat from the TX arbiter (buf: the frame's bytes on its last beat; shared: the bytes are the log RAM's). */
  accept(buf: Uint8Array | null, lastBeat: boolean, shared: boolean, planeEn: number, ctr: Float64Array): void {
    const first = !this.inFrame;
    const take = first ? this.roomM : this.take;
    for (let p = 0; p < this.P; p++) {
      if ((take >> p) & 1) this.ptx[p]!.write(buf, lastBeat, shared ? 1 : 0);
      else if (first && ((planeEn >> p) & 1)) ctr[C_PLANE0 + 5 * p + 4]!++;
    }
    if (first) this.take = this.roomM;
    this.inFrame = !lastBeat;
  }
}
