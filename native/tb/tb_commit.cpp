// Testbench of nicraft_commit (match indexes, the quorum, the commit index).
//
// Reference: per node a match index that moves up only: with an ACK on the parallel path (to its
// index), with an ACK from the execute engine (to its index) and a NACK (to its index - 1), whichever
// is highest; a host write of MATCH_INDEX (through MATCH_SEL, ignored past MAX_NODES) wins. The
// quorum view replaces this node's own entry by its last index; the quorum index is the q-th largest
// view index over the members (none when q is 0 or exceeds the members), QUORUM_LATENCY cycles late
// (nicraft_quorum's register stages). Leader: the commit index moves to the quorum index when it is
// above it, at least TERM_START and at most the last index; follower: to the execute engine's capped
// commit index when that is above it; a host write of COMMIT_INDEX wins. dlv_target is the quorum
// index in a cycle the leader's commit moves, else the commit index.
// Chain replication (docs/replication-modes.md): with chain_lead (CHAIN.SUCC_ID set: a chain's head or
// middle) a NACK moves no match index (ACKs still do); with tail_on (a chain's tail: FAST_EN, ROLE 1,
// CHAIN.TAIL) the commit index moves to the last index when that is above it, the host does not
// write LAST_INDEX and the execute engine is not in the middle of writing a frame to the log (log_mid:
// its last beat sets the tail, whatever the host wrote meanwhile), after the leader's quorum and
// follower commit and before the leader's commit index (ev_commit). The configuration draws the
// chain's roles as the CSRs make them: in leader mode a head (chain_lead) or a middle (chain_lead,
// and the predecessor's commit index through ev_commit and its fresh APPENDs, which must not commit),
// else a tail (tail_on while FAST_EN, with or without follower commit's configuration), besides a
// plain leader and follower; now and then tail_on and chain_lead are drawn at random whatever the
// mode (the priorities hold for any inputs). chain_nacks_ignored counts the NACKs chain_lead kept
// from moving a match index, commit_moves_tail the tail's commit moves, middle_commit_moves a
// middle's commit moves from its predecessor's commit index, tail_cycles / chain_lead_cycles the
// cycles of those inputs, tail_log_mid_waits the cycles log_mid alone held the tail's commit back
// (log_mid comes and goes as frames of a few beats are written).
// The inputs move as in the NIC: the last index grows, ACKs and NACKs name members and indexes near
// the last, the configuration changes now and then; host writes and resets at random.
// Checked every cycle: match, match_moved, match_view, commit_index, dlv_target.
//
// cfg keys: seed cycles reset_p trace ack_p host_p leader_p chain_p
#include "tb_common.h"

#include <deque>

#include "Vtb_nicraft_commit.h"

