// nicraft_axis_fifo against its C++ scoreboard (native/tb/tb_axis_fifo.cpp): random frames, valid
// gaps and backpressure; every cycle checks tready/tvalid/count/almost_full and the output beat.
// Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTbs, runTb, type TbConfig, type Testbench, type TbVariant } from '../../native/build-tb.js';

const BUILD_TIMEOUT = 600_000;
const CYCLES = 200_000;

const VARIANTS: Record<string, TbVariant> = {
  // as the NIC's FIFOs: 512-bit beats, 8-bit tuser
  default: { module: 'nicraft_axis_fifo' },
  // the smallest: two slots, almost_full as soon as one is used, 32-bit beats, 1-bit tuser
  // (built with tracing: the waveform test below; the other libraries are built without)
  tiny: { module: 'nicraft_axis_fifo', params: { DATA_WIDTH: 32, USER_WIDTH: 1, DEPTH_LOG2: 1, ALMOST_FULL_FREE: 2 }, trace: true },
};
// NO_STALL: the producer promises never to offer a beat while the FIFO is full (the NIC's RX pipeline
// keeps room through almost_full); the testbench's producer breaks that promise on purpose below.
const NO_STALL: TbVariant = { module: 'nicraft_axis_fifo', params: { DATA_WIDTH: 32, USER_WIDTH: 1, DEPTH_LOG2: 2, ALMOST_FULL_FREE: 2, NO_STALL: 1 } };

/** Valid and ready patterns: p is the fraction of cycles on, burst stretches the on/off runs. */
const PATTERNS: Record<string, TbConfig> = {
  'always valid, always ready': { in_p: 1, out_p: 1 },
  'always valid, 50% ready': { in_p: 1, out_p: 0.5 },
  '50% valid, 50% ready': { in_p: 0.5, out_p: 0.5 },
  'bursty ready': { in_p: 0.8, out_p: 0.5, out_burst: 24 },
  'bursty valid': { in_p: 0.5, in_burst: 24, out_p: 0.7 },
  'slow reader (fills up)': { in_p: 0.9, out_p: 0.2 },
  'long reader stalls': { in_p: 0.7, out_p: 0.5, out_burst: 300 },
  'trickle (mostly never-valid gaps)': { in_p: 0.03, out_p: 0.8 },
  'one-beat frames at line rate': { in_p: 1, out_p: 1, min_beats: 1, max_beats: 1 },
  'random resets': { in_p: 0.7, out_p: 0.6, reset_p: 0.002 },
};

const tbs: Record<string, Testbench> = {};

beforeAll(async () => {
  const names = [...Object.keys(VARIANTS), 'no-stall'];
  (await loadTbs(names.map((n) => VARIANTS[n] ?? NO_STALL))).forEach((tb, i) => { tbs[names[i]!] = tb; });
}, BUILD_TIMEOUT);

const label = () => expect.getState().currentTestName ?? '';

describe.each(Object.keys(VARIANTS))('nicraft_axis_fifo (%s)', (variant) => {
  it.each(Object.keys(PATTERNS))('%s', (pattern) => {
    const tb = tbs[variant]!;
    const depth = 2 ** tb.params.DEPTH_LOG2!;
    const cfg = PATTERNS[pattern]!;
    const s = runTb(tb, { cycles: CYCLES, ...cfg }, label()).stats;
    // beats are conserved: every accepted beat left, was flushed by a reset, or is still inside
    expect(s.beats_in).toBe(s.beats_out + s.beats_flushed + s.final_count);
    expect(s.max_count).toBeLessThanOrEqual(depth);
    expect(s.frames_out).toBeLessThanOrEqual(s.frames_in);
    expect(s.beats_out).toBeGreaterThan(0);
    expect(s.almost_full_cycles).toBeGreaterThanOrEqual(s.full_cycles);
    if (cfg.in_p === 1 && cfg.out_p === 1) {
      // a beat per cycle with at most one stored: first-word fall-through, no bubble
      expect(s.max_count).toBeLessThanOrEqual(1);
      expect(s.beats_out).toBeGreaterThanOrEqual(s.cycles - 2);
      expect(s.in_stall_cycles).toBe(0);
    }
    if (pattern.startsWith('slow reader') || pattern.startsWith('long reader')) {
      // it fills: tready falls exactly when full
      expect(s.max_count).toBe(depth);
      expect(s.full_cycles).toBeGreaterThan(0);
      expect(s.in_stall_cycles).toBeGreaterThan(0);
    }
    if (cfg.reset_p) expect(s.resets).toBeGreaterThan(0);
    else expect(s.beats_flushed).toBe(0);
  });
});

