// The byte codec of the replicated commands and replies (KV, ctrl/app/kv.ts, and WOR,
// ctrl/app/wor/space.ts): big-endian integers, length-prefixed strings and byte strings.

const te = new TextEncoder();
const td = new TextDecoder();

export class Writer {
  private parts: number[] = [];
  u8(v: number): this { this.parts.push(v & 0xff); return this; }
  u16(v: number): this { return this.u8(v >>> 8).u8(v); }
  u32(v: number): this { return this.u8(v >>> 24).u8(v >>> 16).u8(v >>> 8).u8(v); }
  bytes(b: Uint8Array): this { this.u32(b.length); for (const x of b) this.parts.push(x); return this; }
  /** a byte string of at most 65,535 bytes with a 2-byte length (WOR values: they fit one frame) */
  bytes16(b: Uint8Array): this {
    if (b.length > 0xffff) throw new Error(`value of ${b.length} bytes: at most 65535`);
    this.u16(b.length); for (const x of b) this.parts.push(x); return this;
  }
  str(s: string): this { const b = te.encode(s); this.u16(b.length); for (const x of b) this.parts.push(x); return this; }
  done(): Uint8Array { return Uint8Array.from(this.parts); }
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
