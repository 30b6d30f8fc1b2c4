// nicraft_rtx against its C++ reference (native/tb/tb_rtx.cpp): go-back-N rounds on timeouts and
// NACKs, round robin over followers, needs-repair events for indexes that left the RAM or whose slot
// holds another index (a slot not written since power-up: nothing of it is sent), stale NACKs,
// read-port contention, backpressure, and leader mode ending at any beat of a frame (a frame once
// started is finished). Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const BUILD_TIMEOUT = 600_000;
const VARIANTS: Record<string, TbVariant> = {
  '8 nodes, 16 slots': { module: 'nicraft_rtx', params: { LOG_DEPTH_LOG2: 4 } },
  '3 nodes, 8 slots, 2-beat entries': { module: 'nicraft_rtx', params: { MAX_NODES: 3, LOG_DEPTH_LOG2: 3, MAX_PAYLOAD: 60 } },
};
const PATTERNS: Record<string, TbConfig> = {
  'timeouts only': { nack_p: 0, ack_p: 0.01 },
  'NACKs and ACKs, contention, backpressure': { nack_p: 0.02, ack_p: 0.03, gnt_p: 0.7, out_p: 0.5 },
  'leader mode flapping, resets': { leader_flip_p: 0.01, nack_p: 0.02, reset_p: 0.0005 },
  'slots not holding their entry (power loss), NACKs, backpressure': { stale_p: 0.05, nack_p: 0.02, ack_p: 0.01, gnt_p: 0.8, out_p: 0.7 },
};
const tbs = loadVariants(VARIANTS, BUILD_TIMEOUT);

describe.each(Object.keys(VARIANTS))('nicraft_rtx (%s)', (variant) => {
  it.each(Object.keys(PATTERNS))('%s', (pattern) => {
    const cfg = PATTERNS[pattern]!;
    const s = runTb(tbs[variant]!, { cycles: 300_000, ...cfg }, label()).stats;
    // Floors: at most a quarter of the least count over seeds 1..40 at 300,000 cycles (tools/tb-floors.ts): rounds
    // 3,156, frames resent 588 and multi-beat frames 508 (3 nodes, timeouts only), timeouts 3,159, NACKs 1,471,
    // stale NACKs 5 and frames finished after leader mode 21 (3 nodes, flapping).
    expect(s.rounds).toBeGreaterThan(100);
    expect(s.frames_resent).toBeGreaterThan(140);
    expect(s.multi_beat_frames).toBeGreaterThan(100);
    expect(s.timeouts).toBeGreaterThan(100);
    expect(s.repair_events).toBeGreaterThan(0);
    // entries of an older term are never resent (a follower NIC punts them; fuzz seed 600020): the
    // term moves on now and then in every pattern, and rounds stop at the entries written before. With
    // 16 slots that happens in every run (least 36 over seeds 1..40); with 8 slots, 2 beats each, an
    // older entry is overwritten within ~30 cycles, and some seeds never stop at one (0 at seeds 4 and
    // 27: tools/tb-floors.ts --seeds 40), so the floor is asserted only where it holds for every seed
    if (variant.startsWith('8 nodes')) expect(s.old_term_slots, 'rounds stopped at an entry of an older term').toBeGreaterThan(5);
    // (NACKs inside a round under way are rarer when rounds stop at stale slots: 0 for some seeds with stale_p)
    if (cfg.nack_p) { expect(s.nacks).toBeGreaterThan(100); if (!cfg.stale_p) expect(s.nacks_stale).toBeGreaterThan(0); }
    if (cfg.leader_flip_p) expect(s.frames_finished_after_leader_end, 'frames finished after leader mode ended').toBeGreaterThan(0);
    if (cfg.stale_p) {
      // floors (tools/tb-floors.ts, seeds 1..40, 3 nodes): least stale slots 53, of which overwritten by a
      // later lap 20..; needs-repair events for them 46
      expect(s.stale_slots, 'rounds stopped at a slot holding another index').toBeGreaterThan(10);
      expect(s.stale_slots - s.stale_slots_overwritten, '... one not written (power loss)').toBeGreaterThan(5);
      expect(s.stale_slot_repairs, 'needs-repair events for such slots').toBeGreaterThan(10);
    } else {
      // the only slots refused: the last index grew past the round's next entry by a whole ring (an
      // index that left the RAM while the round ran), or the entry is of a term before the current one
      expect(s.stale_slots).toBe(s.stale_slots_overwritten + s.old_term_slots);
    }
  });
});
