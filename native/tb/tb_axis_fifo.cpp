// Testbench of nicraft_axis_fifo (first-word fall-through AXI-Stream FIFO with count/almost_full).
//
// Scoreboard: a std::deque of the beats accepted at the input. Checked every cycle:
//   s_axis_tready == (stored < DEPTH)             (never overflows, never refuses with room)
//   m_axis_tvalid == (stored > 0)                 (a beat written at edge t is visible in cycle t+1)
//   m_axis_{tdata,tkeep,tlast,tuser} == the oldest stored beat
//   count == stored, almost_full == (DEPTH - stored < ALMOST_FULL_FREE)
// A reset (reset_p) empties the model; the beats lost are counted in beats_flushed.
// NO_STALL=1: the producer here still offers beats while the FIFO is full (it waits on tready), which
// that setting forbids: the module's assertion stops the run (test/rtl/axis_fifo.test.ts shows it).
//
// cfg keys: seed cycles reset_p trace in_p in_burst in_gaps out_p out_burst min_beats max_beats
//           random_keep_p user_p
#include "tb_common.h"

#include <deque>

#include "Vtb_nicraft_axis_fifo.h"

#ifndef TB_P_DATA_WIDTH
#error "build with -DTB_P_DATA_WIDTH=... (native/build-tb.ts passes every parameter)"
#endif

namespace {

constexpr unsigned DATA_WIDTH = TB_P_DATA_WIDTH;
constexpr unsigned KEEP_WIDTH = TB_P_KEEP_WIDTH;
constexpr unsigned USER_WIDTH = TB_P_USER_WIDTH;
constexpr unsigned DEPTH = 1u << TB_P_DEPTH_LOG2;
constexpr unsigned AFF = TB_P_ALMOST_FULL_FREE;

const char *const kStats[] = {
    "cycles", "beats_in", "beats_out", "frames_in", "frames_out", "in_stall_cycles", "out_stall_cycles",
    "full_cycles", "almost_full_cycles", "empty_cycles", "max_count", "resets", "beats_flushed", "final_count",
};
enum {
  S_CYCLES, S_BEATS_IN, S_BEATS_OUT, S_FRAMES_IN, S_FRAMES_OUT, S_IN_STALL, S_OUT_STALL, S_FULL, S_AFULL,
  S_EMPTY, S_MAX_COUNT, S_RESETS, S_FLUSHED, S_FINAL, S_N
};
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_axis_fifo;

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  tb::Rng rng(k.seed);
  tb::Source src;
  src.gen.data_width = DATA_WIDTH;
  src.gen.keep_width = KEEP_WIDTH;
  src.gen.user_width = USER_WIDTH;
  src.pattern.p = cfg.num("in_p", 1.0);
  src.pattern.burst = cfg.num("in_burst", 1.0);
  src.in_gaps = cfg.u64("in_gaps", 1) != 0;
  src.gen.min_beats = static_cast<unsigned>(cfg.u64("min_beats", 1));
  src.gen.max_beats = static_cast<unsigned>(cfg.u64("max_beats", 2 * DEPTH));
  src.gen.random_keep_p = cfg.num("random_keep_p", 0.25);
  src.gen.user_p = cfg.num("user_p", 0.5);
  tb::OnOff sink;
  sink.p = cfg.num("out_p", 1.0);
  sink.burst = cfg.num("out_burst", 1.0);
  cfg.done();
  if (src.gen.min_beats < 1 || src.gen.max_beats < src.gen.min_beats) throw tb::BadConfig("need 1 <= min_beats <= max_beats");

  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  std::deque<tb::Beat> model;
  src.pattern.init(rng);
  sink.init(rng);

