// Testbench of nicraft_axis_arb (frame-atomic round-robin AXI-Stream mux, combinational winner).
//
// PORTS sources send random frames (own valid patterns, gaps inside frames allowed) into one sink
// with random backpressure. Two layers of checks, every cycle:
//  * the policy, exactly: while a frame is in progress the grant stays with its port (even through
//    gaps, m_axis_tvalid low); between frames the winner is the first valid port after the last
//    winner, chosen in the same cycle (no bubble); m_axis_* == the winner's beat; s_axis_tready is
//    high only for the winner, and only when m_axis_tready is;
//  * the properties a user relies on: every output beat is the next beat of its port's input, in
//    order, byte for byte; frames never interleave (once a frame's first beat passed, every output
//    beat comes from that port until tlast); no starvation: a port holding tvalid sees at most
//    PORTS-1 other frames start before its own (max_wait_frames, checked against PORTS-1).
// A reset (reset_p) makes the sources abandon their frames and the model start over.
//
// cfg keys: seed cycles reset_p trace in_p in_p<i> in_burst in_gaps out_p out_burst min_beats max_beats
//           random_keep_p user_p
#include "tb_common.h"

#include "Vtb_nicraft_axis_arb.h"

namespace {

constexpr unsigned PORTS = TB_P_PORTS;
constexpr unsigned DATA_WIDTH = TB_P_DATA_WIDTH;
constexpr unsigned KEEP_WIDTH = TB_P_KEEP_WIDTH;
constexpr unsigned USER_WIDTH = TB_P_USER_WIDTH;
static_assert(PORTS >= 1 && PORTS <= 8, "PORTS 1..8");

const char *const kStats[] = {
    "cycles", "beats_out", "frames_out", "frames_port0", "frames_port1", "frames_port2", "frames_port3",
    "frames_port4", "frames_port5", "frames_port6", "frames_port7", "max_wait_frames", "idle_cycles",
    "gap_cycles", "out_stall_cycles", "contended_frames", "resets",
};
enum {
  S_CYCLES, S_BEATS_OUT, S_FRAMES_OUT, S_PORT0, S_MAX_WAIT = S_PORT0 + 8, S_IDLE, S_GAP, S_OUT_STALL, S_CONTENDED,
  S_RESETS, S_N
};
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_axis_arb;

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  tb::Rng rng(k.seed);
  const double in_p = cfg.num("in_p", 1.0);
  const double in_burst = cfg.num("in_burst", 1.0);
  const bool in_gaps = cfg.u64("in_gaps", 1) != 0;
  const unsigned min_beats = static_cast<unsigned>(cfg.u64("min_beats", 1));
  const unsigned max_beats = static_cast<unsigned>(cfg.u64("max_beats", 4));
  const double random_keep_p = cfg.num("random_keep_p", 0.25);
  const double user_p = cfg.num("user_p", 0.5);
  std::vector<tb::Source> src(PORTS);
  for (unsigned p = 0; p < PORTS; p++) {
    tb::Source &s = src[p];
    s.gen.data_width = DATA_WIDTH;
    s.gen.keep_width = KEEP_WIDTH;
    s.gen.user_width = USER_WIDTH;
    s.gen.min_beats = min_beats;
    s.gen.max_beats = max_beats;
    s.gen.random_keep_p = random_keep_p;
    s.gen.user_p = user_p;
    s.gen.next_frame = static_cast<uint64_t>(p) << 40;  // frame numbers tell the port
    s.pattern.p = cfg.num("in_p" + std::to_string(p), in_p);
    s.pattern.burst = in_burst;
    s.in_gaps = in_gaps;
  }
  tb::OnOff sink;
  sink.p = cfg.num("out_p", 1.0);
  sink.burst = cfg.num("out_burst", 1.0);
  cfg.done();
  if (min_beats < 1 || max_beats < min_beats) throw tb::BadConfig("need 1 <= min_beats <= max_beats");

  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  for (auto &s : src) s.pattern.init(rng);
  sink.init(rng);

  // policy model
  bool locked = false;
  unsigned locked_sel = 0, last_sel = 0;
  // property model
  int owner = -1;                          // port whose frame is passing the output
  std::vector<uint64_t> waited(PORTS, 0);  // frames of other ports started while this port offered a first beat

