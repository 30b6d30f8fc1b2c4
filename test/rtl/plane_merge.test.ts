// nicraft_plane_merge against its C++ reference (native/tb/tb_plane_merge.cpp): random frames on
// every plane, most of them sent on several planes (copies with random skew) or repeated, one-beat
// ACK-path frames, invalid keys, plane enable changes, sink backpressure, resets, `now` wrapping;
// every cycle checks the buffer handshakes, the main output (round robin, frame-atomic), the ACK path
// and the dup/off/REQ-copy drop pulses against the specification of the merge on the two-register-delayed
// plane heads. The module's assertions are compiled in. Seeds are printed; SEED=<n> replays.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const BUILD_TIMEOUT = 900_000;
const CYCLES = 60_000;

const VARIANTS: Record<string, TbVariant> = {
  // the NIC with two planes (its window: 2 * 64 + 16 + 2 * PLANE_SKEW_CYCLES (32) entries)
  '2 planes, NIC window': { module: 'nicraft_plane_merge', params: { PLANES: 2, WINDOW: 208 } },
  // one plane: only repeats are copies
  '1 plane': { module: 'nicraft_plane_merge', params: { PLANES: 1, DATA_WIDTH: 64, WINDOW: 16 } },
  // three planes, a small window and a short memory: entries are overwritten and expire often
  '3 planes, small window': { module: 'nicraft_plane_merge', params: { PLANES: 3, DATA_WIDTH: 64, KEY_WIDTH: 20, WINDOW: 4, WINDOW_CYCLES: 24 } },
  // the smallest window
  '2 planes, window of 2': { module: 'nicraft_plane_merge', params: { PLANES: 2, DATA_WIDTH: 32, KEY_WIDTH: 8, WINDOW: 2, WINDOW_CYCLES: 3 } },
};

interface Case {
  cfg: TbConfig;
  check?: (s: Record<string, number>, p: Record<string, number>) => void;
}

const CASES: Record<string, Case> = {
  'copies on every plane, backpressure': {
    cfg: { in_p: 0.8, out_p: 0.7 },
    check: (s, p) => { if (p.PLANES! > 1) { expect(s.dup_drops).toBeGreaterThan(0); expect(s.req_dup_drops).toBeGreaterThan(0); expect(s.req_dup_drops).toBeLessThan(s.dup_drops); } },
  },
  'line rate: one-beat frames, sink always ready': {
    cfg: { in_p: 1, out_p: 1, min_beats: 1, max_beats: 1, skew: 2 },
    check: (s) => expect(s.frames_ack).toBeGreaterThan(0),
  },
  'long frames, slow sink': { cfg: { in_p: 0.9, out_p: 0.3, out_burst: 20, min_beats: 2, max_beats: 6 }, check: (s) => expect(s.locked_gap_cycles + s.out_stall_cycles).toBeGreaterThan(0) },
  'repeats of old keys (window expiry and overwrite)': {
    cfg: { in_p: 0.6, out_p: 0.9, copy_p: 0.3, repeat_p: 0.6, keys: 64 },
    check: (s) => expect(s.window_hits).toBeGreaterThan(0),
  },
  'plane enable changes': { cfg: { in_p: 0.7, out_p: 0.8, en_p: 0.01 }, check: (s) => { expect(s.en_changes).toBeGreaterThan(0); expect(s.off_drops).toBeGreaterThan(0); } },
  'invalid keys and ACKs mixed': { cfg: { in_p: 0.8, out_p: 0.6, kv_p: 0.5, ack_p: 0.6, max_beats: 2 } },
  'random resets': { cfg: { in_p: 0.7, out_p: 0.7, reset_p: 0.002 }, check: (s) => expect(s.resets).toBeGreaterThan(0) },
  'now near the 32-bit wrap': { cfg: { in_p: 0.7, out_p: 0.8, now0: 0xffffff00 } },
};

const tbs = loadVariants(VARIANTS, BUILD_TIMEOUT);

describe.each(Object.keys(VARIANTS))('nicraft_plane_merge (%s)', (variant) => {
  it.each(Object.keys(CASES))('%s', (name) => {
    const tb = tbs[variant]!;
    const c = CASES[name]!;
    const s = runTb(tb, { cycles: CYCLES, ...c.cfg }, label()).stats;
    expect(s.cycles).toBeGreaterThan(CYCLES);
    expect(s.frames_in).toBeGreaterThan(0);
    expect(s.frames_main + s.frames_ack).toBeGreaterThan(0);
    // every frame that reached B was taken, dropped, or is still on its way (at most a few per plane)
    expect(s.frames_main + s.frames_ack + s.dup_drops + s.off_drops).toBeLessThanOrEqual(s.frames_in);
    c.check?.(s, tb.params);
  });
});

describe('nicraft_plane_merge testbench', () => {
  it('window hits and lower-plane hits both happen with copies on two planes', () => {
    const s = runTb(tbs['2 planes, NIC window']!, { cycles: CYCLES, in_p: 0.9, out_p: 0.5, skew: 0 }, label()).stats;
    expect(s.window_hits).toBeGreaterThan(0);
    expect(s.lower_plane_hits).toBeGreaterThan(0);
    expect(s.both_paths_cycles).toBeGreaterThan(0);
  });

  it('a key that expired is not a copy', () => {
    const s = runTb(tbs['3 planes, small window']!, { cycles: CYCLES, in_p: 0.3, out_p: 1, copy_p: 0, repeat_p: 0.9, keys: 16 }, label()).stats;
    expect(s.expired_key_reuse).toBeGreaterThan(0);
  });
});
