// nicraft_auth_csr (the write-only authentication registers and the key store, issue 16) against its
// C++ reference (native/tb/tb_auth_csr.cpp): random writes to the AUTH registers (key loads in bursts),
// to other registers and to any address, resets; every output, the whole key store included, checked
// each cycle. Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const CYCLES = 20_000;
const VARIANTS: Record<string, TbVariant> = {
  'MAX_BEATS=3': { module: 'nicraft_auth_csr' },
};
const CASES: Record<string, TbConfig> = {
  'writes and resets': { reset_p: 0.001 },
  'any address': { any_addr_p: 0.5, wr_p: 0.9 },
};
const tbs = loadVariants(VARIANTS);

describe.each(Object.keys(VARIANTS))('nicraft_auth_csr (%s)', (variant) => {
  it.each(Object.keys(CASES))('%s', (name) => {
    const s = runTb(tbs[variant]!, { cycles: CYCLES, ...CASES[name]! }, label()).stats;
    expect(s.cycles).toBeGreaterThan(CYCLES * 0.95);
    for (const k of ['rk_words', 'hk_words', 'ignored_words', 'pn_loads', 'clears', 'en_writes', 'valid_writes', 'kid_writes', 'other_writes']) {
      expect(s[k], k).toBeGreaterThan(0);
    }
    if (name === 'writes and resets') expect(s.resets).toBeGreaterThan(0);
  });
});
