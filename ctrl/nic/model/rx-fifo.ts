// nicraft_rx_fifo (hw/rtl/nicraft_rx_fifo.sv): the store-and-forward receive buffer of one plane.
//
// The wire cannot be back-pressured: a frame that does not fit, is longer than MAX_BEATS, or that the
// MAC flagged (tuser on its last beat) is dropped whole and reported on the registered drop strobe.
// Only complete, good frames reach the output (the plane merge), with their length in bytes.
// The model keeps the RTL's beat pointers (unbounded integers here; the RTL's are DEPTH_LOG2+1 bits)
// and, beside them, the committed frames themselves (one Uint8Array each, oldest first).
import * as M_wire_gen from '../../wire/wire.gen.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const { BEAT_BYTES, DropReason } = M_wire_gen;

const BEAT: number = BEAT_BYTES;
const D_MAC_ERROR: number = DropReason.MAC_ERROR, D_OVERSIZE: number = DropReason.OVERSIZE;
const D_RX_OVERFLOW: number = DropReason.RX_OVERFLOW;

export class RxFifo {
  // beat pointers: committed end of the last good frame, next beat of the frame being received, read
  wrPtr = 0;
  wrCur = 0;
  rdPtr = 0;
  /** Frames committed to the buffer (good frames only), oldest first: bytes, length, beats. */
  readonly cBuf: Array<Uint8Array | null>;
  readonly cLen: Int32Array;
  readonly cNb: Int32Array;
  readonly cMask: number;
  cHead = 0;
  cTail = 0;
  /** Beats of the head frame already read. */
  rdBeat = 0;
  /** The frame being received will be dropped, and why. */
  dropFrame = false;
  dropWhy = 0;
  beatsReg = 0;
  bytesReg = 0;
  /** Registered strobes: a frame ended on the wire; a frame was dropped (reason). */
  frameInReg = false;
  dropValidReg = false;
  dropReasonReg = 0;

  /** depth: 2**DEPTH_LOG2 beats; maxBeats: MAX_BEATS. */
  constructor(readonly depth: number, readonly maxBeats: number) {
    const cap = depth * 2;
    this.cMask = cap - 1;
    this.cBuf = new Array<Uint8Array | null>(cap).fill(null);
    this.cLen = new Int32Array(cap);
    this.cNb = new Int32Array(cap);
  }

  reset(): void {
    this.wrPtr = this.wrCur = this.rdPtr = 0;
    for (let i = 0; i < this.cBuf.length; i++) this.cBuf[i] = null;
    this.cHead = this.cTail = this.rdBeat = 0;
    this.dropFrame = false;
    this.beatsReg = this.bytesReg = 0;
    this.frameInReg = this.dropValidReg = false;
    this.dropReasonReg = 0;
  }

  /** Nothing in flight (no beat buffered, no frame half received, no strobe up). */
  idle(): boolean {
    return this.wrCur === this.rdPtr && this.beatsReg === 0 && !this.dropFrame && !this.frameInReg && !this.dropValidReg;
  }

  /** The output has a beat (m_axis_tvalid). */
  headValid(): boolean {
    return this.rdPtr !== this.wrPtr;
  }

  /** The head beat is its frame's last. */
  headLast(): boolean {
    return this.rdBeat === this.cNb[this.cHead & this.cMask]! - 1;
  }

  /** The output's beat is taken (m_axis_tready). */
  pop(): void {
    const h = this.cHead & this.cMask;
    this.rdPtr++;
    if (this.rdBeat === this.cNb[h]! - 1) {
      this.cBuf[h] = null;
      this.cHead++;
      this.rdBeat = 0;
    } else {
      this.rdBeat++;
    }
  }

  /** A clock edge without a beat on the wire. */
  noBeat(): void {
    this.frameInReg = false;
    this.dropValidReg = false;
  }

  /**
   * A clock edge with beat k of frame buf on the wire (judged on the read pointer as it was at the
   * start of the cycle: the merge pops after this). macError: tuser of the last beat. Returns whether
   * it was the frame's last beat.
   */
  beat(buf: Uint8Array, k: number, macError: boolean, authDrop = 0): boolean {
    const fullCur = this.wrCur - this.rdPtr === this.depth;
    this.frameInReg = false;
    this.dropValidReg = false;
    const len = buf.length;
    const rem = len - k * BEAT;
    const nbytes = rem < BEAT ? rem : BEAT;
    const lastBeat = rem <= BEAT;
    const oldDrop = this.dropFrame;
    const oldBeats = this.beatsReg;
    const MB = this.maxBeats;
    let nWrCur = this.wrCur;
    if (!oldDrop) {
      if (oldBeats >= MB) { this.dropFrame = true; this.dropWhy = D_OVERSIZE; }
      else if (fullCur) { this.dropFrame = true; this.dropWhy = D_RX_OVERFLOW; }
      else nWrCur = this.wrCur + 1;
    }
    this.beatsReg = oldBeats < MB + 1 ? oldBeats + 1 : oldBeats;
    this.bytesReg = (this.bytesReg + nbytes) & 0xffff;
    if (lastBeat) {
      this.frameInReg = true;
      const total = this.bytesReg & 0xffff;
      this.beatsReg = 0;
      this.bytesReg = 0;
      this.dropFrame = false;
      if (oldDrop || fullCur || oldBeats >= MB || macError || (lastBeat && authDrop !== 0)) {
        nWrCur = this.wrPtr;
        this.dropValidReg = true;
        this.dropReasonReg = oldBeats >= MB ? D_OVERSIZE : oldDrop ? this.dropWhy : fullCur ? D_RX_OVERFLOW : macError ? D_MAC_ERROR : authDrop;
      } else {
        this.wrPtr = this.wrCur + 1;
        nWrCur = this.wrCur + 1;
        const e = this.cTail & this.cMask;
        this.cBuf[e] = buf;
        this.cLen[e] = total;
        this.cNb[e] = k + 1;
        this.cTail++;
      }
    }
    this.wrCur = nWrCur;
    return lastBeat;
  }
}
