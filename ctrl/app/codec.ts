// The byte codec of the replicated commands and replies (KV, ctrl/app/kv.ts, and WOR,
// ctrl/app/wor/space.ts): big-endian integers, length-prefixed strings and byte strings.

const te = new TextEncoder();
const td = new TextDecoder();

export class Writer {
  /** a growing buffer (doubled when full): one allocation per few writes, not one array slot per byte */
  private buf = new Uint8Array(64);
  private n = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + k) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  u8(v: number): this { this.room(1); this.buf[this.n++] = v & 0xff; return this; }
  u16(v: number): this { this.room(2); this.buf[this.n++] = (v >>> 8) & 0xff; this.buf[this.n++] = v & 0xff; return this; }
  u32(v: number): this { return this.u16(v >>> 16).u16(v); }
  private raw(b: Uint8Array): this { this.room(b.length); this.buf.set(b, this.n); this.n += b.length; return this; }
  bytes(b: Uint8Array): this { return this.u32(b.length).raw(b); }
  /** a byte string of at most 65,535 bytes with a 2-byte length (WOR values: they fit one frame) */
  bytes16(b: Uint8Array): this {
    if (b.length > 0xffff) throw new Error(`value of ${b.length} bytes: at most 65535`);
    return this.u16(b.length).raw(b);
  }
  str(s: string): this { const b = te.encode(s); return this.u16(b.length).raw(b); }
  /** the bytes written (a copy of exactly that length) */
  done(): Uint8Array { return this.buf.slice(0, this.n); }
}

export class Reader {
  off = 0;
  constructor(private b: Uint8Array) {}
  need(n: number): void { if (this.off + n > this.b.length) throw new Error('truncated'); }
  u8(): number { this.need(1); return this.b[this.off++]!; }
  u16(): number { return (this.u8() << 8) | this.u8(); }
  u32(): number { return ((this.u8() << 24) | (this.u8() << 16) | (this.u8() << 8) | this.u8()) >>> 0; }
  bytes(): Uint8Array { const n = this.u32(); this.need(n); const r = this.b.slice(this.off, this.off + n); this.off += n; return r; }
  bytes16(): Uint8Array { const n = this.u16(); this.need(n); const r = this.b.slice(this.off, this.off + n); this.off += n; return r; }
  str(): string { const n = this.u16(); this.need(n); const r = td.decode(this.b.subarray(this.off, this.off + n)); this.off += n; return r; }
  end(): boolean { return this.off >= this.b.length; }
}
