// nicraft_quorum against a brute-force reference (native/tb/tb_quorum.cpp): random and exhaustive
// match vectors, member masks and quorum sizes (0, over the member count, no members included),
// output checked every cycle with the module's two-cycle latency and through resets.
// Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTbs, runTb, type Testbench, type TbVariant } from '../../native/build-tb.js';

const BUILD_TIMEOUT = 600_000;

const VARIANTS: Record<string, TbVariant> = {
  // as in the NIC: up to 8 nodes, 32-bit indexes
  default: { module: 'nicraft_quorum' },
  // small enough to try every input: 4 nodes x 3-bit indexes x 16 masks x 16 quorum sizes = 2^20
  small: { module: 'nicraft_quorum', params: { MAX_NODES: 4, INDEX_WIDTH: 3 } },
  // one node, 64-bit indexes
  wide: { module: 'nicraft_quorum', params: { MAX_NODES: 1, INDEX_WIDTH: 64 } },
};

const tbs: Record<string, Testbench> = {};

beforeAll(async () => {
  const names = Object.keys(VARIANTS);
  (await loadTbs(names.map((n) => VARIANTS[n]!))).forEach((tb, i) => { tbs[names[i]!] = tb; });
}, BUILD_TIMEOUT);

const label = () => expect.getState().currentTestName ?? '';

function common(s: Record<string, number>, exhaustive = false): void {
  expect(s.checks).toBe(s.cycles);
  expect(s.valid_cycles + s.invalid_cycles).toBe(s.cycles);
  expect(s.valid_cycles).toBeGreaterThan(0);
  // the corner cases were drawn
  expect(s.q0_inputs).toBeGreaterThan(0);
  expect(s.no_member_inputs).toBeGreaterThan(0);
  expect(s.q_over_members_inputs).toBeGreaterThan(0);
  // (the exhaustive run enumerates the match indexes with no own slot)
  if (!exhaustive) expect(s.self_member_inputs, 'inputs whose own slot (self_sel) is a member').toBeGreaterThan(0);
}

describe.each(Object.keys(VARIANTS))('nicraft_quorum (%s)', (variant) => {
  it('random inputs every cycle', () => {
    const s = runTb(tbs[variant]!, { cycles: 300_000 }, label()).stats;
    common(s);
    expect(s.max_index_inputs).toBeGreaterThan(0);
    if (tbs[variant]!.params.MAX_NODES! > 1) expect(s.tie_inputs).toBeGreaterThan(0);
  });

  it('inputs held for several cycles, with resets', () => {
    const s = runTb(tbs[variant]!, { cycles: 200_000, hold_p: 0.8, reset_p: 0.002 }, label()).stats;
    common(s);
    expect(s.resets).toBeGreaterThan(0);
  });

  it('narrow index window (many ties)', () => {
    const s = runTb(tbs[variant]!, { cycles: 200_000, window: 2 }, label()).stats;
    common(s);
  });
});

describe('nicraft_quorum exhaustive', () => {
  it('every input of a 4-node, 3-bit quorum', () => {
    const s = runTb(tbs.small!, { exhaustive: 1 }, label()).stats;
    expect(s.combinations).toBe(2 ** 20);
    expect(s.checks).toBe(2 ** 20 + 2 + 3);  // + latency (2) + the initial reset (3)
    common(s, true);
  });

  it('refuses an exhaustive run that is too large (rc 2)', () => {
    const r = tbs.default!.run({ seed: 1, exhaustive: 1 });
    expect(r.rc).toBe(2);
    expect(r.error).toMatch(/too many/);
  });
});
