// Testbench of nicraft_ctl_gen (ACK, NACK, HEARTBEAT and NIC REPLY generation).
//
// Reference (the generators' rules, docs/architecture.md):
//   ACK (follower mode): unacknowledged = last - acked; wanted when some are unacknowledged (or an
//     ACK is forced by a duplicate APPEND) and ACK_COUNT are, or the oldest waited ACK_DELAY cycles,
//     or ACK_GAP is on (non-zero) and no ACK or NACK left in the last ACK_GAP cycles;
//   NACK (follower mode): a gap is known (set by a gap event; the log's growth keeps it only if
//     buffered entries lie beyond the next expected index) for NACK_DELAY cycles, and either a new
//     index is expected or NACK_INTERVAL cycles passed since the last NACK; it names [last+1, the
//     first buffered index);
//   HEARTBEAT (leader mode): HB_INTERVAL cycles without a heartbeat or an APPEND, or HB_COMMIT_DELAY
//     cycles after the commit index moved past the last one sent;
//   REPLY (role leader): the delivery engine's read register holds the first beat of an entry
//     flagged NIC_REPLY; it has priority, and is written even when the FIFO is full (the delivery
//     engine keeps room: the testbench keeps that contract, gen_afull stops its deliveries);
//   follower REPLY (any role): the same for an entry flagged FOLLOWER_REPLY whose client id mod 8
//     has its bit in REPLY_MASK (counted apart: follower_replies).
// Chain replication (docs/replication-modes.md): ROLE 3 (chain middle; the role_middle input is
// nicraft_csr's register of it, driven with ROLE) ACKs and NACKs as a follower does (follower mode is
// ROLE 1 or 3), but what it acknowledges is its commit index (what its successor confirmed), not its
// last index: the ACK's log_index and the acknowledged index after an ACK or NACK are the commit
// index (a NACK still names last+1). A middle has something to acknowledge when, a cycle ago, its
// commit index differed from the acknowledged index and neither an ACK or NACK nor a host write of
// LAST_INDEX (nor a reset) moved the acknowledged index then (a follower: the last index differs from
// the acknowledged index now); that drives the ACK and the ACK age. A middle's ACKs go by ACK_DELAY,
// ACK_GAP or a forced ACK, never by ACK_COUNT. A leader's (ROLE 2) HEARTBEAT goes to CHAIN.SUCC_ID's
// node MAC and node id when SUCC_ID is not 0xFF, else to the group. SUCC_ID is drawn with the roles (0xFF, a node id, any id). middle_acks /
// middle_nacks count a middle's ACKs and NACKs, middle_commit_acks its ACKs whose index (the commit
// index) was not the last index, succ_heartbeats the heartbeats sent to a successor.
// One frame a cycle into an 8-slot FIFO (almost full under 3 free); ACK/NACK/HEARTBEAT carry a
// sequence number. Every frame's 60 bytes are built from spec/wire.yaml's header and compared with
// the FIFO's output each cycle, as are gen_afull and the counters' strobes.
// Stimulus: roles and the fast path change now and then, timers small, the log grows, gaps and
// duplicates come and go, host writes of LAST_INDEX, random backpressure, resets.
//
// cfg keys: seed cycles reset_p trace out_p out_burst event_p reply_p
#include "tb_common.h"

#include <deque>

#include "Vtb_nicraft_ctl_gen.h"
#include "nicraft_wire.h"

namespace {

constexpr unsigned DW = TB_P_DATA_WIDTH;
constexpr unsigned KW = DW / 8;
constexpr unsigned DEPTH = 8;

const char *const kStats[] = {"cycles", "acks", "nacks", "heartbeats", "replies", "frames_out", "full_cycles", "role_changes",
                              "resets", "follower_replies", "gap_acks", "middle_acks", "middle_nacks", "middle_commit_acks",
                              "succ_heartbeats"};
enum { S_CYCLES, S_ACKS, S_NACKS, S_HBS, S_REPLIES, S_OUT, S_FULL, S_ROLES, S_RESETS, S_FREPLIES, S_GAP_ACKS, S_MID_ACKS, S_MID_NACKS,
       S_MID_COMMIT_ACKS, S_SUCC_HBS, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_ctl_gen;

struct Regs {
  uint32_t acked = 0, ack_age = 0, gap_left = 0, hb_timer = 0, commit_sent = 0, gap_age = 0, nack_timer = 0, nack_sent = 0, seq = 0;
  bool force_ack = false, nack_want = false, gap_open = false, gap_block = false;
  // a chain middle's "something to acknowledge", a cycle late: the commit index differed from the acknowledged
  // index (commit_ne), and the acknowledged index was moved (an ACK, a NACK, a host write of LAST_INDEX) or
  // the block reset (acked_moved)
  bool commit_ne = false, acked_moved = true;
};

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  tb::OnOff sink;
  sink.p = cfg.num("out_p", 0.7);
  sink.burst = cfg.num("out_burst", 1.0);
  const double ev_p = cfg.num("event_p", 0.05), reply_p = cfg.num("reply_p", 0.2);
  cfg.done();
  tb::Rng rng(k.seed);
  sink.init(rng);
  tb::Harness<Top> h(k.trace);
  Top *t = h.top();

