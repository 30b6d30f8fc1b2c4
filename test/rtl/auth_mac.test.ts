// nicraft_auth_mac (the frame MAC engine of issue 16) against its C++ reference (native/tb/tb_auth_mac.cpp):
// the reference AES checked against FIPS-197 C.1, then known answers through the engine (FIPS-197 C.1 with
// a zero hash key; the vector of ctrl/wire/auth.ts, also checked by test/wire/auth.test.ts), then random
// frames of 1..MAX_BEATS beats, random key contexts and keys, input gaps and resets: every tag exactly
// LATENCY (13) cycles after its frame's last beat, equal to the reference's. HASH_FORM=1 is the form of
// the hash that synthesis builds (kept LUT-sized groups; the simulation library uses the function form):
// the same checks on it.
// Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTbs, runTb, type TbConfig, type Testbench } from '../../native/build-tb.js';

const CYCLES = 6_000;
const tbs: Record<string, Testbench> = {};

beforeAll(async () => {
  const [a, b, c] = await loadTbs([
    { module: 'nicraft_auth_mac' },
    { module: 'nicraft_auth_mac', params: { MAX_BEATS: 2, KEYS: 2 } },
    { module: 'nicraft_auth_mac', params: { HASH_FORM: 1 } },
  ]);
  tbs.default = a!;
  tbs['MAX_BEATS=2 KEYS=2'] = b!;
  tbs['HASH_FORM=1'] = c!;
}, 600_000);

const label = () => expect.getState().currentTestName ?? '';

const CASES: Record<string, TbConfig> = {
  'back-to-back frames': { valid_p: 1 },
  'gaps within and between frames': { valid_p: 0.6, valid_burst: 3 },
  'random resets': { reset_p: 0.001, valid_p: 0.9 },
};

describe.each(Object.keys({ default: 1, 'MAX_BEATS=2 KEYS=2': 1, 'HASH_FORM=1': 1 }))('nicraft_auth_mac (%s)', (variant) => {
  it.each(Object.keys(CASES))('%s', (name) => {
    const s = runTb(tbs[variant]!, { cycles: CYCLES, ...CASES[name]! }, label()).stats;
    expect(s.cycles).toBeGreaterThan(CYCLES * 0.9);
    expect(s.kat).toBeGreaterThanOrEqual(variant === 'MAX_BEATS=2 KEYS=2' ? 1 : 2);
    expect(s.tags).toBeGreaterThan(CYCLES / 20);
    expect(s.multi_beat).toBeGreaterThan(50);
    if (name === 'random resets') expect(s.resets).toBeGreaterThan(0);
  });
});
