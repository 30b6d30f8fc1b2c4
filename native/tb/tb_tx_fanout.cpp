// Testbench of nicraft_tx_fanout (the TX arbiter's frames to one FIFO per plane).
//
// Reference: per plane a FIFO of 2^TX_FIFO_DEPTH_LOG2 beats (a deque). At a frame's first beat the
// enabled planes with room for a whole frame (fewer than MAX_BEATS + 1 free slots is no room) take
// it, the other enabled planes drop their copy (drop strobe); the input is ready unless no enabled
// plane has room (and always with no plane enabled: the frame is taken by none); the beats after the
// first go to the planes that took the first. Checked every cycle: s_axis_tready, drop, and per plane
// m_axis_tvalid and the head beat (data, keep, last): a beat written at an edge is visible after it.
// Stimulus: frames of 1..MAX_BEATS beats with random valid gaps, per-plane output backpressure
// (including a plane that stops for long stretches), PLANE_EN changes at any cycle, resets.
//
// cfg keys: seed cycles reset_p trace in_p in_burst out_p out_burst stall_plane_p en_change_p
#include "tb_common.h"

#include <deque>

#include "Vtb_nicraft_tx_fanout.h"

namespace {

constexpr unsigned P = TB_P_PLANES;
constexpr unsigned DW = TB_P_DATA_WIDTH;
constexpr unsigned KW = TB_P_KEEP_WIDTH;
constexpr unsigned DEPTH = 1u << TB_P_TX_FIFO_DEPTH_LOG2;
constexpr unsigned MB = TB_P_MAX_BEATS;

const char *const kStats[] = {"cycles", "frames_in", "beats_in", "beats_out", "frames_out", "copies_dropped", "in_stalls",
                              "en_changes", "frames_to_no_plane", "resets"};
enum { S_CYCLES, S_FRAMES_IN, S_BEATS_IN, S_BEATS_OUT, S_FRAMES_OUT, S_DROPS, S_STALLS, S_EN, S_NONE, S_RESETS, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_tx_fanout;

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  tb::Rng rng(k.seed);
  tb::Source src;
  src.gen.data_width = DW;
  src.gen.keep_width = KW;
  src.gen.min_beats = 1;
  src.gen.max_beats = MB;
  src.pattern.p = cfg.num("in_p", 0.8);
  src.pattern.burst = cfg.num("in_burst", 1.0);
  tb::OnOff sink[P];
  const double out_p = cfg.num("out_p", 0.8), out_burst = cfg.num("out_burst", 1.0);
  const double stall_p = cfg.num("stall_plane_p", 0.0), en_p = cfg.num("en_change_p", 0.001);
  cfg.done();
  for (auto &s : sink) { s.p = out_p; s.burst = out_burst; s.init(rng); }
  src.pattern.init(rng);

  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  std::deque<tb::Beat> q[P];
  bool in_frame = false;
  unsigned take_reg = 0, en = (1u << P) - 1;
  int stalled = -1;   // a plane whose MAC stopped for a while
  unsigned reset_left = 3;
  const uint64_t end = k.cycles + reset_left;
  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    if (reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = unsigned(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    if (rng.chance(en_p)) { en = unsigned(rng.below(1u << P)); st[S_EN]++; }
    if (stall_p > 0 && rng.chance(stall_p)) stalled = stalled < 0 ? int(rng.below(P)) : -1;
    if (rst) src.abandon();
    else src.drive(rng);
    bool ready[P];
    for (unsigned p = 0; p < P; p++) ready[p] = sink[p].step(rng) && int(p) != stalled;
    t->rst = rst;
    t->plane_en = en;
    t->s_axis_tvalid = src.valid;
    if (src.valid) {
      const tb::Beat &b = src.beat();
      tb::put(t->s_axis_tdata, 0, DW, b.data.data());
      tb::put(t->s_axis_tkeep, 0, KW, b.keep.data());
      t->s_axis_tlast = b.last;
    } else {
      tb::put(t->s_axis_tdata, 0, DW, tb::random_words(rng, DW).data());
      t->s_axis_tlast = rng.chance(0.5);
    }
    unsigned rdy = 0;
    for (unsigned p = 0; p < P; p++) rdy |= unsigned(ready[p]) << p;
    t->m_axis_tready = rdy;
    h.settle();

    unsigned room = 0;
    for (unsigned p = 0; p < P; p++) if (((en >> p) & 1) && DEPTH - q[p].size() >= MB + 1) room |= 1u << p;
    const bool first = !in_frame;
    const unsigned take = first ? room : take_reg;
    const bool tready = !first || room != 0 || en == 0;
    const bool beat = !rst && src.valid && tready;
    const unsigned drop = beat && first ? (en & ~room) : 0;
    if (!rst) {
      if (bool(t->s_axis_tready) != tready) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": s_axis_tready %d, expected %d (first %d, room %x, en %x)", cyc, t->s_axis_tready, tready,
                               first, room, en));
      }
      if ((t->drop & ((1u << P) - 1)) != drop) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": drop %x, expected %x", cyc, t->drop, drop));
      for (unsigned p = 0; p < P; p++) {
        const bool v = (t->m_axis_tvalid >> p) & 1;
        if (v != !q[p].empty()) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": plane %u tvalid %d with %zu beats stored", cyc, p, v, q[p].size()));
        if (v) {
          tb::Beat got;
          got.data = tb::get(t->m_axis_tdata, p * DW, DW);
          got.keep = tb::get(t->m_axis_tkeep, p * KW, KW);
          got.last = (t->m_axis_tlast >> p) & 1;
          if (got != q[p].front()) {
            throw tb::Fail(tb::fmt("cycle %" PRIu64 ": plane %u beat %s, expected %s", cyc, p, tb::show(got).c_str(), tb::show(q[p].front()).c_str()));
          }
        }
      }
    }
    tb::Beat in_beat;
    if (beat) in_beat = src.beat();
    h.edge();
    if (rst) {
      for (auto &x : q) x.clear();
      in_frame = false;
      take_reg = 0;
      reset_left--;
      continue;
    }
    st[S_CYCLES]++;
    for (unsigned p = 0; p < P; p++) {
      if (ready[p] && !q[p].empty()) {
        if (q[p].front().last) st[S_FRAMES_OUT]++;
        q[p].pop_front();
        st[S_BEATS_OUT]++;
      }
    }
    if (src.valid && !tready) st[S_STALLS]++;
    if (beat) {
      for (unsigned p = 0; p < P; p++) if ((take >> p) & 1) q[p].push_back(in_beat);
      for (unsigned p = 0; p < P; p++) st[S_DROPS] += (drop >> p) & 1;
      if (first) take_reg = room;
      if (first && take == 0) st[S_NONE]++;
      in_frame = !in_beat.last;
      src.accepted();
      st[S_BEATS_IN]++;
      if (in_beat.last) st[S_FRAMES_IN]++;
    }
    for (unsigned p = 0; p < P; p++) {
      if (q[p].size() > DEPTH) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": plane %u holds %zu beats (depth %u)", cyc, p, q[p].size(), DEPTH));
    }
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("PLANES=%u,DATA_WIDTH=%u,KEEP_WIDTH=%u,TX_FIFO_DEPTH_LOG2=%u,MAX_BEATS=%u", P, DW, KW,
                                    unsigned(TB_P_TX_FIFO_DEPTH_LOG2), MB);

}  // namespace

NR_TB_EXPORT const char *nr_tb_tx_fanout_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_tx_fanout_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_tx_fanout_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
