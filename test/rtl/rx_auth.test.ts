// nicraft_rx_auth (one plane's receive authentication, issue 16) against its C++ reference
// (native/tb/tb_rx_auth.cpp, the MAC reference native/tb/tb_auth_ref.h): signed, forged, replayed and
// reordered frames of every type, keys not installed, other ethertypes, short and oversize frames,
// MAC errors, input gaps, AUTH_EN toggles, window clears and resets; every output beat and every verdict
// checked each cycle. Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const CYCLES = 20_000;
const VARIANTS: Record<string, TbVariant> = {
  'MAX_NODES=8 MAX_BEATS=3': { module: 'nicraft_rx_auth' },
  'MAX_NODES=3 MAX_BEATS=2': { module: 'nicraft_rx_auth', params: { MAX_NODES: 3, MAX_BEATS: 2 } },
};
const CASES: Record<string, TbConfig> = {
  'mixed traffic with gaps': {},
  'back to back, many replays and resets': { valid_p: 1, gap_p: 0, toggle_p: 0, replay_p: 0.2, back_p: 0.3, reset_p: 0.0005, clear_p: 0.005 },
};
const tbs = loadVariants(VARIANTS);

describe.each(Object.keys(VARIANTS))('nicraft_rx_auth (%s)', (variant) => {
  it.each(Object.keys(CASES))('%s', (name) => {
    const s = runTb(tbs[variant]!, { cycles: CYCLES, ...CASES[name]! }, label()).stats;
    expect(s.cycles).toBeGreaterThan(CYCLES * 0.99);
    // every verdict and path happens
    for (const k of ['good', 'taken', 'auth_fail', 'no_key', 'replay', 'unchecked', 'multi_beat', 'oversize', 'user_err', 'clears']) {
      expect(s[k], k).toBeGreaterThan(0);
    }
    expect(s.checked).toBeGreaterThan(s.frames / 8);
    if (name.startsWith('mixed')) {
      // AUTH_EN off for a while: frames passed through unchecked
      expect(s.toggles).toBeGreaterThan(0);
      expect(s.passthrough).toBeGreaterThan(0);
    }
    if (name.includes('resets')) expect(s.resets).toBeGreaterThan(0);
  });
});
