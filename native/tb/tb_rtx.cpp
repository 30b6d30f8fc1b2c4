// Testbench of nicraft_rtx (leader: go-back-N retransmission from the log RAM, retransmit timers,
// needs-repair events).
//
// The testbench plays the leader's log RAM (entries of random lengths written as the last index
// grows, each slot's tag naming the index it holds, now and then a slot left holding another index
// as after a power loss; a data port that answers the cycle after a granted request, the grant low
// now and then as when the host reads), the commit engine (match indexes that move up now and then, with their
// moves), the execute engine (NACKs from members, for indexes near their match or anywhere up to
// last + 1, with or without the first index held beyond the gap) and the TX and host RX queues
// (random backpressure). Leader mode ends and comes back at random, at any beat of a frame.
// Reference: the engine's rules (docs/architecture.md, nicraft_rtx.sv's header): per-follower
// retransmit timers with the doubling timeout, the pending set served round robin after the last
// served, a round's start in three cycles (pick: the follower's pending range and match + 1 taken;
// range: its ends computed; start: checked against the log; no other pick meanwhile), the range [max(pending index, match + 1), pending end - 1 or last], a needs-repair event
// once per follower for an index that left the RAM or whose slot does not hold it or holds it of an
// older term than TERM (the round stops
// there, nothing of that entry is sent), the beat-by-beat read with the first beat's
// header rewritten (destination, RETRANSMIT, commit index, round), skipping what the follower
// acknowledged meanwhile, stale NACKs ignored, and a frame once started read to its end.
// Checked every cycle: rd_req, rd_slot, rd_beat, ev_rtx_frame, ev_repair, ev_stale and both FIFOs'
// outputs (data, keep, last, user).
//
// cfg keys: seed cycles reset_p trace out_p gnt_p nack_p ack_p leader_flip_p stale_p (the chance that a
// slot written as the last index grows keeps a tag of another index: not written, as after a power loss)
#include "tb_common.h"

#include <deque>

#include "Vtb_nicraft_rtx.h"
#include "nicraft_wire.h"

namespace {

constexpr unsigned DW = TB_P_DATA_WIDTH;
constexpr unsigned KW = DW / 8;
constexpr unsigned N = TB_P_MAX_NODES;
constexpr unsigned LD = TB_P_LOG_DEPTH_LOG2;
constexpr uint32_t SLOTS = 1u << LD;
constexpr unsigned MAX_FRAME = nr::HDR_BYTES + TB_P_MAX_PAYLOAD;
constexpr unsigned MAX_BEATS = (MAX_FRAME + KW - 1) / KW;
constexpr unsigned SLOT_BEATS = MAX_BEATS > 1 ? (MAX_BEATS <= 2 ? 2 : MAX_BEATS <= 4 ? 4 : MAX_BEATS <= 8 ? 8 : MAX_BEATS <= 16 ? 16
                                                : MAX_BEATS <= 32 ? 32 : MAX_BEATS <= 64 ? 64 : 128) : 2;
constexpr unsigned RTX_DEPTH = 16, EVT_DEPTH = 8;
constexpr unsigned SHIFT_MAX = 6;

const char *const kStats[] = {"cycles", "rounds", "frames_resent", "beats_resent", "multi_beat_frames", "repair_events", "nacks",
                              "nacks_stale", "timeouts", "leader_flips", "frames_finished_after_leader_end", "resets",
                              "stale_slots", "stale_slot_repairs", "stale_slots_overwritten", "old_term_slots"};
enum { S_CYCLES, S_ROUNDS, S_FRAMES, S_BEATS, S_MULTI, S_REPAIRS, S_NACKS, S_STALE, S_TIMEOUTS, S_FLIPS, S_FINISHED_OFF, S_RESETS,
       S_STALE_SLOTS, S_STALE_REPAIRS, S_STALE_OVERWRITTEN, S_OLD_TERM, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_rtx;

struct OutBeat { tb::Bytes data; tb::Words keep; bool last; };

tb::Words keep_for(unsigned len, bool last) {
  const unsigned lo = len & 63;
  return last ? tb::low_ones(KW, lo == 0 ? 64 : lo) : tb::ones(KW);
}

struct Ref {
  bool pend[8] = {}, repair[8] = {};
  uint32_t pend_index[8] = {}, pend_end[8] = {}, timer[8] = {};
  uint32_t lim[8] = {};   // RTO << shift as of last cycle (the RTL registers it)
  unsigned shift[8] = {};
  unsigned last_pick = 0, round = 0;
  bool prep = false, range = false;   // a round's start: picked, range computed
  unsigned prep_node = 0, range_node = 0;
  uint32_t prep_pfrom = 0, prep_m1 = 0, prep_end = 0, range_from = 0, range_to = 0;
  bool active = false;
  unsigned node = 0, beat = 0;
  uint32_t next = 0, start = 0, end = 0;
  bool evt_push = false;   // the needs-repair event decided last cycle enters its FIFO at this edge
  tb::Bytes evt_beat;
  bool rd_valid = false, rd_first = false, rd_last = false;
  unsigned rd_len = 0, rd_node = 0;
  void reset() {
    for (unsigned i = 0; i < N; i++) { pend[i] = repair[i] = false; pend_index[i] = pend_end[i] = timer[i] = 0; shift[i] = 0; }
    for (unsigned i = N; i < 8; i++) { pend[i] = repair[i] = false; }
    round = 0;
    prep = range = false;
    evt_push = false;
    active = false;
    rd_valid = false;
  }
};

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  const double out_p = cfg.num("out_p", 0.8), gnt_p = cfg.num("gnt_p", 0.9), nack_p = cfg.num("nack_p", 0.01);
  const double ack_p = cfg.num("ack_p", 0.02), flip_p = cfg.num("leader_flip_p", 0.0005), stale_p = cfg.num("stale_p", 0);
  cfg.done();
  tb::Rng rng(k.seed);
  tb::Harness<Top> h(k.trace);
  Top *t = h.top();

