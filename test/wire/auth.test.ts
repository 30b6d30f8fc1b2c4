// The frame MAC in TypeScript (ctrl/wire/auth.ts): the AES-128 key schedule against FIPS-197 (appendix
// A.1's last round key), the pad against FIPS-197 C.1, the known answer the RTL testbench
// (native/tb/tb_auth_mac.cpp) checks the engine against, and the hash's linearity and key dependence.
import { describe, expect, it } from 'vitest';
import { FrameKey, aesRoundKeys, hashKeyBytes } from '../../ctrl/wire/auth.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fipsKey = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

describe('frame MAC (ctrl/wire/auth.ts)', () => {
  it('AES-128 key schedule and pad match FIPS-197', () => {
    const k2 = Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex');
    expect(hex(aesRoundKeys(k2).subarray(160))).toBe('d014f9a8c9ee2589e13f0cc8b6630ca6'); // FIPS-197 A.1, w[40..43]
    expect(hex(aesRoundKeys(fipsKey).subarray(160))).toBe('13111d7fe3944a17f307a78b4d2b30c5'); // FIPS-197 C.1, round[10].k_sch
    const fk = new FrameKey(fipsKey, new Uint8Array(hashKeyBytes(5)), 5);
    expect(hex(fk.pad(Buffer.from('00112233445566778899aabbccddeeff', 'hex')))).toBe('69c4e0d86a7b0430');
  });

  it('the known answer of the RTL testbench', () => {
    const hk = new Uint8Array(hashKeyBytes(5)).map((_, i) => (i * 37 + 11) & 255);
    const fk = new FrameKey(fipsKey, hk, 5);
    const msg = new Uint8Array(100).map((_, i) => (i * 7 + 3) & 255);
    const nonce = new Uint8Array(16).map((_, i) => (0xf0 + i) & 255);
    expect(hex(fk.tag(msg, nonce))).toBe('bd3c7d3f464634a2');
  });

  it('the hash is linear over GF(2) and depends on every message bit', () => {
    const hk = new Uint8Array(hashKeyBytes(2)).map((_, i) => (i * 91 + 5) & 255);
    const fk = new FrameKey(fipsKey, hk, 2);
    const a = new Uint8Array(128).map((_, i) => (i * 13) & 255);
    const b = new Uint8Array(128).map((_, i) => (i * 29 + 1) & 255);
    const ab = a.map((x, i) => x ^ b[i]!);
    const ha = fk.hash(a), hb = fk.hash(b);
    expect(hex(fk.hash(ab))).toBe(hex(ha.map((x, i) => x ^ hb[i]!)));
    const seen = new Set<string>();
    for (let bit = 0; bit < 1024; bit++) {
      const m = new Uint8Array(128);
      m[bit >> 3] = 1 << (bit & 7);
      seen.add(hex(fk.hash(m)));
    }
    expect(seen.size).toBe(1024); // every single-bit message hashes to a distinct window of the key
    expect(() => new FrameKey(fipsKey, hk.subarray(1), 2)).toThrow(/hash key must be/);
  });
});
