// nicraft_aes_sbox against its C++ reference (native/tb/tb_aes_sbox.cpp: the S-box computed from its
// definition, the GF(2^8) inverse and the affine map, not from a table): every input, and random
// inputs. Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { describe, expect, it } from 'vitest';
import { runTb, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const BUILD_TIMEOUT = 600_000;
const VARIANTS: Record<string, TbVariant> = { default: { module: 'nicraft_aes_sbox' } };
const tbs = loadVariants(VARIANTS, BUILD_TIMEOUT);

describe('nicraft_aes_sbox', () => {
  it('every input', () => {
    const s = runTb(tbs.default!, { exhaustive: 1 }, label()).stats;
    expect(s.combinations).toBe(256);
    expect(s.checks).toBe(256);
  });

  it('random inputs', () => {
    const s = runTb(tbs.default!, { cycles: 5_000 }, label()).stats;
    expect(s.checks).toBe(5_000);
  });
});

describe('nicraft_aes_sbox testbench', () => {
  it('rejects an unknown key (rc 2)', () => {
    const r = tbs.default!.run({ seed: 1, bogus: 1 });
    expect(r.rc).toBe(2);
    expect(r.error).toMatch(/unknown key/);
  });
});
