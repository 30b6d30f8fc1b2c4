// nicraft_exec against its C++ reference (native/tb/tb_exec.cpp): frames of every type and fate
// (sequenced, accepted, buffered beyond a gap and taken in by the reorder chain, duplicates, ACKs,
// NACKs, heartbeats, punts, every drop reason: NOT_MEMBER and NOT_LEADER, node frames from outside
// MEMBERS and APPENDs / HEARTBEATs not from the leader, included), a full window, punts without room, backpressure on
// both FIFOs, role changes, host writes of LAST_INDEX. Chain replication: ROLE 3 (chain middle) and CHAIN.SUCC_ID
// (none, a node, any id) are drawn with the other roles: sequenced APPENDs sent to the successor, a middle's
// APPENDs written to the log (accepted or buffered) and taken HEARTBEATs forwarded (every beat, the first
// rewritten, in the log too), its ACKs / NACKs from members taken. Seeds are printed; SEED=<n> replays.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const BUILD_TIMEOUT = 600_000;
const VARIANTS: Record<string, TbVariant> = {
  default: { module: 'nicraft_exec', params: { LOG_DEPTH_LOG2: 5 } },
  small: { module: 'nicraft_exec', params: { MAX_NODES: 4, LOG_DEPTH_LOG2: 3, MAX_PAYLOAD: 100, TX_FIFO_DEPTH_LOG2: 2, HOST_FIFO_DEPTH_LOG2: 3 } },
};
const PATTERNS: Record<string, TbConfig> = {
  'line rate': { in_p: 1, out_p: 1, punt_out_p: 1 },
  'backpressure': { in_p: 1, out_p: 0.1, punt_out_p: 0.03, punt_burst: 50 },
  'lagging delivery, resets': { lag_p: 0.9, reset_p: 0.0005 },
  // delivery stalls longer and no reset empties the log: the window fills (LOG_FULL drops) in every seed
  'delivery stalls, the window fills': { lag_p: 0.98 },
};
// Floors: at most a quarter of the least count over seeds 1..40 at 200,000 cycles (tools/tb-floors.ts): every
// decision below at least 331 (NACKs, default, backpressure); LOG_FULL drops 59 when the window fills (default),
// but only 1 with lagging delivery and resets (seeds 7 and 31), which is why that pattern does not assert them.
// Chain replication (seeds 1..16): every chain count at least 283 (middle_buffered, default, backpressure).
const WINDOW_FILLS = 'delivery stalls, the window fills';
const tbs = loadVariants(VARIANTS, BUILD_TIMEOUT);

describe.each(Object.keys(VARIANTS))('nicraft_exec (%s)', (variant) => {
  it.each(Object.keys(PATTERNS))('%s', (pattern) => {
    const cfg = PATTERNS[pattern]!;
    const s = runTb(tbs[variant]!, { cycles: 200_000, ...cfg }, label()).stats;
    for (const k of ['sequenced', 'accepted', 'buffered', 'chain_grows', 'duplicates', 'acks', 'nacks', 'heartbeats', 'punts', 'drops', 'bad_headers',
      'drops_not_member', 'drops_not_leader',
      // chain replication (ROLE 3, SUCC_ID)
      'forwarded', 'forwarded_hbs', 'middle_buffered', 'middle_acks', 'middle_chain_grows', 'succ_sequenced']) {
      expect(s[k], k).toBeGreaterThan(10);
    }
    // forwarded frames of more than one beat: every beat went to the APPEND FIFO
    expect(s.forward_beats, 'forward_beats').toBeGreaterThan(s.forwarded + s.forwarded_hbs + 10);
    if (pattern === WINDOW_FILLS) expect(s.drops_log_full).toBeGreaterThan(10);
    if (cfg.punt_out_p !== undefined && Number(cfg.punt_out_p) < 1) expect(s.drops_punt_full).toBeGreaterThan(0);
    if (cfg.out_p !== undefined && Number(cfg.out_p) < 1) expect(s.stall_cycles).toBeGreaterThan(0);
  });
});

// Directed regressions (fixed seeds, besides the random one above): with lagging delivery and
// resets, the tag memory keeps its contents through a reset while LAST_INDEX and APPLIED_INDEX
// restart, so the reorder chain found stale tags naming the entries after the tail and grew the log
// past a full window ("the log grew past a full window"; found by the 40-seed sweep of
// tools/tb-floors.ts). The chain now waits while the window is full; the reference checks it.
// (Seeds 35 and 33 until the header grew to 60 bytes, docs/auth.md: the frames changed and those seeds lost the
// case; 33 and 47 were the first of seeds 1..120 that reach it again, as the expectations below define it.
// Since the testbench draws TERM a cycle before it applies (nicraft_exec takes TERM's next value, issue 14)
// default seed 33 no longer does; 48 is the first of seeds 1..120 that does, small seed 47 still does.
// Since the configuration draws ROLE 3 and CHAIN.SUCC_ID (chain replication) neither does; default 33 is the first
// of seeds 1..120 that does again, small 22 the only one of seeds 1..120.)
const STALE_TAG_SEEDS: Array<[string, number]> = [['default', 33], ['small', 22]];
describe('nicraft_exec: the reorder chain after a reset (stale tags) never grows past a full window', () => {
  it.each(STALE_TAG_SEEDS)('%s, seed %i', (variant, seed) => {
    const s = runTb(tbs[variant]!, { cycles: 200_000, ...PATTERNS['lagging delivery, resets']!, seed }, label()).stats;
    expect(s.resets, 'resets').toBeGreaterThan(0);
    // the case itself: a stale tag after the tail while the window was full (the chain used to take it)
    expect(s.chain_full_waits, 'chain_full_waits').toBeGreaterThan(0);
    expect(s.chain_grows, 'chain_grows').toBeGreaterThan(10);
    expect(s.buffered, 'buffered').toBeGreaterThan(10);
  });
});

// STATUS.FROZEN (fuzz seed 600914: a sync read LAST_INDEX while a REQ sequenced before FAST_EN=0
// was still being written, and the host then wrote its own entry at that index). The fast path is
// turned off and on at random cycles, so frames are caught between their first and last beats; the
// testbench checks `frozen` every cycle and that no log write or growth happens while it reads 1.
describe('nicraft_exec: FROZEN waits for a frame half written when the fast path goes off', () => {
  it.each(Object.keys(VARIANTS))('%s', (variant) => {
    const s = runTb(tbs[variant]!, { cycles: 200_000, in_p: 1, out_p: 0.7, freeze_p: 0.01 }, label()).stats;
    expect(s.frozen_cycles, 'frozen_cycles').toBeGreaterThan(1000);
    // the race itself: the fast path was off while a frame it had taken was still being written ...
    expect(s.frozen_mid, 'frozen_mid').toBeGreaterThan(10);
    // ... and the log grew at such a frame's last beat, after FAST_EN had fallen
    expect(s.frozen_grows, 'frozen_grows').toBeGreaterThan(10);
  });
});