describe('nicraft_axis_fifo testbench', () => {
  it('is deterministic: the same seed gives the same run', () => {
    const tb = tbs.default!;
    const a = tb.run({ seed: 42, cycles: 20_000, in_p: 0.6, out_p: 0.5, reset_p: 0.001 });
    const b = tb.run({ seed: 42, cycles: 20_000, in_p: 0.6, out_p: 0.5, reset_p: 0.001 });
    const c = tb.run({ seed: 43, cycles: 20_000, in_p: 0.6, out_p: 0.5, reset_p: 0.001 });
    expect(a.ok && b.ok && c.ok).toBe(true);
    expect(a.stats).toEqual(b.stats);
    expect(a.stats).not.toEqual(c.stats);
  });

  it('rejects unknown configuration keys (rc 2)', () => {
    const r = tbs.default!.run({ seed: 1, cycles: 10, in_prob: 0.5 });
    expect(r.rc).toBe(2);
    expect(r.error).toMatch(/unknown key 'in_prob'/);
  });

  it('reports the parameters it was built with', () => {
    expect(tbs.default!.params).toEqual({ DATA_WIDTH: 512, KEEP_WIDTH: 64, USER_WIDTH: 8, DEPTH_LOG2: 4, ALMOST_FULL_FREE: 2, NO_STALL: 0 });
    expect(tbs.tiny!.params).toMatchObject({ DATA_WIDTH: 32, KEEP_WIDTH: 4, DEPTH_LOG2: 1 });
  });

  it('stops at a failed assertion and names the module, the cycle and the condition (a beat pushed into a full NO_STALL FIFO)', () => {
    const tb = tbs['no-stall']!;
    // a reader fast enough that the FIFO never fills: the promise holds, no assertion fires
    const ok = runTb(tb, { cycles: 20_000, in_p: 1, out_p: 1 }, label());
    expect(ok.stats.full_cycles).toBe(0);
    expect(ok.stats.beats_out).toBeGreaterThan(10_000);
    // a slow reader: the producer keeps offering beats into the full FIFO, which NO_STALL forbids
    for (const seed of [1, 2, 3]) {
      const r = tb.run({ seed, cycles: 20_000, in_p: 1, out_p: 0.2 });
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/^cycle \d+: the model stopped: /);
      expect(r.error).toMatch(/nicraft_axis_fifo/);
      expect(r.error).toMatch(/a beat pushed into the full FIFO/);
      // it stops at the first offence: within the first few cycles after the reset, once four beats are stored
      const cycle = Number(/^cycle (\d+)/.exec(r.error)![1]);
      expect(cycle).toBeGreaterThanOrEqual(4 + 4);
      expect(cycle).toBeLessThan(200);
    }
  });

  it('writes an FST waveform when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nicraft-tb-'));
    try {
      const fst = join(dir, 'fifo.fst');
      const r = tbs.tiny!.run({ seed: 7, cycles: 500, in_p: 0.5, out_p: 0.5, trace: fst });
      expect(r.ok).toBe(true);
      expect(existsSync(fst) && statSync(fst).size).toBeGreaterThan(100);
      // a library built without tracing refuses, and says how to get one
      const other = Object.keys(tbs).find((k) => !VARIANTS[k]!.trace)!;
      const no = tbs[other]!.run({ seed: 7, cycles: 500, trace: join(dir, 'no.fst') });
      expect(no.ok).toBe(false);
      expect(no.error).toMatch(/built without tracing: build it with trace: true in its TbVariant, or with NICRAFT_TB_TRACE=1/);
      expect(existsSync(join(dir, 'no.fst'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