  std::vector<unsigned> len(SLOTS, nr::MIN_FRAME_BYTES);
  std::vector<uint32_t> tag(SLOTS, 0);   // the index each slot holds (0: none)
  std::vector<uint32_t> tag_term(SLOTS, 0);   // the term of the entry each slot holds (the term at its write)
  std::vector<std::vector<tb::Bytes>> mem(SLOTS, std::vector<tb::Bytes>(SLOT_BEATS, tb::Bytes(KW, 0)));
  auto fill = [&](uint32_t index, uint32_t term) {
    const uint32_t s = index & (SLOTS - 1);
    len[s] = unsigned(rng.range(nr::MIN_FRAME_BYTES, MAX_FRAME));
    // now and then the slot is left holding another index (never written since power-up: 0, or an earlier lap)
    tag[s] = rng.chance(stale_p) ? (rng.chance(0.5) ? 0 : index - SLOTS * uint32_t(rng.range(1, 2))) : index;
    tag_term[s] = term;
    for (unsigned b = 0; b < SLOT_BEATS; b++) {
      mem[s][b] = tb::bytes_of(tb::random_words(rng, DW), KW);
      if (b == 0) {
        uint8_t *p = mem[s][0].data();
        nr::set_type(p, nr::TYPE_APPEND);
        nr::set_term(p, term);
        nr::set_log_index(p, index);
        nr::set_flags(p, rng.below(4));
      }
    }
  };
  Ref r;
  tb::Bytes rd_data_reg(KW, 0);
  std::deque<OutBeat> rtxq;
  std::deque<tb::Bytes> evtq;
  uint32_t match[8] = {};
  bool leader = true;
  unsigned node_id = 0, members = (1u << N) - 1;
  uint32_t term = 2, last = 0, commit = 0, rto = 16, cluster = 1;
  unsigned reset_left = 3;
  const uint64_t end_cycle = k.cycles + reset_left;
  while (h.cycle() < end_cycle) {
    const uint64_t cyc = h.cycle();
    if (reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = unsigned(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    if (rng.chance(flip_p)) { leader = !leader; st[S_FLIPS]++; }
    if (rng.chance(0.0005)) {
      node_id = unsigned(rng.below(N));
      members = unsigned(rng.chance(0.8) ? (1u << N) - 1 : rng.below(1u << N));
      rto = uint32_t(rng.range(2, 60));
      term++;
    }
    if (rng.chance(0.3)) { last++; fill(last, term); }
    if (rng.chance(0.05)) commit = uint32_t(rng.range(commit, last));
    // match indexes move up now and then (ACKs): next values and moves this cycle
    uint32_t mnext[8];
    unsigned moved = 0;
    for (unsigned i = 0; i < N; i++) {
      mnext[i] = match[i];
      if (rng.chance(ack_p) && last > match[i]) mnext[i] = uint32_t(rng.range(match[i] + 1, last));
      if (mnext[i] != match[i]) moved |= 1u << i;
    }
    // a NACK from a member
    bool nack = !rst && leader && rng.chance(nack_p);
    const unsigned nsrc = unsigned(rng.below(N));
    if (nsrc == node_id || !((members >> nsrc) & 1)) nack = false;
    const uint32_t nidx = uint32_t(rng.chance(0.7) ? rng.range(match[nsrc] + 1, std::max(match[nsrc] + 1, std::min(last + 1, match[nsrc] + 6)))
                                                   : rng.range(1, last + 1));
    const uint32_t nclient = uint32_t(rng.chance(0.5) ? 0 : rng.range(nidx, nidx + 8));
    const bool gnt = rng.chance(gnt_p), ready = rng.chance(out_p), evt_ready = rng.chance(out_p);

    t->rst = rst;
    t->leader_mode = leader; t->node_id = node_id; t->members = members; t->cluster_id = cluster; t->term = term;
    t->last_index = last; t->commit_index = commit; t->rto = rto;
    for (unsigned i = 0; i < N; i++) {
      tb::put(t->match, 32 * i, 32, uint64_t(match[i]));
      tb::put(t->match_p1, 33 * i, 33, uint64_t(match[i]) + 1);
    }
    t->match_moved = moved;
    t->ev_nack = nack; t->ev_src = nsrc; t->ev_index = nidx; t->ev_client = nclient;
    t->rd_gnt = gnt;
    t->rd_len = uint16_t(len[r.next & (SLOTS - 1)]);
    t->rd_index = tag[r.next & (SLOTS - 1)];
    t->rd_term = tag_term[r.next & (SLOTS - 1)];
    tb::put_bytes(t->rd_data, DW, rd_data_reg);
    t->m_axis_tready = ready;
    t->m_axis_evt_tready = evt_ready;
    h.settle();

    // reference: combinational
    unsigned pick = r.last_pick;
    bool pick_valid = false;
    for (unsigned i = 1; i <= N; i++) {
      const unsigned c = (r.last_pick + i) % N;
      if (r.pend[c]) { pick = c; pick_valid = true; break; }
    }
    const bool pick_ok = leader && !r.active && !r.prep && !r.range && pick_valid;
    const uint32_t prep_from = r.prep_pfrom > r.prep_m1 ? r.prep_pfrom : r.prep_m1;
    const uint32_t prep_to = (r.prep_end != 0 && r.prep_end - 1 < last) ? r.prep_end - 1 : last;
    const uint32_t oldest = last > SLOTS ? last - SLOTS + 1 : 1;
    const bool start_ok = leader && r.range;
    const uint32_t from = r.range_from, to = r.range_to;
    const bool needs_repair = start_ok && from <= last && from < oldest;
    // the entry to read next must be the one its slot holds
    // a slot holding another index, or this index of an older term (a follower NIC punts it): not sent
    const bool stale = r.active && leader && r.beat == 0 && (tag[r.next & (SLOTS - 1)] != r.next || tag_term[r.next & (SLOTS - 1)] != term);
    const unsigned evt_node = r.active ? r.node : r.range_node;
    const uint32_t evt_index = r.active ? r.next : from;
    const bool evt_afull = EVT_DEPTH - evtq.size() < 2;
    const bool evt_we = (needs_repair || stale) && !r.repair[evt_node] && !evt_afull;
    const unsigned l = len[r.next & (SLOTS - 1)];
    const unsigned last_beat = l == 0 ? 0 : (l - 1) >> 6;
    const bool is_last = r.beat >= last_beat;
    const bool rtx_afull = RTX_DEPTH - rtxq.size() < 3;
    const bool rd_req = r.active && (leader || r.beat != 0) && !rtx_afull && !stale;
    const bool go = rd_req && gnt;
    const bool mid_next = go ? !is_last : r.beat != 0;
    const bool nack_take = nack && !(r.active && r.node == nsrc && nidx >= r.start && nidx <= r.next);
    tb::Bytes evt(KW, 0);
    {
      uint8_t *p = evt.data();
      nr::set_dst_mac(p, nr::MAC_NODE_PREFIX | node_id);
      nr::set_src_mac(p, nr::MAC_NODE_PREFIX | evt_node);
      nr::set_ethertype(p, nr::ETHERTYPE); nr::set_version(p, nr::VERSION); nr::set_type(p, nr::TYPE_NACK);
      nr::set_cluster_id(p, cluster); nr::set_src_node(p, evt_node); nr::set_dst_node(p, node_id);
      nr::set_term(p, term); nr::set_log_index(p, evt_index); nr::set_commit_index(p, commit);
    }
    if (!rst) {
      struct { const char *n; uint64_t got, want; } outs[] = {
          {"rd_req", t->rd_req, rd_req}, {"ev_rtx_frame", t->ev_rtx_frame, r.rd_valid && r.rd_last}, {"ev_repair", t->ev_repair, evt_we}, {"ev_stale", t->ev_stale, stale},
          {"m_axis_tvalid", t->m_axis_tvalid, !rtxq.empty()}, {"m_axis_evt_tvalid", t->m_axis_evt_tvalid, !evtq.empty()},
      };
      for (auto &o : outs) {
        if (o.got != o.want) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": %s %" PRIu64 ", expected %" PRIu64 " (leader %d active %d node %u next %u beat %u end %u)",
                                 cyc, o.n, o.got, o.want, leader, r.active, r.node, r.next, r.beat, r.end));
        }
      }
      if (r.active && (t->rd_slot != (r.next & (SLOTS - 1)) || t->rd_beat != r.beat)) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": reads slot %u beat %u, expected %u %u", cyc, t->rd_slot, t->rd_beat,
                               r.next & (SLOTS - 1), r.beat));
      }
      if (!rtxq.empty()) {
        const OutBeat &e = rtxq.front();
        const tb::Bytes gd = tb::get_bytes(t->m_axis_tdata, 0, KW);
        if (gd != e.data || tb::get(t->m_axis_tkeep, 0, KW) != e.keep || bool(t->m_axis_tlast) != e.last) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": retransmitted beat %s last %d, expected %s last %d", cyc, tb::hex_bytes(gd, 44).c_str(),
                                 t->m_axis_tlast, tb::hex_bytes(e.data, 44).c_str(), e.last));
        }
      }
      if (!evtq.empty()) {
        const tb::Bytes gd = tb::get_bytes(t->m_axis_evt_tdata, 0, KW);
        if (gd != evtq.front() || !t->m_axis_evt_tlast || t->m_axis_evt_tuser != nr::HOST_NEEDS_REPAIR) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": needs-repair event %s, expected %s", cyc, tb::hex_bytes(gd, 44).c_str(),
                                 tb::hex_bytes(evtq.front(), 44).c_str()));
        }
      }
    }
    h.edge();
    if (rst) {
      for (unsigned i = 0; i < 8; i++) r.lim[i] = uint32_t(uint64_t(rto) << r.shift[i]);
      r.reset();
      rtxq.clear();
      evtq.clear();
      for (unsigned i = 0; i < N; i++) match[i] = mnext[i];
      reset_left--;
      continue;
    }
    st[S_CYCLES]++;
    // outputs taken
    if (ready && !rtxq.empty()) rtxq.pop_front();
    if (evt_ready && !evtq.empty()) evtq.pop_front();
    // the beat read last cycle enters the FIFO, its header rewritten if it is the first
    if (r.rd_valid) {
      tb::Bytes b = rd_data_reg;
      if (r.rd_first) {
        uint8_t *p = b.data();
        nr::set_dst_mac(p, nr::MAC_NODE_PREFIX | r.rd_node);
        nr::set_dst_node(p, r.rd_node);
        nr::set_flags(p, nr::get_flags(p) | nr::FLAG_RETRANSMIT);
        nr::set_commit_index(p, commit);
        nr::set_rsvd(p, r.round & 0x7f);
      }
      rtxq.push_back({b, keep_for(r.rd_len, r.rd_last), r.rd_last});
      st[S_BEATS]++;
      if (r.rd_last) { st[S_FRAMES]++; if (!r.rd_first) st[S_MULTI]++; }
    }
    if (r.evt_push) evtq.push_back(r.evt_beat);
    if (evt_we) { st[S_REPAIRS]++; if (stale) st[S_STALE_REPAIRS]++; }
    if (stale) {
      st[S_STALE_SLOTS]++;
      // the ring lapped the round: the slot already holds a later entry (sent as this one before the check)
      if (tag[r.next & (SLOTS - 1)] > r.next) st[S_STALE_OVERWRITTEN]++;
      // the slot holds the entry, of a term before the current one (the term moved on since it was written)
      if (tag[r.next & (SLOTS - 1)] == r.next && tag_term[r.next & (SLOTS - 1)] != term) st[S_OLD_TERM]++;
    }
    // the RAM port
    if (go) rd_data_reg = mem[r.next & (SLOTS - 1)][r.beat];
    // registers
    Ref n = r;
    n.rd_valid = go;
    for (unsigned i = 0; i < 8; i++) n.lim[i] = uint32_t(uint64_t(rto) << r.shift[i]);
    for (unsigned i = 0; i < N; i++) {
      const bool mv = (moved >> i) & 1;
      if (mv) n.repair[i] = false;
      if (!leader || i == node_id || !((members >> i) & 1) || mnext[i] >= last || mv) {
        n.timer[i] = 0;
        n.shift[i] = 0;
      } else if (r.timer[i] >= r.lim[i]) {
        n.timer[i] = 0;
        st[S_TIMEOUTS]++;
        if (r.shift[i] != SHIFT_MAX) n.shift[i] = r.shift[i] + 1;
        if (!r.pend[i]) { n.pend[i] = true; n.pend_index[i] = match[i] + 1; n.pend_end[i] = 0; }
      } else {
        n.timer[i] = r.timer[i] + 1;
      }
    }
    if (evt_we) n.repair[evt_node] = true;
    n.evt_push = evt_we;
    if (evt_we) n.evt_beat = evt;
    if (pick_ok) {
      n.pend[pick] = false;
      n.last_pick = pick;
      n.round = (r.round + 1) & 0x7f;
      st[S_ROUNDS]++;
      n.prep = true;
      n.prep_node = pick; n.prep_pfrom = r.pend_index[pick]; n.prep_m1 = match[pick] + 1; n.prep_end = r.pend_end[pick];
    }
    if (r.prep) { n.prep = false; n.range = true; n.range_node = r.prep_node; n.range_from = prep_from; n.range_to = prep_to; }
    if (r.range) n.range = false;
    if (start_ok && from <= to && !needs_repair) {
      n.active = true; n.node = r.range_node; n.next = from; n.start = from; n.end = to; n.beat = 0;
    }
    if (go) {
      n.rd_first = r.beat == 0;
      n.rd_last = is_last;
      n.rd_len = l;
      n.rd_node = r.node;
      if (!leader && is_last) st[S_FINISHED_OFF]++;
      if (is_last) {
        n.beat = 0;
        const uint32_t mn = match[r.node];
        n.next = mn + 1 > r.next + 1 ? mn + 1 : r.next + 1;
        if (r.next + 1 > r.end || mn >= r.end) n.active = false;
      } else {
        n.beat = r.beat + 1;
      }
    }
    if (stale) n.active = false;
    if (nack) st[nack_take ? S_NACKS : S_STALE]++;
    if (nack_take) {
      n.pend[nsrc] = true;
      if (!r.pend[nsrc] || nidx < r.pend_index[nsrc]) { n.pend_index[nsrc] = nidx; n.pend_end[nsrc] = nclient; }
    }
    if (!leader) {
      if (!mid_next) n.active = false;
      for (auto &x : n.pend) x = false;
      n.prep = n.range = false;
    }
    r = n;
    for (unsigned i = 0; i < N; i++) match[i] = mnext[i];
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("DATA_WIDTH=%u,KEEP_WIDTH=%u,MAX_NODES=%u,LOG_DEPTH_LOG2=%u,MAX_PAYLOAD=%u", DW, KW, N, LD,
                                    unsigned(TB_P_MAX_PAYLOAD));

}  // namespace

NR_TB_EXPORT const char *nr_tb_rtx_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_rtx_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_rtx_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