namespace {

constexpr unsigned N = TB_P_MAX_NODES;
// nicraft_quorum's latency in cycles (its two register stages)
constexpr unsigned QUORUM_LATENCY = 2;

const char *const kStats[] = {"cycles", "leader_cycles", "commit_moves_leader", "commit_moves_follower", "match_moves",
                              "host_commit_writes", "host_match_writes", "quorum_invalid_cycles", "resets", "commit_moves_fresh", "fresh_blocked",
                              "commit_moves_tail", "tail_cycles", "chain_nacks_ignored", "chain_lead_cycles", "middle_commit_moves",
                              "tail_log_mid_waits"};
enum { S_CYCLES, S_LEADER, S_MOVES_L, S_MOVES_F, S_MATCH_MOVES, S_HOST_COMMIT, S_HOST_MATCH, S_Q_INVALID, S_RESETS, S_MOVES_FRESH, S_FRESH_BLOCKED,
       S_MOVES_TAIL, S_TAIL, S_CHAIN_NACKS, S_CHAIN_LEAD, S_MID_MOVES, S_TAIL_MID_WAITS, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_commit;

struct Q { uint32_t index = 0; bool valid = false; };

Q quorum_of(const uint32_t *view, unsigned members, unsigned q) {
  std::vector<uint32_t> v;
  for (unsigned i = 0; i < N; i++) if ((members >> i) & 1) v.push_back(view[i]);
  std::sort(v.begin(), v.end(), [](uint32_t a, uint32_t b) { return a > b; });
  Q r;
  if (q == 0 || q > v.size()) return r;
  r.index = v[q - 1];
  r.valid = true;
  return r;
}

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  const double ack_p = cfg.num("ack_p", 0.4), host_p = cfg.num("host_p", 0.01), leader_p = cfg.num("leader_p", 0.7);
  // chain_p: the chance that a configuration is a chain's (head, middle or tail)
  const double chain_p = cfg.num("chain_p", 0.3);
  cfg.done();
  tb::Rng rng(k.seed);
  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  uint32_t match[N] = {};
  uint32_t commit = 0;
  std::deque<Q> qpipe(QUORUM_LATENCY, Q{});   // front: the quorum output now
  bool leader = true;
  uint8_t node = 0, members = uint8_t((1u << N) - 1), leader_id = 0;
  unsigned quorum = N / 2 + 1;
  uint32_t term_start = 1, last = 0;
  bool last_wr_pending = false, grow_pending = false;
  uint32_t grow_value = 0;
  bool fc_block = false, fast = true;   // fc_block_reg; FAST_EN
  // chain replication: chain_lead (SUCC_ID set), the chain's tail (CHAIN.TAIL with ROLE 1: tail_on is it with FAST_EN),
  // a middle (leader_mode, and the predecessor's commit index arrives), and now and then any tail_on / chain_lead
  bool chain_lead = false, tail = false, middle = false, odd_chain = false, odd_tail = false;
  bool log_mid = false;   // the execute engine is writing a frame to the log (between its first and last beats)
  uint32_t last_wr_value = 0;
  unsigned reset_left = 3;
  const uint64_t end = k.cycles + reset_left;
  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    if (reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = unsigned(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    if (rng.chance(0.002)) {
      leader = rng.chance(leader_p);
      node = uint8_t(rng.below(N));
      members = uint8_t(rng.chance(0.8) ? (1u << N) - 1 : rng.below(1u << N));
      quorum = unsigned(rng.chance(0.4) ? N / 2 + 1 : rng.chance(0.6) ? 2 : rng.below(16));
      leader_id = uint8_t(rng.chance(0.95) ? rng.below(N) : rng.below(256));
      term_start = uint32_t(rng.range(0, last + 3));
      chain_lead = tail = middle = odd_chain = false;
      if (rng.chance(chain_p)) {
        // in leader mode a head or a middle (ROLE 2 or 3 with SUCC_ID), else the tail (ROLE 1, CHAIN.TAIL)
        if (leader) { chain_lead = true; middle = rng.chance(0.5); }
        else tail = true;
      } else if (rng.chance(0.1)) {
        odd_chain = true; chain_lead = rng.chance(0.5);   // whatever the mode
      }
    }
    // the last index grows; a host write of LAST_INDEX (signalled in its cycle) may move it anywhere
    if (last_wr_pending) last = last_wr_value;
    else if (grow_pending) last = grow_value;
    else if (rng.chance(0.5) && last < 0xFFFFFFF0u) last += uint32_t(rng.below(3));   // (no wrap past 2^32 - 1)
    last_wr_pending = false;
    grow_pending = false;
    // near the last index, anywhere, or at the extremes (a NACK for 0 offers 2^32 - 1)
    auto near = [&]() {
      if (rng.chance(0.02)) return rng.chance(0.5) ? 0u : 0xFFFFFFFFu;
      return uint32_t(rng.chance(0.9) ? rng.range(last > 20 ? last - 20 : 0, last + 1) : rng.u32());
    };
    const bool ack_valid = rng.chance(ack_p), ev_ack = rng.chance(ack_p / 2), ev_nack = !ev_ack && rng.chance(ack_p / 4);
    const uint8_t ack_src = uint8_t(rng.chance(0.95) ? rng.below(N) : rng.below(256));
    const uint8_t ev_src = uint8_t(rng.chance(0.95) ? rng.below(N) : rng.below(256));
    const uint32_t ack_index = near(), ev_index = near();
    if (rng.chance(0.003)) fast = !fast || rng.chance(0.5);
    // tail_on = FAST_EN && ROLE 1 && CHAIN.TAIL; with odd_chain any value now and then
    if (odd_chain && rng.chance(0.01)) odd_tail = rng.chance(0.5);
    const bool tail_on = odd_chain ? odd_tail : tail && fast;
    // frames of a few beats being written now and then
    log_mid = log_mid ? !rng.chance(0.3) : rng.chance(0.1);
    // the leader's (a middle's predecessor's) commit index from its APPENDs and HEARTBEATs
    const bool ev_commit = (!leader || middle) && rng.chance(0.3);
    // with ev_commit: a HEARTBEAT or an accepted APPEND; the APPEND's client id (0: a control-plane entry)
    const bool ev_hb = rng.chance(0.3);
    const uint32_t ev_client = rng.chance(0.03) ? 0u : rng.chance(0.5) ? uint32_t(rng.range(1, 100)) : rng.u32();
    const uint32_t ev_commit_cand = near();
    const uint32_t ev_commit_index = ev_commit_cand < last ? ev_commit_cand : last;
    // the last beat of an APPEND accepted fresh: the tail grows to last + 1 at this edge (the execute engine)
    // (a middle accepts fresh APPENDs too: follower commit stays off in leader mode)
    const bool ev_fresh = (!leader || middle) && rng.chance(0.2) && last < 0xFFFFFFF0u;
    const uint32_t ev_fresh_index = last + 1;
    const bool wr_commit = rng.chance(host_p), wr_match = rng.chance(host_p), wr_last = rng.chance(host_p / 4);
    const uint8_t match_sel = uint8_t(rng.below(8));
    const uint32_t wr_data = rng.chance(0.8) ? near() : rng.u32();
    const bool wr_commit_eff = wr_commit && !(wr_match);   // one host write per cycle at most (the CSR port)
    const bool wr_match_eff = wr_match && !wr_commit;

    t->rst = rst;
    t->leader_mode = leader; t->node_sel = uint8_t(node < 8 ? 1u << node : 0u); t->members = members; t->quorum = quorum; t->term_start = term_start;
    t->leader_id = leader_id; t->ev_fresh_end = ev_fresh; t->ev_fresh_index = ev_fresh_index;
    t->fast_en = fast; t->ev_hb = ev_hb; t->ev_client = ev_client;
    t->chain_lead = chain_lead; t->tail_on = tail_on; t->log_mid = log_mid;
    t->last_index = last;
    t->ack_valid = ack_valid; t->ack_src = ack_src; t->ack_index = ack_index;
    t->ev_ack = ev_ack; t->ev_nack = ev_nack; t->ev_src = ev_src; t->ev_index = ev_index;
    t->ev_commit = ev_commit; t->ev_commit_index = ev_commit_index;
    t->wr_commit_index = wr_commit_eff; t->wr_match_index = wr_match_eff; t->match_sel = match_sel;
    const bool wr_last_eff = wr_last && !wr_commit_eff && !wr_match_eff;
    t->wr_last_index = wr_last_eff; t->wr_data = wr_data;
    h.settle();

    // the reference's combinational outputs
    uint32_t next[N], view[N];
    unsigned moved = 0;
    for (unsigned i = 0; i < N; i++) {
      uint32_t m = match[i];
      if (ack_valid && ack_src == i && ack_index > m) m = ack_index;
      if (ev_ack && ev_src == i && ev_index > m) m = ev_index;
      // a successor's NACK for e says it holds e - 1, not that the chain below it does: no move with chain_lead
      if (ev_nack && !chain_lead && ev_src == i && ev_index - 1 > m) m = ev_index - 1;
      next[i] = m;
      if (m != match[i]) moved |= 1u << i;
      view[i] = i == node ? last : match[i];
    }
    const Q qo = qpipe.front();
    const bool adv = leader && qo.valid && qo.index > commit && qo.index >= term_start && qo.index <= last;
    const bool fadv = ev_commit && ev_commit_index > commit;
    // follower commit: QUORUM 2, this node and the leader members, not while the host writes LAST_INDEX
    const bool fc_on = !leader && quorum == 2 && ((members >> node) & 1) && leader_id < N && ((members >> leader_id) & 1);
    // a control-plane entry (client id 0) accepted: follower commit stops until FAST_EN falls
    const bool block_set = ev_commit && !ev_hb && ev_client == 0;
    const bool fcadv = ev_fresh && fc_on && !fc_block && !block_set && !wr_last_eff && ev_fresh_index > commit;
    // a chain's tail commits its whole log (not while the host writes LAST_INDEX, nor while a frame is half
    // written to the log: its last beat sets the tail, undoing a host write of LAST_INDEX in between)
    const bool tadv = tail_on && !log_mid && !wr_last_eff && last > commit;
    // priority: host write, the leader's quorum, follower commit, the tail, the leader's commit index
    const uint32_t commit_next = wr_commit_eff ? wr_data : adv ? qo.index : fcadv ? ev_fresh_index : tadv ? last
                               : fadv ? ev_commit_index : commit;
    const uint32_t target = adv ? qo.index : commit;
    if (!rst) {
      for (unsigned i = 0; i < N; i++) {
        const uint32_t gm = uint32_t(tb::get64(t->match, 32 * i, 32));
        const uint32_t gv = uint32_t(tb::get64(t->match_view, 32 * i, 32));
        if (gm != match[i] || gv != view[i]) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": node %u: match %u view %u, expected %u %u", cyc, i, gm, gv,
                                 match[i], view[i]));
        }
      }
      if (t->match_moved != moved) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": match_moved %x, expected %x", cyc, t->match_moved, moved));
      if (t->commit_index != commit || t->dlv_target != target) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": commit %u dlv_target %u, expected %u %u (leader %d, quorum %s%u, last %u, term_start %u)",
                               cyc, t->commit_index, t->dlv_target, commit, target, leader, qo.valid ? "" : "none ", qo.index,
                               last, term_start));
      }
    }
    h.edge();
    qpipe.pop_front();
    qpipe.push_back(rst ? Q{} : quorum_of(view, members, quorum));
    const bool fc_block_next = !rst && fast && (fc_block || block_set);
    if (ev_fresh && fc_on && (fc_block || block_set)) st[S_FRESH_BLOCKED]++;
    fc_block = fc_block_next;
    if (rst) {
      for (auto &m : match) m = 0;
      commit = 0;
      qpipe.assign(QUORUM_LATENCY, Q{});
      reset_left--;
      continue;
    }
    st[S_CYCLES]++;
    if (leader) st[S_LEADER]++;
    if (!qo.valid) st[S_Q_INVALID]++;
    if (commit_next != commit && !wr_commit_eff) st[adv ? S_MOVES_L : fcadv ? S_MOVES_FRESH : tadv ? S_MOVES_TAIL : S_MOVES_F]++;
    if (commit_next != commit && !wr_commit_eff && middle && !adv) st[S_MID_MOVES]++;
    if (tail_on) st[S_TAIL]++;
    if (tail_on && log_mid && !wr_last_eff && last > commit && !wr_commit_eff && !adv && !fcadv) st[S_TAIL_MID_WAITS]++;
    if (chain_lead) st[S_CHAIN_LEAD]++;
    if (ev_nack && chain_lead && ev_src < N && ev_index - 1 > match[ev_src] && !(ack_valid && ack_src == ev_src && ack_index >= ev_index - 1)) {
      st[S_CHAIN_NACKS]++;
    }
    if (moved) st[S_MATCH_MOVES]++;
    if (wr_commit_eff) st[S_HOST_COMMIT]++;
    if (wr_match_eff) st[S_HOST_MATCH]++;
    for (unsigned i = 0; i < N; i++) match[i] = next[i];
    if (wr_match_eff && match_sel < N) match[match_sel] = wr_data;
    commit = commit_next;
    if (ev_fresh && !wr_last_eff) {
      grow_pending = true;
      grow_value = ev_fresh_index;
    }
    if (wr_last_eff) {
      last_wr_pending = true;
      last_wr_value = rng.chance(0.5) ? uint32_t(rng.range(0, last)) : wr_data;
    }
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("MAX_NODES=%u", N);

}  // namespace

NR_TB_EXPORT const char *nr_tb_commit_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_commit_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_commit_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
