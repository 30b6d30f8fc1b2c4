// nicraft_ctl_gen against its C++ reference (native/tb/tb_ctl_gen.cpp): ACK coalescing, NACKs for
// gaps with their repeats, heartbeats on idle and after a commit, NIC replies (leader, and follower
// replies by REPLY_MASK), in every role (ROLE 3, a chain middle, ACKing its commit index; a leader's heartbeats to
// CHAIN.SUCC_ID's node), with backpressure; every generated frame compared byte for byte. Seeds are printed;
// SEED=<n> replays.
import { describe, expect, it } from 'vitest';
import { runTb, type TbConfig, type TbVariant } from '../../native/build-tb.js';
import { label, loadVariants } from './tb.js';

const BUILD_TIMEOUT = 600_000;
const VARIANTS: Record<string, TbVariant> = { default: { module: 'nicraft_ctl_gen' } };
const PATTERNS: Record<string, TbConfig> = {
  'quiet TX': { out_p: 1 },
  'busy events, backpressure': { out_p: 0.3, event_p: 0.2, reply_p: 0.5 },
  'resets': { reset_p: 0.001 },
};
// Coverage floors: the least of each count over seeds 1..40 at 300,000 cycles (quiet: nacks 504,
// heartbeats 3,810; busy: nacks 48, as a NACK waits behind ACKs and replies while TX is held; resets:
// nacks 511), divided by about 4 so that no random seed falls below them. CI once drew a busy seed with
// 69 NACKs against a floor of 100.
// gap_acks (ACKs that only ACK_GAP let go): least over seeds 1..20 at 300,000 cycles quiet 1,024, busy 282,
// resets 1,154; the floor is a little under a third of the busy figure
// Chain replication (ROLE 3, SUCC_ID): middle_acks, middle_nacks (a middle's ACKs and NACKs), middle_commit_acks
// (a middle's ACKs naming its commit index where the last index differs), succ_heartbeats (a leader's heartbeats
// to its successor). Least over seeds 1..16 at 300,000 cycles: middle_acks 2,665 (quiet), middle_nacks 132 (busy),
// middle_commit_acks 2,460 (quiet), succ_heartbeats 749 (busy); the floors are about a quarter.
const FLOOR: Record<string, number> = {
  acks: 1000, nacks: 10, heartbeats: 500, replies: 1000, role_changes: 100, follower_replies: 500, gap_acks: 100,
  middle_acks: 600, middle_nacks: 30, middle_commit_acks: 600, succ_heartbeats: 180,
};
const tbs = loadVariants(VARIANTS, BUILD_TIMEOUT);

describe.each(Object.keys(VARIANTS))('nicraft_ctl_gen (%s)', (variant) => {
  it.each(Object.keys(PATTERNS))('%s', (pattern) => {
    const cfg = PATTERNS[pattern]!;
    const s = runTb(tbs[variant]!, { cycles: 300_000, ...cfg }, label()).stats;
    for (const [k, floor] of Object.entries(FLOOR)) expect(s[k], k).toBeGreaterThan(floor);
    if (cfg.out_p !== undefined && Number(cfg.out_p) < 1) expect(s.full_cycles).toBeGreaterThan(0);
  });
});
