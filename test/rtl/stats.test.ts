// nicraft_stats against its C++ reference (native/tb/tb_stats.cpp): random events of every source,
// several per counter in a cycle, clears and resets; one counter read every cycle, all at the end.
// Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const BUILD_TIMEOUT = 600_000;
const VARIANTS: Record<string, TbVariant> = {
  'PLANES=3': { module: 'nicraft_stats' },
  'PLANES=1': { module: 'nicraft_stats', params: { PLANES: 1 } },
};
const PATTERNS: Record<string, TbConfig> = {
  'sparse events': { event_p: 0.05 },
  'dense events': { event_p: 0.6 },
  'clears and resets': { event_p: 0.3, clear_p: 0.01, reset_p: 0.002 },
};
const tbs = loadVariants(VARIANTS, BUILD_TIMEOUT);

describe.each(Object.keys(VARIANTS))('nicraft_stats (%s)', (variant) => {
  it.each(Object.keys(PATTERNS))('%s', (pattern) => {
    const cfg = PATTERNS[pattern]!;
    const s = runTb(tbs[variant]!, { cycles: 100_000, ...cfg }, label()).stats;
    // Least over seeds 1..40 (tools/tb-floors.ts): reads 99,532 (a read every cycle out of reset: the floor is that
    // rule, not a random count), events 208,792, multi-increments 5,347, clears 936, resets 168.
    expect(s.reads).toBeGreaterThan(90_000);
    expect(s.events).toBeGreaterThan(10_000);
    expect(s.multi_increments, 'several events on one counter in a cycle').toBeGreaterThan(0);
    if (cfg.clear_p) expect(s.clears).toBeGreaterThan(0);
    if (cfg.reset_p) expect(s.resets).toBeGreaterThan(0);
  });
});