  unsigned reset_left = 4;
  const uint64_t end = k.cycles + reset_left;
  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    if (reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = static_cast<unsigned>(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    t->rst = rst;
    unsigned vmask = 0;
    for (unsigned p = 0; p < PORTS; p++) {
      tb::Source &s = src[p];
      if (rst) s.abandon();
      else s.drive(rng);
      if (s.valid) {
        vmask |= 1u << p;
        const tb::Beat &b = s.beat();
        tb::put(t->s_axis_tdata, p * DATA_WIDTH, DATA_WIDTH, b.data.data());
        tb::put(t->s_axis_tkeep, p * KEEP_WIDTH, KEEP_WIDTH, b.keep.data());
        tb::put(t->s_axis_tlast, p, 1, b.last ? 1 : 0);
        tb::put(t->s_axis_tuser, p * USER_WIDTH, USER_WIDTH, b.user);
      } else {
        tb::put(t->s_axis_tdata, p * DATA_WIDTH, DATA_WIDTH, tb::random_words(rng, DATA_WIDTH).data());
        tb::put(t->s_axis_tlast, p, 1, rng.chance(0.5) ? 1 : 0);
      }
    }
    tb::put(t->s_axis_tvalid, 0, PORTS, vmask);
    const bool ready = sink.step(rng);
    t->m_axis_tready = ready;
    h.settle();

    // ---- the policy
    unsigned sel = locked_sel;
    bool sel_valid = false;
    if (locked) {
      sel_valid = (vmask >> locked_sel) & 1;
    } else {
      for (unsigned i = 1; i <= PORTS; i++) {
        unsigned p = (last_sel + i) % PORTS;
        if ((vmask >> p) & 1) {
          sel = p;
          sel_valid = true;
          break;
        }
      }
    }
    st[S_CYCLES]++;
    if (t->m_axis_tvalid != sel_valid) {
      throw tb::Fail(tb::fmt("cycle %" PRIu64 ": m_axis_tvalid expected %d (valid mask %x, %s port %u, last winner %u), got %d",
                             cyc, sel_valid, vmask, locked ? "locked to" : "round robin picks", sel, last_sel,
                             t->m_axis_tvalid));
    }
    const unsigned exp_ready = (ready && sel_valid) ? (1u << sel) : 0u;
    const unsigned got_ready = static_cast<unsigned>(tb::get64(t->s_axis_tready, 0, PORTS));
    if (got_ready != exp_ready) {
      throw tb::Fail(tb::fmt("cycle %" PRIu64 ": s_axis_tready expected %x, got %x (valid mask %x, m_axis_tready %d, %s port %u)",
                             cyc, exp_ready, got_ready, vmask, ready, locked ? "locked to" : "winner", sel));
    }
    if (sel_valid) {
      const tb::Beat &exp = src[sel].beat();
      tb::Beat got;
      got.data = tb::get(t->m_axis_tdata, 0, DATA_WIDTH);
      got.keep = tb::get(t->m_axis_tkeep, 0, KEEP_WIDTH);
      got.last = t->m_axis_tlast;
      got.user = tb::get64(t->m_axis_tuser, 0, USER_WIDTH);
      if (got != exp) {
        got.frame = exp.frame;
        got.index = exp.index;
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": output beat (port %u) expected %s, got %s", cyc, sel,
                               tb::show(exp, USER_WIDTH).c_str(), tb::show(got, USER_WIDTH).c_str()));
      }
    }
    if (locked && !sel_valid) st[S_GAP]++;         // a gap inside the frame being passed
    else if (!sel_valid) st[S_IDLE]++;            // between frames, nobody valid
    else if (!ready) st[S_OUT_STALL]++;

    const bool fire = !rst && sel_valid && ready;
    unsigned offering = 0;  // ports offering the first beat of a frame
    for (unsigned p = 0; p < PORTS; p++) {
      if (src[p].valid && src[p].pos == 0) offering |= 1u << p;
    }
    tb::Beat out;
    if (fire) out = src[sel].beat();
    h.edge();
    if (rst) {
      locked = false;
      locked_sel = last_sel = 0;
      owner = -1;
      std::fill(waited.begin(), waited.end(), 0);
      reset_left--;
      continue;
    }
    // ---- properties (from what was transferred; the granted port is the one the DUT said ready to)
    if (fire) {
      if (owner >= 0 && static_cast<unsigned>(owner) != sel) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": frames interleave: port %u's beat passed inside port %d's frame", cyc, sel, owner));
      }
      if (out.index == 0) {
        // a frame starts: every other port offering a first beat waits one more frame
        unsigned others = 0;
        for (unsigned p = 0; p < PORTS; p++) {
          if (p == sel || !((offering >> p) & 1)) continue;
          others++;
          if (++waited[p] > PORTS - 1) {
            throw tb::Fail(tb::fmt("cycle %" PRIu64 ": starvation: port %u has offered a frame through %" PRIu64
                                   " frames of other ports (round robin allows %u)", cyc, p, waited[p], PORTS - 1));
          }
          st[S_MAX_WAIT] = std::max<uint64_t>(st[S_MAX_WAIT], waited[p]);
        }
        if (others) st[S_CONTENDED]++;
        waited[sel] = 0;
      }
      owner = out.last ? -1 : static_cast<int>(sel);
      st[S_BEATS_OUT]++;
      if (out.last) {
        st[S_FRAMES_OUT]++;
        st[S_PORT0 + sel]++;
      }
      src[sel].accepted();
      last_sel = sel;
      locked = !out.last;
      locked_sel = sel;
    }
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("PORTS=%u,DATA_WIDTH=%u,KEEP_WIDTH=%u,USER_WIDTH=%u", PORTS, DATA_WIDTH, KEEP_WIDTH, USER_WIDTH);

}  // namespace

NR_TB_EXPORT const char *nr_tb_axis_arb_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_axis_arb_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_axis_arb_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
