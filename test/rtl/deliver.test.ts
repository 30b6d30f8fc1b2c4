// nicraft_deliver against its C++ reference (native/tb/tb_deliver.cpp): committed entries of one to
// several beats to the host in index order, host backpressure, the generated frames' FIFO stopping
// delivery, APPLIED_INDEX written inside and outside an entry. Seeds are printed; SEED=<n> replays.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const BUILD_TIMEOUT = 600_000;
const VARIANTS: Record<string, TbVariant> = {
  default: { module: 'nicraft_deliver', params: { LOG_DEPTH_LOG2: 4 } },
  small: { module: 'nicraft_deliver', params: { LOG_DEPTH_LOG2: 2, MAX_PAYLOAD: 100, HOST_FIFO_DEPTH_LOG2: 3 } },
};
const PATTERNS: Record<string, TbConfig> = {
  'steady commits, host always ready': { out_p: 1, gen_afull_p: 0 },
  'host backpressure': { out_p: 0.3, out_burst: 20 },
  'host rewinds and commit writes, resets': { host_p: 0.02, reset_p: 0.001 },
};
const tbs = loadVariants(VARIANTS, BUILD_TIMEOUT);

describe.each(Object.keys(VARIANTS))('nicraft_deliver (%s)', (variant) => {
  it.each(Object.keys(PATTERNS))('%s', (pattern) => {
    const cfg = PATTERNS[pattern]!;
    const s = runTb(tbs[variant]!, { cycles: 100_000, ...cfg }, label()).stats;
    // Floors: at most a quarter of the least count over seeds 1..40 at 100,000 cycles (tools/tb-floors.ts): entries
    // 8,624 and frames 8,602 (host backpressure), multi-beat entries 8,281, writes inside an entry 814.
    expect(s.entries_delivered).toBeGreaterThan(2_000);
    expect(s.multi_beat_entries).toBeGreaterThan(1_000);
    expect(s.frames_to_host).toBeGreaterThan(1_000);
    if (cfg.out_p !== undefined && Number(cfg.out_p) < 1) expect(s.stalls_fifo).toBeGreaterThan(0);
    if (cfg.gen_afull_p !== 0) expect(s.stalls_gen).toBeGreaterThan(0);
    if (cfg.host_p) { expect(s.writes_inside_entry).toBeGreaterThan(10); expect(s.host_commit_writes).toBeGreaterThan(0); }
  });
});
