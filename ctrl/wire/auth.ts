// The frame MAC of issue 16 (docs/auth.md), bit-exact with hw/rtl/nicraft_auth_mac.sv:
//
//   tag = T_K(frame) xor AES-128_k(nonce)[0..7]
//
// T_K is a Toeplitz hash: tag bit t (bit t%8 of byte t/8) is the parity of m & K[t +: len], with m the
// frame's bit string (bit 8i+j of the frame is bit j of its byte i) and K the hash key's bit string
// (bit 8i+j of the key is bit j of its byte i; maxBeats*512+63 bits). The pad is the AES-128 encryption
// of the frame's 16-byte nonce under the AES key k (node:crypto here; the NIC takes the round keys the
// host expanded: aesRoundKeys). Both keys come from the cluster's key configuration.
import { createCipheriv } from 'node:crypto';

export const TAG_BYTES = 8;
export const NONCE_BYTES = 16;
export const AES_KEY_BYTES = 16;
export const BEAT_BITS = 512;

/** Hash key bytes for frames of up to maxBeats 64-byte beats: maxBeats*512+63 bits, whole bytes. */
export function hashKeyBytes(maxBeats: number): number {
  return Math.ceil((maxBeats * BEAT_BITS + 63) / 8);
}

const SBOX = ((): Uint8Array => {
  const mul = (a: number, b: number): number => {
    let p = 0;
    for (let i = 0; i < 8; i++) {
      if (b & 1) p ^= a;
      const h = a & 0x80;
      a = (a << 1) & 0xff;
      if (h) a ^= 0x1b;
      b >>= 1;
    }
    return p;
  };
  const s = new Uint8Array(256);
  for (let x = 0; x < 256; x++) {
    let inv = 0;
    for (let y = 1; y < 256 && x; y++) if (mul(x, y) === 1) { inv = y; break; }
    let r = inv;
    for (let i = 1; i < 5; i++) r ^= ((inv << i) | (inv >> (8 - i))) & 0xff;
    s[x] = r ^ 0x63;
  }
  return s;
})();

/** The AES-128 key schedule (FIPS-197 5.2): 11 round keys, 176 bytes, what the host writes to the NIC. */
export function aesRoundKeys(key: Uint8Array): Uint8Array {
  if (key.length !== AES_KEY_BYTES) throw new Error(`AES-128 key must be 16 bytes, got ${key.length}`);
  const w = new Uint8Array(176);
  w.set(key);
  let rcon = 1;
  for (let i = 16; i < 176; i += 4) {
    let t0 = w[i - 4]!, t1 = w[i - 3]!, t2 = w[i - 2]!, t3 = w[i - 1]!;
    if (i % 16 === 0) {
      const r0 = SBOX[t1]! ^ rcon;
      [t0, t1, t2, t3] = [r0, SBOX[t2]!, SBOX[t3]!, SBOX[t0]!];
      rcon = ((rcon << 1) ^ (rcon & 0x80 ? 0x1b : 0)) & 0xff;
    }
    w[i] = w[i - 16]! ^ t0;
    w[i + 1] = w[i - 15]! ^ t1;
    w[i + 2] = w[i - 14]! ^ t2;
    w[i + 3] = w[i - 13]! ^ t3;
  }
  return w;
}

/** One key context: the AES key and the Toeplitz hash key, with the hash key's 64-bit windows precomputed. */
export class FrameKey {
  /** window n (64 bits of K from bit n) as two words: lo = bits n..n+31, hi = bits n+32..n+63. */
  private readonly win: Uint32Array;
  readonly maxBits: number;

  constructor(readonly aesKey: Uint8Array, readonly hashKey: Uint8Array, readonly maxBeats: number) {
    if (aesKey.length !== AES_KEY_BYTES) throw new Error(`frame key: AES key must be 16 bytes, got ${aesKey.length}`);
    if (hashKey.length !== hashKeyBytes(maxBeats)) {
      throw new Error(`frame key: hash key must be ${hashKeyBytes(maxBeats)} bytes for ${maxBeats} beats, got ${hashKey.length}`);
    }
    this.maxBits = maxBeats * BEAT_BITS;
    const bit = (p: number): number => (hashKey[p >> 3]! >> (p & 7)) & 1;
    this.win = new Uint32Array(this.maxBits * 2);
    for (let n = 0; n < this.maxBits; n++) {
      let lo = 0, hi = 0;
      for (let t = 0; t < 32; t++) {
        lo |= bit(n + t) << t;
        hi |= bit(n + 32 + t) << t;
      }
      this.win[2 * n] = lo >>> 0;
      this.win[2 * n + 1] = hi >>> 0;
    }
  }

  /** The Toeplitz hash of the bytes (at most maxBeats*64), 8 bytes. */
  hash(msg: Uint8Array): Uint8Array {
    if (msg.length * 8 > this.maxBits) throw new Error(`frame MAC: ${msg.length} bytes exceed ${this.maxBeats} beats`);
    let lo = 0, hi = 0;
    const win = this.win;
    for (let i = 0; i < msg.length; i++) {
      let b = msg[i]!;
      let n = i * 8;
      while (b) {
        if (b & 1) {
          lo ^= win[2 * n]!;
          hi ^= win[2 * n + 1]!;
        }
        b >>= 1;
        n++;
      }
    }
    const out = new Uint8Array(8);
    const v = new DataView(out.buffer);
    v.setUint32(0, lo >>> 0, true);
    v.setUint32(4, hi >>> 0, true);
    return out;
  }

  /** The first 8 bytes of AES-128(nonce). */
  pad(nonce: Uint8Array): Uint8Array {
    if (nonce.length !== NONCE_BYTES) throw new Error(`frame MAC: nonce must be 16 bytes, got ${nonce.length}`);
    const c = createCipheriv('aes-128-ecb', this.aesKey, null);
    c.setAutoPadding(false);
    return c.update(nonce).subarray(0, 8);
  }

  /** tag = hash(msg) xor pad(nonce), 8 bytes. msg is the frame with its ICV bytes zero. */
  tag(msg: Uint8Array, nonce: Uint8Array): Uint8Array {
    const h = this.hash(msg);
    const p = this.pad(nonce);
    for (let i = 0; i < 8; i++) h[i] = h[i]! ^ p[i]!;
    return h;
  }
}
