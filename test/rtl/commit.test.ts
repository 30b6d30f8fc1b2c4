// nicraft_commit against its C++ reference (native/tb/tb_commit.cpp): ACKs on both paths, NACKs,
// follower commits, host writes, leader and follower, every quorum size, chain replication (a head's or
// middle's NACKs that move no match index, a middle's commit from its predecessor, a tail's commit of its
// whole log); match indexes, their moves, the quorum view, the commit index and the delivery target every cycle.
// Seeds are printed; SEED=<n> replays. See docs/testing.md.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const BUILD_TIMEOUT = 600_000;
const VARIANTS: Record<string, TbVariant> = {
  'MAX_NODES=8': { module: 'nicraft_commit' },
  'MAX_NODES=3': { module: 'nicraft_commit', params: { MAX_NODES: 3 } },
  'MAX_NODES=1': { module: 'nicraft_commit', params: { MAX_NODES: 1 } },
};
const PATTERNS: Record<string, TbConfig> = {
  'leader, steady ACKs': { leader_p: 1, ack_p: 0.5 },
  'leader and follower, host writes, resets': { leader_p: 0.5, ack_p: 0.3, host_p: 0.05, reset_p: 0.001 },
};
const tbs = loadVariants(VARIANTS, BUILD_TIMEOUT);

describe.each(Object.keys(VARIANTS))('nicraft_commit (%s)', (variant) => {
  it.each(Object.keys(PATTERNS))('%s', (pattern) => {
    const cfg = PATTERNS[pattern]!;
    const s = runTb(tbs[variant]!, { cycles: 200_000, ...cfg }, label()).stats;
    // Floors: at most a quarter of the least count over seeds 1..40 (tools/tb-floors.ts): leader commit moves 1,830,
    // match moves 4,029 (MAX_NODES=3, steady ACKs), follower commit moves 6,191, host writes 18,740.
    expect(s.commit_moves_leader).toBeGreaterThan(100);
    if (variant !== 'MAX_NODES=1') expect(s.match_moves).toBeGreaterThan(1000);
    if (cfg.leader_p !== 1) expect(s.commit_moves_follower).toBeGreaterThan(100);
    // follower commit (QUORUM 2, fresh APPENDs): not with one node (never a member leader and a member follower)
    if (cfg.leader_p !== 1 && variant !== 'MAX_NODES=1') expect(s.commit_moves_fresh).toBeGreaterThan(100);
    // ... and fresh APPENDs refused it after a control-plane entry (client id 0), until FAST_EN fell
    if (cfg.leader_p !== 1 && variant !== 'MAX_NODES=1') expect(s.fresh_blocked).toBeGreaterThan(100);
    if (cfg.host_p) expect(s.host_commit_writes + s.host_match_writes).toBeGreaterThan(100);
    // chain replication: a tail's commit moves (in leader mode only from tail_on drawn at random: the priority),
    // NACKs chain_lead kept from moving a match index, a middle's commit moves from its predecessor's commit index,
    // cycles a frame half written to the log (log_mid) held the tail's commit back. Least over seeds 1..16: 578,
    // 36 (MAX_NODES=1: one node to NACK), 430, 335; the floors are about a quarter.
    expect(s.commit_moves_tail, 'commit_moves_tail').toBeGreaterThan(100);
    expect(s.chain_nacks_ignored, 'chain_nacks_ignored').toBeGreaterThan(8);
    expect(s.middle_commit_moves, 'middle_commit_moves').toBeGreaterThan(100);
    expect(s.tail_log_mid_waits, 'tail_log_mid_waits').toBeGreaterThan(80);
  });
});
