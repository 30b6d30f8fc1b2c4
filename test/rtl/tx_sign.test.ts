// nicraft_tx_sign (frame signing on the transmit path, issue 16) against its C++ reference
// (native/tb/tb_tx_sign.cpp, the MAC reference native/tb/tb_auth_ref.h): every frame out in order,
// signed ones with the key id, the packet number (loads at any time) and the tag, unsigned ones as
// given; input gaps and output backpressure, key-slot changes, AUTH_EN toggles and resets; with the
// output always ready the input is never back-pressured (one beat per cycle).
// Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const CYCLES = 20_000;
const VARIANTS: Record<string, TbVariant> = {
  'MAX_BEATS=3': { module: 'nicraft_tx_sign' },
};
const CASES: Record<string, TbConfig> = {
  'gaps and backpressure': {},
  'line rate (output always ready)': { valid_p: 1, ready_p: 1, toggle_p: 0 },
  'heavy backpressure, resets': { ready_p: 0.3, ready_burst: 8, reset_p: 0.0005, toggle_p: 0.01 },
};
const tbs = loadVariants(VARIANTS);

describe.each(Object.keys(VARIANTS))('nicraft_tx_sign (%s)', (variant) => {
  it.each(Object.keys(CASES))('%s', (name) => {
    const s = runTb(tbs[variant]!, { cycles: CYCLES, ...CASES[name]! }, label()).stats;
    expect(s.cycles).toBeGreaterThan(CYCLES * 0.99);
    expect(s.signed).toBeGreaterThan(100);
    expect(s.unsigned).toBeGreaterThan(5);
    expect(s.multi_beat).toBeGreaterThan(50);
    expect(s.oversize).toBeGreaterThan(0);
    expect(s.pn_loads).toBeGreaterThan(0);
    expect(s.kid_changes).toBeGreaterThan(0);
    expect(s.min_latency).toBeGreaterThanOrEqual(14);
    if (name.startsWith('line rate')) {
      expect(s.stall_cycles).toBe(0);
      // one beat per cycle: the frames in fill the run (their mean is about 2 beats)
      expect(s.frames_in).toBeGreaterThan(CYCLES / 4);
    } else {
      expect(s.backpressure_cycles).toBeGreaterThan(100);
    }
    if (name.includes('resets')) {
      expect(s.resets).toBeGreaterThan(0);
      expect(s.toggles).toBeGreaterThan(0);
    }
  });
});
