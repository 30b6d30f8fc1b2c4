// nicraft_tx_fanout against its C++ reference (native/tb/tb_tx_fanout.cpp): frames to one FIFO per
// plane, a copy dropped where there is no room, a stalled plane never stalling the others, PLANE_EN
// changes at any cycle. Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const BUILD_TIMEOUT = 600_000;
const VARIANTS: Record<string, TbVariant> = {
  '3 planes': { module: 'nicraft_tx_fanout', params: { PLANES: 3 } },
  '1 plane, small FIFO': { module: 'nicraft_tx_fanout', params: { PLANES: 1, TX_FIFO_DEPTH_LOG2: 2, MAX_BEATS: 3 } },
  '2 planes, 32-bit beats': { module: 'nicraft_tx_fanout', params: { PLANES: 2, DATA_WIDTH: 32, TX_FIFO_DEPTH_LOG2: 3, MAX_BEATS: 4 } },
};
const PATTERNS: Record<string, TbConfig> = {
  'line rate': { in_p: 1, out_p: 1 },
  'backpressure': { in_p: 0.8, out_p: 0.5 },
  'a plane stops for long stretches': { in_p: 0.9, out_p: 0.9, stall_plane_p: 0.001 },
  'PLANE_EN changes, resets': { in_p: 0.7, out_p: 0.6, en_change_p: 0.01, reset_p: 0.001 },
};
const tbs = loadVariants(VARIANTS, BUILD_TIMEOUT);

describe.each(Object.keys(VARIANTS))('nicraft_tx_fanout (%s)', (variant) => {
  it.each(Object.keys(PATTERNS))('%s', (pattern) => {
    const cfg = PATTERNS[pattern]!;
    const s = runTb(tbs[variant]!, { cycles: 100_000, ...cfg }, label()).stats;
    // Floors: at most a quarter of the least count over seeds 1..40 (tools/tb-floors.ts): frames in 20,285 (3 planes,
    // backpressure), PLANE_EN changes 932, copies dropped by a stopped plane 2,136, frames to no plane 1,930.
    expect(s.frames_in).toBeGreaterThan(5_000);
    expect(s.frames_out).toBeGreaterThan(0);
    if (cfg.out_p === 1 && cfg.in_p === 1) expect(s.copies_dropped).toBe(0);
    if (pattern.startsWith('a plane stops') && variant !== '1 plane, small FIFO') {
      expect(s.copies_dropped, 'the stalled plane drops its copies').toBeGreaterThan(0);
    }
    if (cfg.en_change_p) { expect(s.en_changes).toBeGreaterThan(100); expect(s.frames_to_no_plane).toBeGreaterThan(0); }
  });
});
