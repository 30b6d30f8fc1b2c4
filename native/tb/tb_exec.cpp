// Testbench of nicraft_exec (the D and E stages: header checks, the decision per frame, the log's
// tail and reorder state, the log RAM write port, the APPEND and punt FIFOs, the events).
//
// The testbench plays the plane merge (frames of every type offered beat by beat with valid gaps,
// each frame's first beat marked and its length given), the CSRs (role, fast path, term, leader,
// members change now and then), the commit and delivery engines (a commit index; an applied index
// that follows the log's tail, sometimes far behind so that the window fills), the log RAM's tag
// memory (written by the engine's tag writes, and now and then by "the host" for indexes ahead of
// the tail so that the reorder chain runs) and the TX and host RX queues (random backpressure).
// Frames: REQs, APPENDs at the next index, duplicates, beyond a gap, far in the future, of other
// terms and from other nodes (members other than the leader: NOT_LEADER drops; nodes outside MEMBERS
// and ids past MAX_NODES: NOT_MEMBER drops), ACKs and NACKs of members and strangers for held and unwritten
// indexes, HEARTBEATs, CONTROL and REPLY frames, and broken ones (short, wrong ethertype, version,
// cluster, type, length).
// Reference: the decision table of docs/architecture.md (the NIC's execute stage), re-implemented
// from spec/wire.yaml's fields; the log grows by accepted APPENDs and sequenced REQs and over buffered
// entries when their tag shows up; punts the punt FIFO has no room for are dropped (PUNT_FULL).
// Checked every cycle: s_axis_tready, the log's tail, window_full, the reorder state, the write port
// (every field when it writes), both FIFOs' outputs (data, keep, last, user), append_afull and every
// event strobe with its operands.
//
// frozen (STATUS.FROZEN) is checked every cycle against the reference (fast path off and no frame the
// engine writes to the log RAM half written), and so is what it promises: while it is 1 the engine
// neither writes the log RAM nor moves the tail (only the host's LAST_INDEX write does). With
// freeze_p > 0 the fast path is turned off (and back on) at random cycles, so frames are caught
// between their first and last beats: frozen_mid counts the cycles the fast path was off while such
// a frame was still being written, frozen_grows the frames whose last beat grew the log then.
// log_mid (a frame's first beats are in the log RAM, its last is not: the chain tail's commit waits on
// it, nicraft_commit) is checked every cycle against the same reference state.
//
// chain_full_waits counts the cycles a tag naming the entry after the tail was there while the window
// was full (stale: the tag memory keeps its contents through a reset); the chain must not take it.
//
// Chain replication (docs/replication-modes.md, ROLE 3 and CHAIN.SUCC_ID): the configuration draws
// ROLE 3 (chain middle: follows LEADER_ID, takes ACKs / NACKs from its members) as well as 0..2, and
// SUCC_ID as a node id, any id, or 0xFF (none). The reference: a sequenced APPEND goes to the
// successor's node MAC and node id when SUCC_ID is set (the group and 0xFF otherwise); in ROLE 3 the
// first beat of an APPEND written to the log (ACCEPT, OOO) and of a taken HEARTBEAT is rewritten
// (destination the successor or the group, source this node's MAC and id, commit_index the
// COMMIT_INDEX input, a HEARTBEAT's log_index the tail before it), and every APPEND it writes to the
// log (ACCEPT or OOO) and every taken HEARTBEAT is also written to the APPEND FIFO, every beat (the
// decision held from its first beat, as a sequenced REQ's). forwarded / forwarded_hbs /
// forward_beats count those APPENDs, HEARTBEATs and beats, middle_buffered the OOO entries a middle
// wrote (and forwarded), middle_acks the ACKs and NACKs a middle took, middle_chain_grows the reorder
// chain's growth in ROLE 3, succ_sequenced the sequenced REQs sent to a successor.
//
// cfg keys: seed cycles reset_p trace in_p in_burst out_p punt_out_p punt_burst lag_p freeze_p
#include "tb_common.h"

#include <deque>

#include "Vtb_nicraft_exec.h"
#include "nicraft_wire.h"

