// nicraft_log_ram (hw/rtl/nicraft_log_ram.sv): the log RAM and its ports.
//
// Three memories indexed by a slot (the low LOG_DEPTH_LOG2 bits of a log index): data (SLOT_BEATS
// beats per slot), len (the entry's frame length in bytes) and tag ({term, index} of the entry the
// slot holds, read by the follower's reorder chain). One write port, shared: the execute engine has
// priority, the host's log port waits a cycle. Data reads are registered (the data appears the cycle
// after the request): the delivery engine's port, the retransmit engine's port (which yields to a host
// read in the same cycle) and the host's log port. Length and tag reads are combinational.
//
// The model stores a reference per beat instead of the bytes: beat k of frame buf is buf[off..off+n]
// (zeros after), so writing a frame into the log costs no copy.
import * as M_wire_gen from '../../wire/wire.gen.js';
import type { Derived } from './params.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const { BEAT_BYTES, getLogIndex, getTerm } = M_wire_gen;

const BEAT: number = BEAT_BYTES;

export class LogRam {
  private readonly ldMask: number;
  private readonly S: number;
  private readonly slotMask: number;
  /** Largest frame a host write may set as a slot's length (MAX_FRAME_BYTES). */
  private readonly MFB: number;
  // ---- memories
  readonly buf: Array<Uint8Array | null>;
  readonly off: Int32Array;
  readonly n: Int32Array;
  readonly len: Uint16Array;
  readonly tagTerm: Uint32Array;
  readonly tagIndex: Uint32Array;
  // ---- read registers: the host's log port (with the slot's length), delivery, retransmission
  rspValid = false;
  rspBuf: Uint8Array | null = null;
  rspOff = 0;
  rspN = 0;
  rspLen = 0;
  dlvBuf: Uint8Array | null = null;
  dlvOff = 0;
  dlvN = 0;
  rtxBuf: Uint8Array | null = null;
  rtxOff = 0;
  rtxN = 0;

  constructor(d: Derived) {
    this.ldMask = d.ldMask;
    this.S = d.S;
    this.slotMask = d.slotMask;
    this.MFB = d.MFB;
    const slots = d.LD << d.S;
    this.buf = new Array<Uint8Array | null>(slots).fill(null);
    this.off = new Int32Array(slots);
    this.n = new Int32Array(slots);
    this.len = new Uint16Array(d.LD);
    this.tagTerm = new Uint32Array(d.LD);
    this.tagIndex = new Uint32Array(d.LD);
  }

  /** Reset: the read registers (a RAM keeps its contents). */
  reset(): void {
    this.rspValid = false;
  }

  /** The tag of index e's slot names entry e of term `term` (the reorder chain's combinational read). */
  tagIs(e: number, term: number): boolean {
    const s = e & this.ldMask;
    return this.tagIndex[s] === e && this.tagTerm[s] === term;
  }

  /** The length of index idx's entry (combinational). */
  lenOf(idx: number): number {
    return this.len[idx & this.ldMask]!;
  }

  // ---- the execute engine's write port
  /** Beat `beat` of the entry of index idx is beat k of frame b (bytes k*64..). */
  write(idx: number, beat: number, b: Uint8Array, k: number): void {
    const addr = ((idx & this.ldMask) << this.S) | beat;
    const o = k * BEAT;
    this.buf[addr] = b;
    this.off[addr] = o;
    const rem = b.length - o;
    this.n[addr] = rem < BEAT ? rem : BEAT;
  }

  writeLen(idx: number, len: number): void {
    this.len[idx & this.ldMask] = len;
  }

  writeTag(idx: number, term: number): void {
    const s = idx & this.ldMask;
    this.tagTerm[s] = term;
    this.tagIndex[s] = idx;
  }

  // ---- the host's log port
  /** A host write of one beat may go this cycle (the port is free) and lands in the slot (else it is ignored). */
  hostWriteFits(beat: number, len: number): boolean {
    return beat < (1 << this.S) && (beat !== 0 || (len & 0xffff) <= this.MFB);
  }

  /** A host write of beat `beat` of frame d (len bytes) into index idx's slot; beat 0 also sets the length and the tag. */
  hostWrite(idx: number, beat: number, d: Uint8Array, len: number): void {
    const slot = idx & this.ldMask;
    const addr = (slot << this.S) | (beat & this.slotMask);
    const off = beat * BEAT;
    const rem = d.length - off;
    this.buf[addr] = d;
    this.off[addr] = off;
    this.n[addr] = rem <= 0 ? 0 : rem < BEAT ? rem : BEAT;
    if (beat === 0) {
      this.len[slot] = len & 0xffff;
      this.tagTerm[slot] = getTerm(d);
      this.tagIndex[slot] = getLogIndex(d);
    }
  }

  /** The host port's read register: a read of beat `beat` of index idx this cycle (rd), or none. */
  hostRead(rd: boolean, idx: number, beat: number): void {
    if (rd) {
      const slot = idx & this.ldMask;
      const addr = (slot << this.S) | (beat & this.slotMask);
      this.rspBuf = this.buf[addr]!;
      this.rspOff = this.off[addr]!;
      this.rspN = this.n[addr]!;
      this.rspLen = this.len[slot]!;
    }
    this.rspValid = rd;
  }

  // ---- the delivery and retransmit engines' read ports (registered data)
  readDlv(idx: number, beat: number): void {
    const addr = ((idx & this.ldMask) << this.S) | beat;
    this.dlvBuf = this.buf[addr]!;
    this.dlvOff = this.off[addr]!;
    this.dlvN = this.n[addr]!;
  }

  readRtx(idx: number, beat: number): void {
    const addr = ((idx & this.ldMask) << this.S) | beat;
    this.rtxBuf = this.buf[addr]!;
    this.rtxOff = this.off[addr]!;
    this.rtxN = this.n[addr]!;
  }
}

/** The assembly buffer asm, grown (doubling, contents kept) if it cannot hold pos + keep bytes. */
export function asmRoom(asm: Uint8Array<ArrayBuffer>, pos: number, keep: number): Uint8Array<ArrayBuffer> {
  if (pos + keep <= asm.length) return asm;
  const nb = new Uint8Array(Math.max(pos + keep, asm.length * 2));
  nb.set(asm.subarray(0, pos));
  return nb;
}

/** Appends `keep` bytes of a log beat (b[off..off+n], zeros after) to an assembly buffer at pos. */
export function asmBeat(asm: Uint8Array, pos: number, b: Uint8Array | null, off: number, n: number, keep: number): void {
  const m = b === null ? 0 : n < keep ? n : keep;
  for (let i = 0; i < m; i++) asm[pos + i] = b![off + i]!;
  for (let i = m; i < keep; i++) asm[pos + i] = 0;
}
