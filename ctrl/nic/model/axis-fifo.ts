// nicraft_axis_fifo (hw/rtl/nicraft_axis_fifo.sv) in ModelNic (ctrl/nic/model.ts): a beat-counted FIFO
// of whole frames.
//
// The RTL FIFOs (nicraft_axis_fifo) hold beats. ModelNic keeps, instead, one entry per frame (the
// frame's bytes, as one Uint8Array) and counts beats: `used` is the RTL's count (beats written and
// not read), an entry is opened by the first beat written after a last beat and closed by its last
// beat, and the reader walks the beats of the head entry. Occupancy, almost-full flags and the
// cycle a beat becomes readable are the RTL's; no beat is ever allocated.

/** A FIFO of frames, counted in beats (first-word fall-through, as nicraft_axis_fifo). */
export class FrameFifo {
  readonly depth: number;
  /** Beats written and not yet read (the RTL's `count`). */
  used = 0;
  private readonly mask: number;
  /** Entry bytes (set by the first beat, or by the last beat for frames assembled on the fly). */
  readonly buf: Array<Uint8Array | null>;
  /** tuser of the entry (host RX reason). */
  readonly user: Uint8Array;
  /** Beat index of the entry's last beat, -1 while it is not written yet. */
  readonly lastIdx: Int32Array;
  head = 0;
  tail = 0;
  /** Beats of the head entry already read. */
  rdBeat = 0;
  /** Beats of the newest entry already written. */
  private wrBeat = 0;
  /** The newest entry is still taking beats. */
  private open = false;

  constructor(depthLog2: number) {
    this.depth = 1 << depthLog2;
    const cap = this.depth * 2;
    this.mask = cap - 1;
    this.buf = new Array<Uint8Array | null>(cap).fill(null);
    this.user = new Uint8Array(cap);
    this.lastIdx = new Int32Array(cap);
  }

  /** Writes one beat of frame `buf` (the RTL writes only when not full; a beat offered to a full FIFO is lost). */
  write(buf: Uint8Array | null, last: boolean, user: number): void {
    if (this.used >= this.depth) return;
    let e: number;
    if (!this.open) {
      e = this.tail & this.mask;
      this.tail++;
      this.buf[e] = buf;
      this.user[e] = user;
      this.lastIdx[e] = -1;
      this.wrBeat = 0;
      this.open = true;
    } else {
      e = (this.tail - 1) & this.mask;
    }
    if (last) {
      this.lastIdx[e] = this.wrBeat;
      this.open = false;
      if (buf !== null) this.buf[e] = buf;
    }
    this.wrBeat++;
    this.used++;
  }

  /** The head entry's bytes. */
  headBuf(): Uint8Array {
    return this.buf[this.head & this.mask]!;
  }

  headUser(): number {
    return this.user[this.head & this.mask]!;
  }

  /** Whether the next beat to read is its frame's last. */
  headLast(): boolean {
    return this.lastIdx[this.head & this.mask] === this.rdBeat;
  }

  /** Reads one beat (the caller checked used > 0); returns the entry when that beat was its last. */
  read(): boolean {
    const h = this.head & this.mask;
    const last = this.lastIdx[h] === this.rdBeat;
    this.used--;
    if (last) {
      this.buf[h] = null;
      this.head++;
      this.rdBeat = 0;
    } else {
      this.rdBeat++;
    }
    return last;
  }

  clear(): void {
    for (let i = 0; i < this.buf.length; i++) this.buf[i] = null;
    this.used = 0;
    this.head = 0;
    this.tail = 0;
    this.rdBeat = 0;
    this.wrBeat = 0;
    this.open = false;
  }
}