namespace {

constexpr unsigned DW = TB_P_DATA_WIDTH;
constexpr unsigned KW = DW / 8;
constexpr unsigned N = TB_P_MAX_NODES;
constexpr unsigned LD = TB_P_LOG_DEPTH_LOG2;
constexpr uint32_t DEPTH = 1u << LD;
constexpr unsigned MAXPL = TB_P_MAX_PAYLOAD;
constexpr unsigned MAX_FRAME = nr::HDR_BYTES + MAXPL;
constexpr unsigned MAX_BEATS = (MAX_FRAME + KW - 1) / KW;
constexpr unsigned SB = MAX_BEATS > 1 ? (MAX_BEATS <= 2 ? 1 : MAX_BEATS <= 4 ? 2 : MAX_BEATS <= 8 ? 3 : MAX_BEATS <= 16 ? 4
                                         : MAX_BEATS <= 32 ? 5 : MAX_BEATS <= 64 ? 6 : 7) : 1;
constexpr unsigned TXD = 1u << TB_P_TX_FIFO_DEPTH_LOG2;
constexpr unsigned HD = 1u << TB_P_HOST_FIFO_DEPTH_LOG2;

enum Act { A_DROP = 0, A_SEQ, A_ACCEPT, A_PUNT, A_ACK, A_HB, A_DUP, A_NACK, A_OOO };

const char *const kStats[] = {"cycles", "frames_in", "sequenced", "accepted", "buffered", "chain_grows", "duplicates", "acks",
                              "nacks", "heartbeats", "punts", "drops", "drops_log_full", "drops_punt_full", "bad_headers",
                              "stall_cycles", "host_last_writes", "resets", "chain_full_waits", "frozen_cycles", "frozen_mid",
                              "frozen_grows", "drops_not_member", "drops_not_leader", "forwarded", "forwarded_hbs", "forward_beats",
                              "middle_buffered", "middle_acks", "middle_chain_grows", "succ_sequenced", "middle_cycles"};
enum { S_CYCLES, S_FRAMES, S_SEQ, S_ACCEPT, S_OOO, S_CHAIN, S_DUP, S_ACK, S_NACK, S_HB, S_PUNT, S_DROP, S_LOG_FULL, S_PUNT_FULL,
       S_BAD, S_STALL, S_HOST_LAST, S_RESETS, S_CHAIN_FULL, S_FROZEN, S_FROZEN_MID, S_FROZEN_GROWS,
       S_NOT_MEMBER, S_NOT_LEADER, S_FWD, S_FWD_HB, S_FWD_BEATS, S_MID_OOO, S_MID_ACKS, S_MID_CHAIN, S_SUCC_SEQ, S_MID_CYCLES, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_exec;

struct OutBeat { tb::Bytes data; tb::Words keep; bool last; unsigned user; };
struct InBeat { tb::Bytes data; tb::Words keep; bool last, first; uint16_t len; };

struct Cfg {
  uint32_t node = 0, cluster = 1, role = 2, term = 3, leader = 0, members = (1u << N) - 1;
  uint32_t succ = 0xff;   // CHAIN.SUCC_ID (0xFF: none)
  bool fast = true;
};

uint8_t header_check(const tb::Bytes &b, uint16_t len, uint32_t cluster) {
  const uint8_t *p = b.data();
  const uint32_t plen = nr::get_payload_len(p), type = nr::get_type(p);
  const uint32_t want = plen + nr::HDR_BYTES < nr::MIN_FRAME_BYTES ? nr::MIN_FRAME_BYTES : plen + nr::HDR_BYTES;
  if (len < nr::HDR_BYTES) return nr::DROP_SHORT;
  if (nr::get_ethertype(p) != nr::ETHERTYPE) return nr::DROP_BAD_ETHERTYPE;
  if (nr::get_version(p) != nr::VERSION) return nr::DROP_BAD_VERSION;
  if (nr::get_cluster_id(p) != cluster) return nr::DROP_BAD_CLUSTER;
  if (type < nr::TYPE_REQ || type > nr::TYPE_CONTROL) return nr::DROP_BAD_TYPE;
  if (plen > MAXPL || want != len) return nr::DROP_BAD_LENGTH;
  return 0;
}

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  tb::OnOff in_pat, out_pat, punt_pat;
  in_pat.p = cfg.num("in_p", 0.7);
  in_pat.burst = cfg.num("in_burst", 1.0);
  out_pat.p = cfg.num("out_p", 0.8);
  punt_pat.p = cfg.num("punt_out_p", 0.7);
  punt_pat.burst = cfg.num("punt_burst", 1.0);
  const double lag_p = cfg.num("lag_p", 0.1);
  const double freeze_p = cfg.num("freeze_p", 0.0);
  cfg.done();
  tb::Rng rng(k.seed);
  in_pat.init(rng); out_pat.init(rng); punt_pat.init(rng);
  tb::Harness<Top> h(k.trace);
  Top *t = h.top();

