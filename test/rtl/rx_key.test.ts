// nicraft_rx_key against its C++ reference (native/tb/tb_rx_key.cpp): random head frames of every
// type, mutated checked fields and configurations; the copy key, key_valid and is_ack every cycle.
// Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const BUILD_TIMEOUT = 600_000;
const VARIANTS: Record<string, TbVariant> = {
  default: { module: 'nicraft_rx_key' },
  'MAX_NODES=3': { module: 'nicraft_rx_key', params: { MAX_NODES: 3 } },
};
const PATTERNS: Record<string, TbConfig> = {
  'mostly good frames': { bad_p: 0.05 },
  'many mutated headers': { bad_p: 0.5 },
};
const tbs = loadVariants(VARIANTS, BUILD_TIMEOUT);

describe.each(Object.keys(VARIANTS))('nicraft_rx_key (%s)', (variant) => {
  it.each(Object.keys(PATTERNS))('%s', (pattern) => {
    const s = runTb(tbs[variant]!, { cycles: 200_000, ...PATTERNS[pattern]! }, label()).stats;
    expect(s.cycles).toBe(200_000);
    // Floors: at most a quarter of the least count over seeds 1..40 (tools/tb-floors.ts): each type 14,646, is_ack
    // 1,425 (MAX_NODES=3, many mutated), ack_rejected 17,678, key_valid 100,227 (half the cycles), bad headers 13,716.
    // every classification happens, both ways
    for (const k of ['req', 'append', 'ack', 'nack', 'heartbeat', 'other_type']) expect(s[k], k).toBeGreaterThan(1000);
    expect(s.is_ack).toBeGreaterThan(350);
    expect(s.ack_rejected).toBeGreaterThan(1000);
    expect(s.key_valid).toBeGreaterThan(s.cycles / 8);
    expect(s.bad_header).toBeGreaterThan(100);
  });
});