  Regs r;
  std::deque<tb::Bytes> fifo;
  uint32_t role = 1, fast = 1, node = 1, cluster = 1, leader = 0, term = 3, last = 0, commit = 0;
  uint32_t hb_int = 20, hb_cd = 5, ack_count = 2, ack_delay = 8, nack_int = 16, nack_delay = 4, ooo_min = 0, ack_gap = 0;
  uint32_t reply_mask = 0x55;
  uint32_t succ = 0xff;   // CHAIN.SUCC_ID (0xFF: none)
  // the timer CSRs are drawn a cycle before they apply: the module takes their next values as well
  uint32_t hb_int_n = hb_int, hb_cd_n = hb_cd, ack_delay_n = ack_delay, ack_count_n = ack_count, nack_int_n = nack_int, nack_delay_n = nack_delay;
  bool ooo_valid = false;
  bool last_wr_pending = false;
  uint32_t last_wr_value = 0;
  bool rd_valid = false, rd_first = false;
  tb::Bytes rd_data(KW, 0);
  unsigned reset_left = 3;
  const uint64_t end = k.cycles + reset_left;
  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    if (reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = unsigned(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    hb_int = hb_int_n; hb_cd = hb_cd_n; ack_delay = ack_delay_n; ack_count = ack_count_n; nack_int = nack_int_n; nack_delay = nack_delay_n;
    if (rng.chance(0.002)) {
      role = uint32_t(rng.below(4)); fast = rng.chance(0.85); st[S_ROLES]++;
      node = uint32_t(rng.below(8)); leader = uint32_t(rng.below(8)); cluster = uint32_t(rng.below(4)); term = rng.u32() & 0xff;
      hb_int_n = uint32_t(rng.chance(0.1) ? rng.u32() : rng.below(40)); hb_cd_n = uint32_t(rng.below(20));
      ack_count_n = uint32_t(rng.below(5)); ack_delay_n = uint32_t(rng.below(30));
      nack_int_n = uint32_t(rng.below(50)); nack_delay_n = uint32_t(rng.below(30));
      ack_gap = rng.chance(0.3) ? 0 : rng.chance(0.05) ? rng.u32() : uint32_t(rng.below(16));
      reply_mask = rng.chance(0.2) ? (rng.chance(0.5) ? 0u : 0xffu) : uint32_t(rng.below(256));
      const double sr = rng.unit();
      succ = uint32_t(sr < 0.4 ? 0xff : sr < 0.9 ? rng.below(8) : rng.below(256));
    }
    // the log grows (follower), the commit index moves, gaps come and go
    const bool grew = rng.chance(ev_p * 4);
    if (last_wr_pending) last = last_wr_value;
    else if (grew) last++;
    last_wr_pending = false;
    if (rng.chance(0.05)) commit = uint32_t(rng.range(commit, last));
    if (rng.chance(0.01)) {
      ooo_valid = rng.chance(0.6);
      ooo_min = uint32_t(rng.range(last + 1, last + 10));
    }
    const bool seq_first = rng.chance(ev_p), dup = rng.chance(ev_p / 2), gap = rng.chance(ev_p / 2);
    const bool log_grew = grew && rng.chance(0.9);
    const bool wr_last = rng.chance(0.002);
    const uint32_t wr_data = uint32_t(rng.range(last > 5 ? last - 5 : 0, last + 5));
    // the delivery engine: its read register holds a beat read last cycle (only when gen_afull was low then)
    const bool ready = sink.step(rng);
    tb::Bytes rd = rd_data;

    t->rst = rst;
    t->role = role; t->role_middle = role == 3; t->fast_en = fast; t->node_id = node; t->cluster_id = cluster; t->leader_id = leader; t->succ_id = succ; t->term = term;
    t->last_index = last; t->expect_index = last + 1; t->commit_index = commit;
    t->hb_interval = hb_int; t->hb_commit_delay = hb_cd; t->ack_count = ack_count; t->ack_delay = ack_delay; t->ack_gap = ack_gap;
    t->nack_interval = nack_int; t->nack_delay = nack_delay; t->ooo_valid = ooo_valid; t->ooo_min = ooo_min;
    t->hb_interval_next = hb_int_n; t->hb_commit_delay_next = hb_cd_n; t->ack_delay_next = ack_delay_n; t->ack_count_next = ack_count_n;
    t->nack_interval_next = nack_int_n; t->nack_delay_next = nack_delay_n;
    t->reply_mask = reply_mask;
    t->ev_seq_first = seq_first; t->ev_dup = dup; t->ev_log_grew = log_grew; t->ev_gap = gap;
    t->wr_last_index = wr_last; t->wr_data = wr_data;
    t->dlv_rd_valid = rd_valid; t->dlv_rd_first = rd_first; tb::put_bytes(t->dlv_rd_data, DW, rd);
    t->m_axis_tready = ready;
    h.settle();

    // the reference's combinational decisions
    // ROLE 2 leads (heartbeats); ROLE 1 and 3 follow (ACKs and NACKs); a chain middle (ROLE 3) acknowledges its
    // commit index, a follower its last index
    const bool leader_mode = fast && role == 2, follower_mode = fast && (role == 1 || role == 3);
    const bool middle = role == 3;
    const uint32_t ack_idx = middle ? commit : last;
    const uint32_t unacked = last - r.acked;   // (ACK_COUNT's measure: a follower's)
    const bool pending = middle ? r.commit_ne && !r.acked_moved : unacked != 0;
    const bool ack_old = (!middle && unacked >= ack_count) || r.ack_age >= ack_delay || r.force_ack;
    const bool ack_want = follower_mode && (pending || r.force_ack) && (ack_old || (r.gap_open && !r.gap_block));
    const bool hb_want = leader_mode && (r.hb_timer >= hb_int || (commit != r.commit_sent && r.hb_timer >= hb_cd));
    const uint32_t expect = last + 1;
    const bool nack_go = follower_mode && r.nack_want && r.gap_age >= nack_delay && (expect != r.nack_sent || r.nack_timer >= nack_int);
    const uint8_t rd_flags = nr::get_flags(rd.data());
    const bool leader_reply = role == 2 && (rd_flags & nr::FLAG_NIC_REPLY);
    const bool follower_reply = (rd_flags & nr::FLAG_FOLLOWER_REPLY) && ((reply_mask >> (nr::get_client_id(rd.data()) & 7)) & 1);
    const bool reply = rd_valid && rd_first && (leader_reply || follower_reply);
    const bool full = fifo.size() == DEPTH;
    const bool ctl = !reply && (ack_want || hb_want || nack_go);
    const bool gnack = ctl && nack_go;
    const bool we = reply || (ctl && !full);
    const bool ctl_we = we && !reply;
    const bool afull = DEPTH - fifo.size() < 3;
    tb::Bytes f(KW, 0);
    uint8_t *p = f.data();
    if (reply) {
      const uint32_t client = nr::get_client_id(rd.data());
      nr::set_dst_mac(p, nr::MAC_CLIENT_PREFIX | (client & 0xffffff));
      nr::set_src_mac(p, nr::MAC_NODE_PREFIX | node);
      nr::set_ethertype(p, nr::ETHERTYPE); nr::set_version(p, nr::VERSION); nr::set_type(p, nr::TYPE_REPLY);
      nr::set_cluster_id(p, cluster); nr::set_flags(p, nr::get_flags(rd.data())); nr::set_src_node(p, node);
      nr::set_dst_node(p, 0xff); nr::set_term(p, nr::get_term(rd.data())); nr::set_log_index(p, nr::get_log_index(rd.data()));
      nr::set_commit_index(p, commit); nr::set_client_id(p, client); nr::set_seq(p, nr::get_seq(rd.data()));
    } else {
      const bool l = role == 2;
      const bool succ_on = succ != 0xff;
      nr::set_dst_mac(p, l ? (succ_on ? nr::MAC_NODE_PREFIX | succ : nr::MAC_GROUP) : (nr::MAC_NODE_PREFIX | leader));
      nr::set_src_mac(p, nr::MAC_NODE_PREFIX | node);
      nr::set_ethertype(p, nr::ETHERTYPE); nr::set_version(p, nr::VERSION);
      nr::set_type(p, l ? nr::TYPE_HEARTBEAT : nack_go ? nr::TYPE_NACK : nr::TYPE_ACK);
      nr::set_cluster_id(p, cluster); nr::set_src_node(p, node); nr::set_dst_node(p, l ? (succ_on ? succ : 0xff) : leader);
      nr::set_term(p, term); nr::set_log_index(p, l ? last : nack_go ? expect : ack_idx); nr::set_commit_index(p, commit);
      nr::set_seq(p, r.seq);
      if (!l && nack_go && ooo_valid) nr::set_client_id(p, ooo_min);
    }
    if (!rst) {
      struct { const char *n; uint64_t got, want; } outs[] = {
          {"gen_afull", t->gen_afull, afull}, {"m_axis_tvalid", t->m_axis_tvalid, !fifo.empty()},
          {"ev_reply_tx", t->ev_reply_tx, we && reply}, {"ev_hb_tx", t->ev_hb_tx, ctl_we && role == 2},
          {"ev_ack_tx", t->ev_ack_tx, ctl_we && role != 2 && !gnack}, {"ev_nack_tx", t->ev_nack_tx, we && gnack},
      };
      for (auto &o : outs) {
        if (o.got != o.want) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": %s %" PRIu64 ", expected %" PRIu64 " (role %u fast %u last %u acked %u age %u hb %u)",
                                 cyc, o.n, o.got, o.want, role, fast, last, r.acked, r.ack_age, r.hb_timer));
        }
      }
      if (!fifo.empty()) {
        const tb::Bytes gd = tb::get_bytes(t->m_axis_tdata, 0, KW);
        if (gd != fifo.front() || !t->m_axis_tlast || tb::get(t->m_axis_tkeep, 0, KW) != tb::low_ones(KW, nr::MIN_FRAME_BYTES)) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": frame %s, expected %s", cyc, tb::hex_bytes(gd, 44).c_str(),
                                 tb::hex_bytes(fifo.front(), 44).c_str()));
        }
      }
    }
    h.edge();
    // the delivery engine reads again only when gen_afull was low (its contract)
    const bool go = !rst && !afull && rng.chance(reply_p);
    rd_valid = go;
    if (go) {
      rd_first = rng.chance(0.7);
      rd_data = tb::bytes_of(tb::random_words(rng, DW), KW);
    }
    if (rst) {
      r = Regs();   // (acked_moved: a reset moved the acknowledged index)
      fifo.clear();
      reset_left--;
      continue;
    }
    st[S_CYCLES]++;
    if (we && full) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": the testbench broke the contract: a reply into the full FIFO", cyc));
    if (ready && !fifo.empty()) { fifo.pop_front(); st[S_OUT]++; }
    if (full) st[S_FULL]++;
    if (we) {
      fifo.push_back(f);
      if (reply) st[leader_reply ? S_REPLIES : S_FREPLIES]++;
      else if (role == 2) {
        st[S_HBS]++;
        if (succ != 0xff) st[S_SUCC_HBS]++;
      } else if (gnack) {
        st[S_NACKS]++;
        if (role == 3) st[S_MID_NACKS]++;
      } else {
        st[S_ACKS]++;
        if (!ack_old) st[S_GAP_ACKS]++;
        if (role == 3) st[S_MID_ACKS]++;
        if (role == 3 && commit != last) st[S_MID_COMMIT_ACKS]++;
      }
    }
    Regs n = r;
    n.nack_timer = r.nack_timer + 1;
    n.commit_ne = commit != r.acked;
    n.acked_moved = (ctl_we && role != 2) || wr_last;
    if (ctl_we) n.seq = r.seq + 1;
    // the gap restarts the cycle after an ACK or NACK (gap_block: a register of the send)
    if (r.gap_block) {
      n.gap_left = ack_gap >= 2 ? ack_gap - 2 : 0;
      n.gap_open = ack_gap != 0 && ack_gap <= 2;
    } else {
      n.gap_left = r.gap_left != 0 ? r.gap_left - 1 : 0;
      n.gap_open = ack_gap != 0 && r.gap_left <= 1;
    }
    n.gap_block = ctl_we && role != 2 && ack_gap != 1;
    if (seq_first) { n.hb_timer = 0; n.commit_sent = commit; }
    if (dup) n.force_ack = true;
    if (log_grew) {
      n.gap_age = 0;
      n.nack_want = ooo_valid && expect + 1 < ooo_min;
    } else if (r.nack_want) {
      n.gap_age = r.gap_age + 1;
    }
    if (gap) n.nack_want = true;
    if (we && gnack) {
      n.nack_timer = 0; n.nack_sent = expect; n.acked = ack_idx; n.ack_age = 0;
    } else if (ctl_we) {
      if (role == 2) { n.hb_timer = 0; n.commit_sent = commit; }
      else { n.acked = ack_idx; n.ack_age = 0; n.force_ack = false; }
    } else {
      if (pending) n.ack_age = r.ack_age + 1;
      if (!seq_first) n.hb_timer = r.hb_timer + 1;
    }
    if (wr_last) {
      n.acked = wr_data;
      last_wr_pending = true;
      last_wr_value = wr_data;
    }
    r = n;
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("DATA_WIDTH=%u,KEEP_WIDTH=%u", DW, KW);

}  // namespace

NR_TB_EXPORT const char *nr_tb_ctl_gen_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_ctl_gen_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_ctl_gen_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
