// nicraft_axis_arb against its C++ scoreboard (native/tb/tb_axis_arb.cpp): PORTS random sources,
// one back-pressured sink; every cycle checks the round-robin grant (combinational, frame-atomic),
// the routed beat and the tready fan-out; frames never interleave and no port starves.
// Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTbs, runTb, type TbConfig, type Testbench, type TbVariant } from '../../native/build-tb.js';

const BUILD_TIMEOUT = 600_000;
const CYCLES = 200_000;

const VARIANTS: Record<string, TbVariant> = {
  // the host RX arbiter: punts and committed entries
  '2 ports': { module: 'nicraft_axis_arb' },
  // the TX arbiter: APPENDs, generated frames, host frames
  '3 ports': { module: 'nicraft_axis_arb', params: { PORTS: 3, USER_WIDTH: 1 } },
  // the widest mux, narrow beats
  '8 ports': { module: 'nicraft_axis_arb', params: { PORTS: 8, DATA_WIDTH: 32, USER_WIDTH: 4 } },
  // degenerate: a pass-through
  '1 port': { module: 'nicraft_axis_arb', params: { PORTS: 1, DATA_WIDTH: 64, USER_WIDTH: 2 } },
};

interface Case {
  cfg: TbConfig;
  check?: (s: Record<string, number>, ports: number) => void;
}

const frames = (s: Record<string, number>, ports: number) => Array.from({ length: ports }, (_, i) => s[`frames_port${i}`]!);

const CASES: Record<string, Case> = {
  'saturated: all valid, always ready': {
    cfg: { in_p: 1, out_p: 1, in_gaps: 0 },
    check: (s, ports) => {
      // strict alternation: the per-port frame counts differ by at most one, and no cycle is lost
      const f = frames(s, ports);
      expect(Math.max(...f) - Math.min(...f)).toBeLessThanOrEqual(1);
      expect(s.beats_out).toBe(s.cycles - 4);  // all but the initial reset cycles
      expect(s.gap_cycles + s.out_stall_cycles).toBe(0);
    },
  },
  'one-beat frames every cycle': {
    cfg: { in_p: 1, out_p: 1, min_beats: 1, max_beats: 1 },
    check: (s, ports) => {
      // a combinational winner: a one-beat frame passes every cycle, no bubble between frames
      expect(s.frames_out).toBe(s.cycles - 4);
      const f = frames(s, ports);
      expect(Math.max(...f) - Math.min(...f)).toBeLessThanOrEqual(1);
    },
  },
  '50% valid (gaps inside frames), 50% ready': { cfg: { in_p: 0.5, out_p: 0.5 }, check: (s) => expect(s.gap_cycles).toBeGreaterThan(0) },
  'bursty ready': { cfg: { in_p: 0.9, out_p: 0.5, out_burst: 30 } },
  'bursty valid': { cfg: { in_p: 0.4, in_burst: 30, out_p: 0.8 } },
  'one greedy port, the others trickle': {
    cfg: { in_p: 0.05, in_p0: 1, out_p: 0.7 },
    check: (s, ports) => {
      // the trickling ports still get through, each after at most PORTS-1 other frames
      for (const f of frames(s, ports)) expect(f).toBeGreaterThan(0);
    },
  },
  'never-valid gaps (sparse traffic)': { cfg: { in_p: 0.02, out_p: 1 }, check: (s) => expect(s.idle_cycles).toBeGreaterThan(0) },
  'long frames, slow reader': { cfg: { in_p: 0.9, out_p: 0.3, min_beats: 4, max_beats: 16 } },
  'random resets': { cfg: { in_p: 0.7, out_p: 0.7, reset_p: 0.002 }, check: (s) => expect(s.resets).toBeGreaterThan(0) },
};

const tbs: Record<string, Testbench> = {};

beforeAll(async () => {
  const names = Object.keys(VARIANTS);
  (await loadTbs(names.map((n) => VARIANTS[n]!))).forEach((tb, i) => { tbs[names[i]!] = tb; });
}, BUILD_TIMEOUT);

const label = () => expect.getState().currentTestName ?? '';

describe.each(Object.keys(VARIANTS))('nicraft_axis_arb (%s)', (variant) => {
  it.each(Object.keys(CASES))('%s', (name) => {
    const tb = tbs[variant]!;
    const ports = tb.params.PORTS!;
    const c = CASES[name]!;
    const cfg = c.cfg;
    const s = runTb(tb, { cycles: CYCLES, ...cfg }, label()).stats;
    // no starvation (also checked cycle by cycle in C++): round robin lets at most PORTS-1 frames pass first
    expect(s.max_wait_frames).toBeLessThanOrEqual(ports - 1);
    expect(frames(s, 8).reduce((a, b) => a + b, 0)).toBe(s.frames_out);
    for (let i = ports; i < 8; i++) expect(s[`frames_port${i}`]).toBe(0);
    expect(s.frames_out).toBeGreaterThan(0);
    if (ports > 1 && name !== 'never-valid gaps (sparse traffic)') expect(s.contended_frames).toBeGreaterThan(0);
    c.check?.(s, ports);
  });
});
