// nicraft_log_ram against its C++ reference (native/tb/tb_log_ram.cpp): the engine's and the host's
// writes on the shared port (the host waits), reads on the three registered ports and the
// combinational length and tag reads, all at random in a small RAM. Seeds are printed; SEED=<n>
// replays. See docs/testing.md.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const BUILD_TIMEOUT = 600_000;
const VARIANTS: Record<string, TbVariant> = {
  '8 slots of 8 beats': { module: 'nicraft_log_ram', params: { LOG_DEPTH_LOG2: 3 } },
  '4 slots of 2 beats': { module: 'nicraft_log_ram', params: { LOG_DEPTH_LOG2: 2, MAX_PAYLOAD: 60 } },
};
const PATTERNS: Record<string, TbConfig> = {
  'mixed traffic': {},
  'engine writes every cycle': { wr_p: 1, host_p: 0.5 },
  'host only': { wr_p: 0, host_p: 0.9, reset_p: 0.001 },
};
const tbs = loadVariants(VARIANTS, BUILD_TIMEOUT);

describe.each(Object.keys(VARIANTS))('nicraft_log_ram (%s)', (variant) => {
  it.each(Object.keys(PATTERNS))('%s', (pattern) => {
    const cfg = PATTERNS[pattern]!;
    const s = runTb(tbs[variant]!, { cycles: 100_000, ...cfg }, label()).stats;
    // Floors: at most a quarter of the least count over seeds 1..40 (tools/tb-floors.ts): compares 139,516, host
    // reads 19,742, engine writes 39,641, host writes 37,986 (host only), ignored host writes 4,724, rtx denied 9,706.
    expect(s.compares).toBeGreaterThan(10_000);
    expect(s.host_reads).toBeGreaterThan(1000);
    if (cfg.wr_p !== 0) expect(s.engine_writes).toBeGreaterThan(1000);
    if (cfg.wr_p === 1) expect(s.host_writes, 'the engine always wins the port').toBe(0);
    if (cfg.wr_p === 0) { expect(s.host_writes).toBeGreaterThan(1000); expect(s.host_writes_ignored).toBeGreaterThan(0); }
    expect(s.rtx_denied, 'the host read takes the retransmit port').toBeGreaterThan(0);
  });
});
