// Testbench of nicraft_rx_fifo (store-and-forward RX buffer, always ready, drops bad frames whole).
//
// Reference model: the buffer as a spec would state it, in beats. Committed (good, complete) frames
// wait for the reader; the frame being received occupies one slot per kept beat. A beat that
// arrives while committed-unread + kept beats == DEPTH (a read in the same cycle frees its slot only
// at the edge) makes the frame an OVERFLOW drop; the (MAX_BEATS+1)th beat makes it OVERSIZE; tuser on
// the last beat (tuser on other beats means nothing) makes it MAC_ERROR. The reason reported: a frame
// longer than MAX_BEATS is OVERSIZE whatever else happened (its length is its own fault, a full buffer
// is not), then OVERFLOW, then MAC_ERROR. With oversize_first=0 the model takes the first cause in
// beat order instead, overflow before oversize at the same beat (the RTL's order today: see
// docs/testing.md). Checked every cycle:
//   s_axis_tready == 1
//   m_axis_tvalid == (committed beats unread > 0): a frame appears only after its last beat's edge
//   m_axis_{tdata,tkeep,tlast} == the next beat of the oldest good frame, in order, byte for byte
//   m_axis_len == that frame's length in bytes (sum of popcount(tkeep)), on every beat
//   frame_in == a last beat was taken at the previous edge; drop_valid/drop_reason == its verdict
// A reset (reset_p) empties the model; the source abandons the frame it was sending.
//
// cfg keys: seed cycles reset_p trace in_p in_burst in_gaps out_p out_burst
//           min_beats max_beats (the frame lengths drawn, default 1..MAX_BEATS)
//           long_p long_beats (the chance of an oversize frame instead, MAX_BEATS+1..long_beats)
//           err_p (tuser on the last beat) mid_user_p (tuser on other beats) random_keep_p
//           oversize_first (1: OVERSIZE wins, the spec; 0: first cause in beat order)
#include "tb_common.h"

#include <deque>

#include "Vtb_nicraft_rx_fifo.h"
#include "nicraft_wire.h"

namespace {

constexpr unsigned DATA_WIDTH = TB_P_DATA_WIDTH;
constexpr unsigned KEEP_WIDTH = TB_P_KEEP_WIDTH;
constexpr unsigned DEPTH = 1u << TB_P_DEPTH_LOG2;
constexpr unsigned MAX_BEATS = TB_P_MAX_BEATS;

const uint8_t R_MAC = nr::DROP_MAC_ERROR;
const uint8_t R_OVERSIZE = nr::DROP_OVERSIZE;
const uint8_t R_OVERFLOW = nr::DROP_RX_OVERFLOW;

const char *const kStats[] = {
    "cycles", "frames_in", "frames_good", "frames_out", "beats_in", "beats_out", "bytes_out", "drop_mac",
    "drop_oversize", "drop_overflow", "drops", "max_occupancy", "out_stall_cycles", "resets", "frames_flushed",
    "final_frames", "sent_bad_user", "sent_oversize", "mid_user_beats",
};
enum {
  S_CYCLES, S_FRAMES_IN, S_GOOD, S_FRAMES_OUT, S_BEATS_IN, S_BEATS_OUT, S_BYTES_OUT, S_DROP_MAC, S_DROP_OVERSIZE,
  S_DROP_OVERFLOW, S_DROPS, S_MAX_OCC, S_OUT_STALL, S_RESETS, S_FLUSHED, S_FINAL, S_SENT_BAD, S_SENT_OVERSIZE,
  S_MID_USER, S_N
};
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_rx_fifo;

struct Frame {
  std::vector<tb::Beat> beats;
  unsigned len = 0;
};

const char *reason_name(unsigned r) {
  if (r == R_MAC) return "MAC_ERROR";
  if (r == R_OVERSIZE) return "OVERSIZE";
  if (r == R_OVERFLOW) return "RX_OVERFLOW";
  return "?";
}

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  tb::Rng rng(k.seed);
  tb::Source src;
  src.gen.data_width = DATA_WIDTH;
  src.gen.keep_width = KEEP_WIDTH;
  src.gen.user_width = 0;
  src.pattern.p = cfg.num("in_p", 1.0);
  src.pattern.burst = cfg.num("in_burst", 1.0);
  src.in_gaps = cfg.u64("in_gaps", 1) != 0;
  src.gen.min_beats = static_cast<unsigned>(cfg.u64("min_beats", 1));
  src.gen.max_beats = static_cast<unsigned>(cfg.u64("max_beats", MAX_BEATS));
  src.gen.long_p = cfg.num("long_p", 0.1);
  src.gen.long_min = MAX_BEATS + 1;  // long frames are oversize frames
  src.gen.long_beats = static_cast<unsigned>(cfg.u64("long_beats", 2 * MAX_BEATS + 3));
  src.gen.random_keep_p = cfg.num("random_keep_p", 0.0);
  const double err_p = cfg.num("err_p", 0.1);
  const double mid_user_p = cfg.num("mid_user_p", 0.2);
  const bool oversize_first = cfg.u64("oversize_first", 1) != 0;
  tb::OnOff sink;
  sink.p = cfg.num("out_p", 1.0);
  sink.burst = cfg.num("out_burst", 1.0);
  cfg.done();
  if (src.gen.min_beats < 1 || src.gen.max_beats < src.gen.min_beats) throw tb::BadConfig("need 1 <= min_beats <= max_beats");

  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  src.pattern.init(rng);
  sink.init(rng);