  Cfg c;
  uint32_t term_n = c.term;   // TERM as it will be next cycle (drawn a cycle ahead)
  // reference state
  bool d_valid = false, d_first = false, d_last = false, d_known = false;
  uint8_t d_bad = 0;
  tb::Bytes d_data(KW, 0);
  tb::Words d_keep = tb::ones(KW);
  unsigned e_act = A_DROP, e_why = 0, e_beat = 0;
  bool e_log_mid = false;
  bool e_rtx = false;   // the frame in E was flagged RETRANSMIT (its first beat)
  bool e_fwd = false;   // the frame in E is forwarded to the successor (ROLE 3: an APPEND written to the log, a taken HEARTBEAT)
  uint32_t e_index = 0, last = 0, ooo_min = 0, commit = 0, applied = 0;
  bool ooo_valid = false;
  std::deque<OutBeat> app, pnt;
  std::vector<uint64_t> tag(DEPTH, 0);
  std::vector<bool> tag_known(DEPTH, false);
  // the stream in
  std::vector<InBeat> cur;
  size_t pos = 0;
  bool valid = false;
  unsigned reset_left = 3;
  const uint64_t end = k.cycles + reset_left;

  auto make_frame = [&]() {
    const double x = rng.unit();
    uint8_t type;
    if (x < 0.25) type = nr::TYPE_REQ;
    else if (x < 0.55) type = nr::TYPE_APPEND;
    else if (x < 0.7) type = nr::TYPE_ACK;
    else if (x < 0.75) type = nr::TYPE_NACK;
    else if (x < 0.83) type = nr::TYPE_HEARTBEAT;
    else if (x < 0.88) type = nr::TYPE_CONTROL;
    else if (x < 0.91) type = nr::TYPE_REPLY;
    else type = uint8_t(rng.below(10));
    unsigned plen = unsigned(rng.chance(0.5) ? rng.below(17) : rng.below(MAXPL + 1));
    if (type == nr::TYPE_ACK || type == nr::TYPE_NACK || type == nr::TYPE_HEARTBEAT) plen = rng.chance(0.9) ? 0 : plen;
    unsigned len = std::max<unsigned>(nr::MIN_FRAME_BYTES, nr::HDR_BYTES + plen);
    tb::Bytes f(len, 0);
    for (auto &b : f) b = uint8_t(rng.next());
    uint8_t *p = f.data();
    nr::set_ethertype(p, nr::ETHERTYPE); nr::set_version(p, nr::VERSION); nr::set_cluster_id(p, c.cluster);
    nr::set_type(p, type); nr::set_payload_len(p, plen);
    nr::set_term(p, rng.chance(0.85) ? c.term : uint32_t(rng.range(c.term ? c.term - 1 : 0, c.term + 1)));
    nr::set_src_node(p, rng.chance(0.8) ? (type == nr::TYPE_APPEND || type == nr::TYPE_HEARTBEAT ? c.leader : rng.below(N)) : rng.below(256));
    const double y = rng.unit();
    uint32_t idx;
    if (type == nr::TYPE_APPEND) {
      idx = y < 0.6 ? last + 1 : y < 0.75 ? uint32_t(rng.range(last > 3 ? last - 3 : 0, last)) : y < 0.93 ? uint32_t(rng.range(last + 2, last + 6))
          : rng.chance(0.5) ? last + DEPTH + uint32_t(rng.range(1, 10)) : rng.u32();
    } else {
      idx = y < 0.8 ? uint32_t(rng.range(last > 5 ? last - 5 : 0, last + 2)) : rng.u32();
    }
    nr::set_log_index(p, idx);
    nr::set_commit_index(p, uint32_t(rng.range(commit, last + 3)));
    nr::set_client_id(p, rng.chance(0.5) ? 0 : uint32_t(rng.range(idx, idx + 5)));
    nr::set_flags(p, rng.below(4));
    if (rng.chance(0.06)) {
      switch (rng.below(5)) {
        case 0: nr::set_ethertype(p, rng.below(65536)); break;
        case 1: nr::set_version(p, rng.below(3)); break;
        case 2: nr::set_cluster_id(p, rng.below(4)); break;
        case 3: nr::set_payload_len(p, rng.below(MAXPL + 40)); break;
        default: f.resize(rng.range(1, nr::HDR_BYTES - 1)); len = unsigned(f.size()); break;
      }
    }
    std::vector<InBeat> v;
    const unsigned nb = (len + KW - 1) / KW;
    for (unsigned i = 0; i < nb; i++) {
      InBeat b;
      b.data = tb::Bytes(KW, 0);
      const unsigned n = std::min<unsigned>(KW, len - i * KW);
      std::memcpy(b.data.data(), f.data() + i * KW, n);
      b.keep = tb::low_ones(KW, n);
      b.last = i + 1 == nb;
      b.first = i == 0;
      b.len = uint16_t(len);
      v.push_back(b);
    }
    return v;
  };

  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    if (reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = unsigned(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    c.term = term_n;   // drawn a cycle before it applies: the module takes TERM's next value as well
    if (rng.chance(0.001)) {
      // ROLE: follower, leader, chain middle, or any (0 included)
      const double r = rng.unit();
      c.role = unsigned(r < 0.35 ? 1 : r < 0.65 ? 2 : r < 0.9 ? 3 : rng.below(4));
      // CHAIN.SUCC_ID: none, a node id, or any id
      const double sr = rng.unit();
      c.succ = unsigned(sr < 0.35 ? 0xff : sr < 0.9 ? rng.below(N) : rng.below(256));
      c.fast = rng.chance(0.9);
      c.node = unsigned(rng.below(N)); c.leader = unsigned(rng.below(N));
      c.members = unsigned(rng.chance(0.8) ? (1u << N) - 1 : rng.below(256));
      term_n = uint32_t(rng.range(1, 5));
      c.cluster = rng.chance(0.9) ? c.cluster : uint32_t(rng.below(3));
    }
    // the host freezes (and unfreezes) the fast path at any cycle, mid-frame included
    if (freeze_p > 0 && rng.chance(freeze_p)) c.fast = !c.fast;
    // delivery: the applied index follows the tail, sometimes lagging (the window fills)
    if (!rng.chance(lag_p) && applied < last) applied = uint32_t(rng.range(applied, last));
    if (rng.chance(0.05)) commit = uint32_t(rng.range(commit, last));
    const bool wr_last = !rst && rng.chance(0.0005);
    const uint32_t wr_data = uint32_t(rng.range(applied, applied + DEPTH - 1));
    // the host writes an entry ahead of the tail now and then (its tag), so that the chain runs
    // (inside the window the RAM may hold: the host keeps (APPLIED_INDEX, LAST_INDEX] and what it adds within LOG_DEPTH)
    if (rng.chance(0.003) && last + 3 - applied < DEPTH) {
      const uint32_t idx = last + uint32_t(rng.range(1, 3));
      tag[idx & (DEPTH - 1)] = (uint64_t(c.term) << 32) | idx;
      tag_known[idx & (DEPTH - 1)] = true;
    }
    // the stream
    const bool on = in_pat.step(rng);
    if (!valid && !rst) {
      if (pos >= cur.size()) { cur = make_frame(); pos = 0; }
      valid = on;
    }
    const bool aready = out_pat.step(rng), pready = punt_pat.step(rng);
    t->rst = rst;
    t->s_axis_tvalid = valid && !rst;
    if (valid) {
      const InBeat &b = cur[pos];
      tb::put_bytes(t->s_axis_tdata, DW, b.data);
      tb::put(t->s_axis_tkeep, 0, KW, b.keep.data());
      t->s_axis_tlast = b.last; t->s_first = b.first; t->s_len = b.len;
    }
    t->node_id = c.node; t->cluster_id = c.cluster; t->role = c.role; t->term = c.term; t->term_next = term_n; t->leader_id = c.leader;
    t->succ_id = c.succ;
    t->members = c.members; t->fast_en = c.fast; t->commit_index = commit; t->applied_index = applied;
    t->wr_last_index = wr_last; t->wr_data = wr_data;
    const uint32_t expect = last + 1, tslot = expect & (DEPTH - 1);
    const uint64_t tagv = tag_known[tslot] ? tag[tslot] : 0xdead0000beefULL;
    t->tag_data = tagv;
    t->m_axis_append_tready = aready; t->m_axis_punt_tready = pready;
    h.settle();

    // ---- reference: the decision
    // REQs are sequenced by a leader (ROLE 2) only; ROLE 1 and 3 follow LEADER_ID (APPENDs, HEARTBEATs, the
    // reorder chain), ROLE 2 and 3 take ACKs and NACKs from their members
    const bool leader_mode = c.fast && c.role == 2, follower_mode = c.fast && (c.role == 1 || c.role == 3);
    const bool follows = c.role == 1 || c.role == 3, leads = c.role == 2 || c.role == 3, middle = c.role == 3;
    const bool succ_on = c.succ != 0xff;
    const uint64_t succ_mac = succ_on ? (nr::MAC_NODE_PREFIX | c.succ) : nr::MAC_GROUP;
    const uint32_t succ_node = succ_on ? c.succ : 0xff;
    const bool app_afull = TXD - app.size() < 2, punt_afull = HD - pnt.size() < MAX_BEATS + 1;
    const bool adv = !app_afull, fire = d_valid && adv, tready = !d_valid || adv;
    const uint8_t *dp = d_data.data();
    const uint32_t d_type = nr::get_type(dp), d_term = nr::get_term(dp), d_index = nr::get_log_index(dp);
    const uint32_t d_commit = nr::get_commit_index(dp), d_src = nr::get_src_node(dp);
    const bool member = d_src < N && ((c.members >> (d_src & 7)) & 1);
    const bool src_ok = member && d_src != c.node;
    const bool ah = d_type == nr::TYPE_APPEND || d_type == nr::TYPE_HEARTBEAT;
    const uint32_t window = last - applied;
    const bool wfull = window >= DEPTH;
    unsigned act = A_DROP, why = 0;
    if (d_bad) { act = A_DROP; why = d_bad; }
    else if (d_type == nr::TYPE_CONTROL) { act = A_PUNT; why = nr::HOST_CONTROL; }
    else if (d_type == nr::TYPE_REQ) {
      if (!leader_mode) { act = A_PUNT; why = nr::HOST_NOT_LEADER; }
      else if (wfull) { act = A_DROP; why = nr::DROP_LOG_FULL; }
      else act = A_SEQ;
    } else if (d_type == nr::TYPE_APPEND || d_type == nr::TYPE_HEARTBEAT || d_type == nr::TYPE_ACK || d_type == nr::TYPE_NACK) {
      if (!c.fast || c.role == 0) { act = A_PUNT; why = nr::HOST_FAST_OFF; }
      // neither a member nor the leader register: dropped whatever the term
      else if (!member && d_src != c.leader) { act = A_DROP; why = nr::DROP_NOT_MEMBER; }
      else if (d_term > c.term) { act = A_PUNT; why = nr::HOST_TERM_NEWER; }
      // an APPEND / HEARTBEAT of this term or older not from the leader this NIC follows
      else if (ah && (!follows || d_src != c.leader)) { act = A_DROP; why = nr::DROP_NOT_LEADER; }
      else if (d_term < c.term) { act = A_PUNT; why = nr::HOST_TERM_OLDER; }
      else if (ah) {
        if (d_type == nr::TYPE_HEARTBEAT) act = A_HB;
        else if (d_index == last + 1) { if (wfull) { act = A_DROP; why = nr::DROP_LOG_FULL; } else act = A_ACCEPT; }
        else if (d_index <= last) { act = A_DUP; why = nr::DROP_DUPLICATE; }
        else if (d_index - last > DEPTH) { act = A_DROP; why = nr::DROP_FUTURE_INDEX; }
        else if (d_index - applied > DEPTH) { act = A_DROP; why = nr::DROP_LOG_FULL; }
        else act = A_OOO;
      } else {
        if (!leads || !src_ok) { act = A_PUNT; why = nr::HOST_NOT_MEMBER; }
        else if (d_type == nr::TYPE_NACK) {
          if (d_index == 0 || d_index > last + 1) { act = A_DROP; why = nr::DROP_BAD_ACK; } else act = A_NACK;
        } else if (d_index > last) { act = A_DROP; why = nr::DROP_BAD_ACK; }
        else act = A_ACK;
      }
    } else { act = A_PUNT; why = nr::HOST_OTHER; }
    if (act == A_PUNT && punt_afull) { act = A_DROP; why = nr::DROP_PUNT_FULL; }
    const unsigned ea = d_first ? act : e_act, ew = d_first ? why : e_why;
    const uint32_t ei = d_first ? (act == A_SEQ ? last + 1 : d_index) : e_index;
    const unsigned eb = d_first ? 0 : e_beat;
    tb::Bytes edata = d_data;
    if (d_first && ea == A_SEQ) {
      uint8_t *p = edata.data();
      nr::set_dst_mac(p, succ_mac); nr::set_src_mac(p, nr::MAC_NODE_PREFIX | c.node); nr::set_type(p, nr::TYPE_APPEND);
      nr::set_src_node(p, c.node); nr::set_dst_node(p, succ_node); nr::set_rsvd(p, 0); nr::set_term(p, c.term);
      nr::set_log_index(p, last + 1); nr::set_commit_index(p, commit);
    }
    // a chain middle's APPEND written to the log (accepted or buffered) or HEARTBEAT taken: sent on as its own
    if (d_first && middle && (ea == A_ACCEPT || ea == A_OOO || ea == A_HB)) {
      uint8_t *p = edata.data();
      nr::set_dst_mac(p, succ_mac); nr::set_src_mac(p, nr::MAC_NODE_PREFIX | c.node);
      nr::set_src_node(p, c.node); nr::set_dst_node(p, succ_node); nr::set_commit_index(p, commit);
      if (ea == A_HB) nr::set_log_index(p, last);
    }
    // forwarded to the successor (the APPEND FIFO): decided at the first beat, held for the rest
    const bool fwd = d_first ? (middle && (ea == A_ACCEPT || ea == A_OOO || ea == A_HB)) : e_fwd;
    const bool log_we = fire && (ea == A_SEQ || ea == A_ACCEPT || ea == A_OOO);
    const bool e_end = fire && d_last, e_first = fire && d_first;
    const bool e_grow = e_end && (ea == A_ACCEPT || ea == A_SEQ);
    // the chain waits while the window is full (a matching tag there is stale, e.g. left by a reset)
    const bool chain_tag = follower_mode && !e_grow && tagv == ((uint64_t(c.term) << 32) | expect);
    const bool chain = chain_tag && !wfull;
    const bool grew = chain || (e_end && ea == A_ACCEPT);
    // an accepted APPEND sent fresh (not flagged RETRANSMIT), at its last beat (follower commit)
    const bool rtx = d_first ? (nr::get_flags(dp) & nr::FLAG_RETRANSMIT) != 0 : e_rtx;
    const bool fresh_end = e_end && ea == A_ACCEPT && !rtx;
    const uint32_t plen = nr::get_payload_len(dp);
    const uint32_t llen = (plen + nr::HDR_BYTES) & 0xffff;
    const uint32_t log_len = llen < nr::MIN_FRAME_BYTES ? nr::MIN_FRAME_BYTES : llen;
    struct Ev { const char *n; uint64_t got, want; } evs[] = {
        {"s_axis_tready", t->s_axis_tready, tready}, {"last_index", t->last_index, last}, {"expect_index", t->expect_index, expect},
        {"window_full", t->window_full, wfull}, {"ooo_valid", t->ooo_valid, ooo_valid},
        {"ooo_min", t->ooo_min, ooo_valid ? ooo_min : t->ooo_min}, {"tag_slot", t->tag_slot, tslot},
        {"append_afull", t->append_afull, app_afull}, {"log_we", t->log_we, log_we},
        {"log_len_we", t->log_len_we, log_we && d_first}, {"log_tag_we", t->log_tag_we, log_we && d_last},
        {"ev_seq_first", t->ev_seq_first, e_first && ea == A_SEQ}, {"ev_dup", t->ev_dup, e_first && ea == A_DUP},
        {"ev_log_grew", t->ev_log_grew, grew},
        {"ev_gap", t->ev_gap, e_first && (ea == A_OOO || (ea == A_DROP && (ew == nr::DROP_FUTURE_INDEX || ew == nr::DROP_LOG_FULL) && follows)
                                         || (ea == A_HB && d_index > last))},
        {"ev_ack", t->ev_ack, e_first && ea == A_ACK}, {"ev_nack", t->ev_nack, e_first && ea == A_NACK},
        {"ev_commit", t->ev_commit, e_first && (ea == A_ACCEPT || ea == A_HB)},
        {"ev_drop", t->ev_drop, e_first && (ea == A_DROP || ea == A_DUP)}, {"ev_punt", t->ev_punt, e_first && ea == A_PUNT},
        {"ev_hb", t->ev_hb, e_first && ea == A_HB}, {"ev_seq_end", t->ev_seq_end, e_end && ea == A_SEQ},
        {"ev_accept_end", t->ev_accept_end, e_end && ea == A_ACCEPT}, {"ev_ooo_end", t->ev_ooo_end, e_end && ea == A_OOO},
        {"ev_fresh_end", t->ev_fresh_end, fresh_end}, {"ev_fresh_index", t->ev_fresh_index, fresh_end ? ei : t->ev_fresh_index},
        {"frozen", t->frozen, !c.fast && !e_log_mid}, {"log_mid", t->log_mid, e_log_mid},
        {"m_axis_append_tvalid", t->m_axis_append_tvalid, !app.empty()}, {"m_axis_punt_tvalid", t->m_axis_punt_tvalid, !pnt.empty()},
        {"ev_why", t->ev_why, (e_first && (ea == A_DROP || ea == A_DUP)) ? ew : t->ev_why},
        {"ev_src", t->ev_src, d_known ? d_src : t->ev_src}, {"ev_index", t->ev_index, d_known ? d_index : t->ev_index},
        {"ev_client", t->ev_client, d_known ? nr::get_client_id(dp) : t->ev_client},
        {"ev_commit_index", t->ev_commit_index, d_known ? (d_commit < last ? d_commit : last) : t->ev_commit_index},
    };
    const bool frozen = !c.fast && !e_log_mid;
    if (!rst && frozen && (log_we || e_grow || chain)) {
      throw tb::Fail(tb::fmt("cycle %" PRIu64 ": frozen, yet the engine %s", cyc, log_we ? "writes the log RAM" : "grows the log"));
    }
    if (!rst) {
      for (auto &e : evs) {
        if (e.got != e.want) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": %s %" PRIu64 ", expected %" PRIu64 " (act %u why %u index %u, d_type %u d_index %u "
                                 "last %u applied %u role %u fast %d term %u)", cyc, e.n, e.got, e.want, ea, ew, ei, d_type, d_index,
                                 last, applied, c.role, c.fast, c.term));
        }
      }
      if (log_we) {
        const tb::Bytes gd = tb::get_bytes(t->log_data, 0, KW);
        if (t->log_slot != (ei & (DEPTH - 1)) || t->log_beat != eb || gd != edata) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": log write slot %u beat %u data %s, expected %u %u %s", cyc, t->log_slot, t->log_beat,
                                 tb::hex_bytes(gd, 44).c_str(), ei & (DEPTH - 1), eb, tb::hex_bytes(edata, 44).c_str()));
        }
        if (d_first && t->log_len != log_len) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": log_len %u, expected %u", cyc, t->log_len, log_len));
        if (d_last && t->log_tag != ((uint64_t(c.term) << 32) | ei)) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": log_tag %016" PRIx64 ", expected term %u index %u", cyc, uint64_t(t->log_tag), c.term, ei));
        }
      }
      auto check_out = [&](const char *what, const std::deque<OutBeat> &q, const tb::Bytes &gd, const tb::Words &gk, bool gl, unsigned gu) {
        if (q.empty()) return;
        const OutBeat &e = q.front();
        if (gd != e.data || gk != e.keep || gl != e.last || gu != e.user) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": %s beat %s last %d user %u, expected %s last %d user %u", cyc, what,
                                 tb::hex_bytes(gd, 44).c_str(), gl, gu, tb::hex_bytes(e.data, 44).c_str(), e.last, e.user));
        }
      };
      check_out("APPEND", app, tb::get_bytes(t->m_axis_append_tdata, 0, KW), tb::get(t->m_axis_append_tkeep, 0, KW),
                t->m_axis_append_tlast, 0);
      check_out("punt", pnt, tb::get_bytes(t->m_axis_punt_tdata, 0, KW), tb::get(t->m_axis_punt_tkeep, 0, KW), t->m_axis_punt_tlast,
                t->m_axis_punt_tuser);
    }
    const bool in_fire = !rst && valid && tready;
    InBeat ib;
    if (in_fire) ib = cur[pos];
    h.edge();
    if (in_fire) { valid = false; pos++; }
    if (rst) {
      d_valid = false; d_first = false; d_bad = 0;
      e_act = A_DROP; e_why = 0; e_index = 0; e_rtx = false; e_fwd = false; e_beat = 0; e_log_mid = false;
      last = 0; ooo_valid = false;
      app.clear(); pnt.clear();
      cur.clear(); pos = 0; valid = false;
      applied = commit = 0;
      reset_left--;
      continue;
    }
    st[S_CYCLES]++;
    if (d_valid && !adv) st[S_STALL]++;
    // FIFOs: pops, then the pushes of this cycle
    if (aready && !app.empty()) app.pop_front();
    if (pready && !pnt.empty()) pnt.pop_front();
    if (fire && (ea == A_SEQ || fwd)) app.push_back({edata, d_keep, d_last, 0});
    if (fire && ea == A_PUNT) pnt.push_back({d_data, d_keep, d_last, ew});
    if (app.size() > TXD || pnt.size() > HD) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": a FIFO overflowed", cyc));
    if (log_we && d_last) { tag[ei & (DEPTH - 1)] = (uint64_t(c.term) << 32) | ei; tag_known[ei & (DEPTH - 1)] = true; }
    // statistics of the decisions
    if (e_first) {
      st[ea == A_SEQ ? S_SEQ : ea == A_ACCEPT ? S_ACCEPT : ea == A_OOO ? S_OOO : ea == A_DUP ? S_DUP : ea == A_ACK ? S_ACK
         : ea == A_NACK ? S_NACK : ea == A_HB ? S_HB : ea == A_PUNT ? S_PUNT : S_DROP]++;
      if (ea == A_DROP && ew == nr::DROP_LOG_FULL) st[S_LOG_FULL]++;
      if (ea == A_DROP && ew == nr::DROP_PUNT_FULL) st[S_PUNT_FULL]++;
      if (ea == A_DROP && ew == nr::DROP_NOT_MEMBER) st[S_NOT_MEMBER]++;
      if (ea == A_DROP && ew == nr::DROP_NOT_LEADER) st[S_NOT_LEADER]++;
      if (d_bad) st[S_BAD]++;
      if (fwd) st[ea == A_HB ? S_FWD_HB : S_FWD]++;
      if (middle && ea == A_OOO) st[S_MID_OOO]++;
      if (middle && (ea == A_ACK || ea == A_NACK)) st[S_MID_ACKS]++;
      if (ea == A_SEQ && succ_on) st[S_SUCC_SEQ]++;
    }
    if (fire && fwd) st[S_FWD_BEATS]++;
    if (chain && middle) st[S_MID_CHAIN]++;
    if (middle && c.fast) st[S_MID_CYCLES]++;
    if (chain) st[S_CHAIN]++;
    if (chain_tag && wfull) st[S_CHAIN_FULL]++;
    if (wr_last) st[S_HOST_LAST]++;
    if (frozen) st[S_FROZEN]++;
    if (!c.fast && e_log_mid) st[S_FROZEN_MID]++;
    if (!c.fast && e_grow) st[S_FROZEN_GROWS]++;
    // E registers
    if (fire) {
      if (d_first) { e_act = act; e_why = why; e_index = ei; e_rtx = rtx; e_fwd = fwd; }
      e_beat = d_last ? 0 : (eb + 1) & ((1u << SB) - 1);
    }
    if (log_we) e_log_mid = !d_last;
    // the log's tail and the reorder state
    uint32_t nl = last;
    if (e_grow) nl = ei;
    if (chain) nl = expect;
    if (wr_last) nl = wr_data;
    bool nv = ooo_valid;
    uint32_t nm = ooo_min;
    if (e_end && ea == A_OOO && (!ooo_valid || ei < ooo_min)) { nv = true; nm = ei; }
    if (ooo_valid && grew && expect + 1 >= ooo_min) nv = false;
    last = nl; ooo_valid = nv; ooo_min = nm;
    if (applied > last) applied = last;
    // D registers
    if (tready) {
      d_valid = in_fire;
      if (in_fire) {
        d_data = ib.data; d_keep = ib.keep; d_last = ib.last; d_first = ib.first; d_known = true;
        d_bad = ib.first ? header_check(ib.data, ib.len, c.cluster) : 0;
        if (ib.last) st[S_FRAMES]++;
      }
    }
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("DATA_WIDTH=%u,KEEP_WIDTH=%u,MAX_NODES=%u,LOG_DEPTH_LOG2=%u,MAX_PAYLOAD=%u,TX_FIFO_DEPTH_LOG2=%u,"
                                    "HOST_FIFO_DEPTH_LOG2=%u", DW, KW, N, LD, MAXPL, unsigned(TB_P_TX_FIFO_DEPTH_LOG2),
                                    unsigned(TB_P_HOST_FIFO_DEPTH_LOG2));

}  // namespace

NR_TB_EXPORT const char *nr_tb_exec_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_exec_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_exec_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
