// nicraft_csr against its C++ reference (native/tb/tb_csr.cpp, the register map of spec/wire.yaml):
// random writes and reads over the whole map and beyond; every configuration output and strobe each
// cycle, the read data the cycle after. Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const BUILD_TIMEOUT = 600_000;
const VARIANTS: Record<string, TbVariant> = {
  default: { module: 'nicraft_csr' },
  small: { module: 'nicraft_csr', params: { MAX_NODES: 4, PLANES: 3, LOG_DEPTH_LOG2: 3, MAX_PAYLOAD: 100, SLOT_BEATS: 4 } },
};
const PATTERNS: Record<string, TbConfig> = {
  'reads and writes': {},
  'back-to-back writes': { wr_p: 1, rd_p: 0.2 },
  'back-to-back reads, resets': { wr_p: 0.1, rd_p: 1, reset_p: 0.001 },
};
const tbs = loadVariants(VARIANTS, BUILD_TIMEOUT);

describe.each(Object.keys(VARIANTS))('nicraft_csr (%s)', (variant) => {
  it.each(Object.keys(PATTERNS))('%s', (pattern) => {
    const cfg = PATTERNS[pattern]!;
    const s = runTb(tbs[variant]!, { cycles: 100_000, ...cfg }, label()).stats;
    // Floors: about a quarter of the least count over seeds 1..40 at 100,000 cycles (tools/tb-floors.ts): config
    // writes 1,161 (back-to-back reads), owned writes 303, counter reads 13,223, unmapped reads 1,733.
    expect(s.config_writes).toBeGreaterThan(250);
    expect(s.owned_writes).toBeGreaterThan(50);
    expect(s.counter_reads).toBeGreaterThan(1000);
    expect(s.unmapped_reads).toBeGreaterThan(0);
    if (cfg.reset_p) expect(s.resets).toBeGreaterThan(0);
    // chain replication: CHAIN written and read, chain_lead, tail_on and ROLE 3 (with FAST_EN) on. Least over seeds
    // 1..16: chain writes 43 and reads 103; chain_lead cycles 13,374; tail_on 3,861 and ROLE 3 6,419 cycles without
    // resets, but as few as 0 and 34 with back-to-back reads and resets (few writes, and a reset clears them)
    expect(s.chain_writes).toBeGreaterThan(10);
    expect(s.chain_reads).toBeGreaterThan(25);
    expect(s.chain_lead_cycles).toBeGreaterThan(3000);
    if (!cfg.reset_p) {
      expect(s.tail_on_cycles).toBeGreaterThan(900);
      expect(s.middle_cycles).toBeGreaterThan(1500);
    }
  });
});