  // model
  std::deque<Frame> committed;
  size_t rd_beat = 0;          // beats of committed.front() already read
  unsigned unread = 0;         // committed beats not yet read
  Frame cur;                   // the frame being received: its kept beats
  unsigned cur_seen = 0, cur_bytes = 0;
  bool cur_drop = false;
  uint8_t cur_why = 0;
  bool exp_frame_in = false, exp_drop = false;
  uint8_t exp_reason = 0;
  auto clear_model = [&] {
    st[S_FLUSHED] += committed.size();
    committed.clear();
    rd_beat = 0;
    unread = 0;
    cur = Frame();
    cur_seen = cur_bytes = 0;
    cur_drop = false;
    exp_frame_in = exp_drop = false;
  };

  unsigned reset_left = 4;
  const uint64_t end = k.cycles + reset_left;
  // one idle cycle at the end checks the frame_in/drop pulses of the last frame
  while (h.cycle() <= end) {
    const uint64_t cyc = h.cycle();
    const bool tail = cyc == end;
    if (!tail && reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = static_cast<unsigned>(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    t->rst = rst;
    if (rst || tail) {
      src.abandon();
    } else {
      const bool fresh = src.pos >= src.cur.size();
      src.drive(rng);
      if (fresh && !src.cur.empty() && src.pos == 0) {
        // a new frame was drawn: decide its tuser bits
        for (auto &b : src.cur) {
          b.user = b.last ? rng.chance(err_p) : rng.chance(mid_user_p);
        }
      }
    }
    const bool ready = sink.step(rng);
    t->s_axis_tvalid = src.valid;
    if (src.valid) {
      const tb::Beat &b = src.beat();
      tb::put(t->s_axis_tdata, 0, DATA_WIDTH, b.data.data());
      tb::put(t->s_axis_tkeep, 0, KEEP_WIDTH, b.keep.data());
      t->s_axis_tlast = b.last;
      t->s_axis_tuser = b.user & 1;
    } else {
      tb::put(t->s_axis_tdata, 0, DATA_WIDTH, tb::random_words(rng, DATA_WIDTH).data());
      tb::put(t->s_axis_tkeep, 0, KEEP_WIDTH, tb::random_words(rng, KEEP_WIDTH).data());
      t->s_axis_tlast = rng.chance(0.5);
      t->s_axis_tuser = rng.chance(0.5);
    }
    t->m_axis_tready = ready;
    h.settle();

    // ---- checks (also during reset: outputs still show the state before the reset edge)
    st[S_CYCLES]++;
    if (t->s_axis_tready != 1) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": s_axis_tready must always be 1, got 0", cyc));
    if (t->m_axis_tvalid != (unread > 0)) {
      throw tb::Fail(tb::fmt("cycle %" PRIu64 ": m_axis_tvalid expected %d (%u committed beats unread, %zu frames), got %d",
                             cyc, unread > 0, unread, committed.size(), t->m_axis_tvalid));
    }
    if (unread > 0) {
      const Frame &f = committed.front();
      const tb::Beat &exp = f.beats[rd_beat];
      tb::Beat got;
      got.data = tb::get(t->m_axis_tdata, 0, DATA_WIDTH);
      got.keep = tb::get(t->m_axis_tkeep, 0, KEEP_WIDTH);
      got.last = t->m_axis_tlast;
      got.user = 0;
      tb::Beat e = exp;
      e.user = 0;
      if (got != e) {
        got.frame = exp.frame;
        got.index = exp.index;
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": output beat expected %s, got %s", cyc, tb::show(e).c_str(), tb::show(got).c_str()));
      }
      if (t->m_axis_len != f.len) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": m_axis_len of frame %" PRIu64 " (beat %zu of %zu) expected %u, got %u", cyc,
                               exp.frame, rd_beat, f.beats.size(), f.len, unsigned(t->m_axis_len)));
      }
      if (!ready) st[S_OUT_STALL]++;
    }
    if (t->frame_in != exp_frame_in) {
      throw tb::Fail(tb::fmt("cycle %" PRIu64 ": frame_in expected %d, got %d", cyc, exp_frame_in, t->frame_in));
    }
    if (t->drop_valid != exp_drop) {
      throw tb::Fail(tb::fmt("cycle %" PRIu64 ": drop_valid expected %d%s%s, got %d (reason %u)", cyc, exp_drop,
                             exp_drop ? " reason " : "", exp_drop ? reason_name(exp_reason) : "", t->drop_valid,
                             unsigned(t->drop_reason)));
    }
    if (exp_drop && t->drop_reason != exp_reason) {
      throw tb::Fail(tb::fmt("cycle %" PRIu64 ": drop_reason expected %u (%s), got %u (%s)", cyc, exp_reason,
                             reason_name(exp_reason), unsigned(t->drop_reason), reason_name(t->drop_reason)));
    }

    const bool in_fire = !rst && src.valid;  // always ready
    const bool out_fire = !rst && unread > 0 && ready;
    tb::Beat in_beat;
    if (in_fire) in_beat = src.beat();
    h.edge();

    if (rst) {
      clear_model();
      reset_left--;
      continue;
    }
    // ---- model update, from the state before the edge
    const unsigned occ = unread + static_cast<unsigned>(cur.beats.size());
    exp_frame_in = exp_drop = false;
    if (in_fire) {
      src.accepted();
      st[S_BEATS_IN]++;
      if (!in_beat.last && in_beat.user) st[S_MID_USER]++;
      if (!cur_drop) {
        if (occ >= DEPTH) {
          cur_drop = true;
          cur_why = R_OVERFLOW;
        } else if (cur_seen >= MAX_BEATS) {
          cur_drop = true;
          cur_why = R_OVERSIZE;
        } else {
          cur.beats.push_back(in_beat);
        }
      }
      cur_seen++;
      cur_bytes += tb::popcount(in_beat.keep);
      if (in_beat.last) {
        exp_frame_in = true;
        st[S_FRAMES_IN]++;
        if (cur_seen > MAX_BEATS) st[S_SENT_OVERSIZE]++;
        if (in_beat.user) st[S_SENT_BAD]++;
        if (cur_drop || in_beat.user) {
          exp_drop = true;
          exp_reason = (oversize_first && cur_seen > MAX_BEATS) ? R_OVERSIZE : cur_drop ? cur_why : R_MAC;
          st[S_DROPS]++;
          if (exp_reason == R_MAC) st[S_DROP_MAC]++;
          if (exp_reason == R_OVERSIZE) st[S_DROP_OVERSIZE]++;
          if (exp_reason == R_OVERFLOW) st[S_DROP_OVERFLOW]++;
        } else {
          cur.len = cur_bytes;
          unread += static_cast<unsigned>(cur.beats.size());
          committed.push_back(std::move(cur));
          st[S_GOOD]++;
        }
        cur = Frame();
        cur_seen = cur_bytes = 0;
        cur_drop = false;
      }
    }
    if (out_fire) {
      const Frame &f = committed.front();
      st[S_BEATS_OUT]++;
      st[S_BYTES_OUT] += tb::popcount(f.beats[rd_beat].keep);
      unread--;
      if (++rd_beat == f.beats.size()) {
        committed.pop_front();
        rd_beat = 0;
        st[S_FRAMES_OUT]++;
      }
    }
    const unsigned occ_now = unread + static_cast<unsigned>(cur.beats.size());
    if (occ_now > DEPTH) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": model occupancy %u > DEPTH", cyc, occ_now));
    st[S_MAX_OCC] = std::max<uint64_t>(st[S_MAX_OCC], occ_now);
  }
  st[S_FINAL] = committed.size();
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("DATA_WIDTH=%u,KEEP_WIDTH=%u,DEPTH_LOG2=%u,MAX_BEATS=%u", DATA_WIDTH, KEEP_WIDTH,
                                    unsigned(TB_P_DEPTH_LOG2), MAX_BEATS);

}  // namespace

NR_TB_EXPORT const char *nr_tb_rx_fifo_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_rx_fifo_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_rx_fifo_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