  unsigned reset_left = 4;  // initial reset
  uint64_t end = k.cycles + reset_left;
  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    if (reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = static_cast<unsigned>(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    t->rst = rst;

    if (rst) src.abandon();
    else src.drive(rng);
    const bool ready = sink.step(rng);
    t->s_axis_tvalid = src.valid;
    if (src.valid) {
      const tb::Beat &b = src.beat();
      tb::put(t->s_axis_tdata, 0, DATA_WIDTH, b.data.data());
      tb::put(t->s_axis_tkeep, 0, KEEP_WIDTH, b.keep.data());
      t->s_axis_tlast = b.last;
      tb::put(t->s_axis_tuser, 0, USER_WIDTH, b.user);
    } else {
      // idle bus: junk on the data lines must not matter
      tb::put(t->s_axis_tdata, 0, DATA_WIDTH, tb::random_words(rng, DATA_WIDTH).data());
      t->s_axis_tlast = rng.chance(0.5);
    }
    t->m_axis_tready = ready;
    h.settle();

    const unsigned n = static_cast<unsigned>(model.size());
    if (!rst) {
      st[S_CYCLES]++;
      if (t->s_axis_tready != (n < DEPTH)) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": s_axis_tready expected %d (%u of %u stored), got %d", cyc,
                               n < DEPTH, n, DEPTH, t->s_axis_tready));
      }
      if (t->m_axis_tvalid != (n > 0)) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": m_axis_tvalid expected %d (%u stored), got %d", cyc, n > 0, n,
                               t->m_axis_tvalid));
      }
      if (t->count != n) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": count expected %u, got %u", cyc, n, unsigned(t->count)));
      const bool af = DEPTH - n < AFF;
      if (t->almost_full != af) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": almost_full expected %d (%u free, ALMOST_FULL_FREE %u), got %d", cyc,
                               af, DEPTH - n, AFF, t->almost_full));
      }
      if (n > 0) {
        tb::Beat got;
        got.data = tb::get(t->m_axis_tdata, 0, DATA_WIDTH);
        got.keep = tb::get(t->m_axis_tkeep, 0, KEEP_WIDTH);
        got.last = t->m_axis_tlast;
        got.user = tb::get64(t->m_axis_tuser, 0, USER_WIDTH);
        const tb::Beat &exp = model.front();
        if (got != exp) {
          got.frame = exp.frame;
          got.index = exp.index;
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": output beat expected %s, got %s", cyc,
                                 tb::show(exp, USER_WIDTH).c_str(), tb::show(got, USER_WIDTH).c_str()));
        }
      }
      if (n == DEPTH) st[S_FULL]++;
      if (af) st[S_AFULL]++;
      if (n == 0) st[S_EMPTY]++;
      if (src.valid && !t->s_axis_tready) st[S_IN_STALL]++;
      if (n > 0 && !ready) st[S_OUT_STALL]++;
    }
    const bool in_fire = !rst && src.valid && t->s_axis_tready;
    const bool out_fire = !rst && t->m_axis_tvalid && ready;
    tb::Beat in_beat;
    if (in_fire) in_beat = src.beat();
    h.edge();

    if (rst) {
      st[S_FLUSHED] += model.size();
      model.clear();
      reset_left--;
      continue;
    }
    if (out_fire) {
      if (model.front().last) st[S_FRAMES_OUT]++;
      model.pop_front();
      st[S_BEATS_OUT]++;
    }
    if (in_fire) {
      model.push_back(in_beat);
      src.accepted();
      st[S_BEATS_IN]++;
      if (in_beat.last) st[S_FRAMES_IN]++;
    }
    if (model.size() > DEPTH) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": model holds %zu > DEPTH beats", cyc, model.size()));
    st[S_MAX_COUNT] = std::max<uint64_t>(st[S_MAX_COUNT], model.size());
  }
  st[S_FINAL] = model.size();
  if (st[S_BEATS_IN] != st[S_BEATS_OUT] + st[S_FLUSHED] + st[S_FINAL]) {
    throw tb::Fail("beat accounting: in != out + flushed + stored");
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("DATA_WIDTH=%u,KEEP_WIDTH=%u,USER_WIDTH=%u,DEPTH_LOG2=%u,ALMOST_FULL_FREE=%u,NO_STALL=%u",
                                    DATA_WIDTH, KEEP_WIDTH, USER_WIDTH, unsigned(TB_P_DEPTH_LOG2), AFF, unsigned(TB_P_NO_STALL));

}  // namespace

NR_TB_EXPORT const char *nr_tb_axis_fifo_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_axis_fifo_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_axis_fifo_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
