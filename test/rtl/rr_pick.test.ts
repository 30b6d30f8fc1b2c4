// nicraft_rr_pick against its C++ reference (native/tb/tb_rr_pick.cpp): every (request mask, last
// winner) pair for 1..8 ports (also `last` values beyond PORTS, counted modulo PORTS), random inputs,
// and an arbiter loop (last = the previous winner, requests held until granted) that checks no
// requester waits for more than PORTS-1 other grants. The module's assertions are compiled in.
// Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { describe, expect, it } from 'vitest';
import { runTb, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const BUILD_TIMEOUT = 600_000;
const PORTS = [1, 2, 3, 4, 5, 8];
const VARIANTS: Record<string, TbVariant> = Object.fromEntries(PORTS.map((n) => [`${n} ports`, { module: 'nicraft_rr_pick', params: { PORTS: n } }]));

const tbs = loadVariants(VARIANTS, BUILD_TIMEOUT);

describe.each(Object.keys(VARIANTS))('nicraft_rr_pick (%s)', (variant) => {
  const ports = () => tbs[variant]!.params.PORTS!;
  const lastValues = () => 2 ** (ports() <= 2 ? 1 : Math.ceil(Math.log2(ports())));

  it('every request mask and last winner', () => {
    const s = runTb(tbs[variant]!, { exhaustive: 1 }, label()).stats;
    expect(s.combinations).toBe(2 ** ports() * lastValues());
    expect(s.checks).toBe(s.combinations);
    expect(s.found).toBe((2 ** ports() - 1) * lastValues());
    expect(s.none).toBe(lastValues());
  });

  it('random requests', () => {
    const s = runTb(tbs[variant]!, { cycles: 50_000 }, label()).stats;
    expect(s.checks).toBe(50_000);
    expect(s.found).toBeGreaterThan(0);
    expect(s.none).toBeGreaterThan(0);
  });

  it('as an arbiter: no requester starves', () => {
    const s = runTb(tbs[variant]!, { cycles: 50_000, arbiter: 1, hold_p: 0.3 }, label()).stats;
    expect(s.grants).toBeGreaterThan(0);
    expect(s.max_wait).toBeLessThanOrEqual(ports() - 1);
    if (ports() > 1) expect(s.max_wait).toBeGreaterThan(0);
  });
});

describe('nicraft_rr_pick testbench', () => {
  it('rejects an unknown key (rc 2)', () => {
    const r = tbs['3 ports']!.run({ seed: 1, bogus: 1 });
    expect(r.rc).toBe(2);
    expect(r.error).toMatch(/unknown key/);
  });
});
