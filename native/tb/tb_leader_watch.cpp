// Testbench of nicraft_leader_watch (leader-silence detection in a follower NIC).
//
// Random stimulus: follower mode toggling (runs of random length), SILENCE_CYCLES drawn from a small
// range (0 = off included) and changed now and then, frames of the leader as bursts and silences of
// random length (ev_commit, ev_dup, ev_gap at random), the event's consumer ready at random, the
// leader id and term moving. A cycle-exact reference model predicts, every cycle, tvalid, the
// event's header (src_node = the leader, dst_node = this node, term, type, cluster, macs), tkeep,
// tlast, tuser and ev_silent; and two properties are checked from the outputs alone: an event is
// raised only after silence_cycles cycles in follower mode without a frame of the leader, and at most
// once per silence. The module's own assertion (no counting across a frame of the leader or outside
// follower mode) is compiled in.
//
// cfg keys: seed cycles trace reset_p max_silence frame_p frame_burst quiet_burst follower_p ready_p
#include "tb_common.h"

#include "Vtb_nicraft_leader_watch.h"

namespace {

constexpr unsigned DATA_WIDTH = TB_P_DATA_WIDTH;
constexpr unsigned KEEP_WIDTH = DATA_WIDTH / 8;
static_assert(DATA_WIDTH == 512, "the header accessors assume a 64-byte beat");

const char *const kStats[] = {"cycles", "events", "events_taken", "silences", "longest_silence", "stalled_cycles", "resets", "off_cycles"};
enum { S_CYCLES, S_EVENTS, S_TAKEN, S_SILENCES, S_LONGEST, S_STALLED, S_RESETS, S_OFF, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_leader_watch;

struct Model {
  uint32_t idle = 0;
  bool fired = false, valid = false;
  uint32_t leader = 0, term = 0;
};

uint64_t be(const tb::Bytes &b, unsigned off, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; i++) v = (v << 8) | b[off + i];
  return v;
}

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  tb::Rng rng(k.seed);
  const uint64_t max_silence = cfg.u64("max_silence", 40);
  const double frame_p = cfg.num("frame_p", 0.6);        // chance of a frame in a cycle of a burst
  const double frame_burst = cfg.num("frame_burst", 20);  // mean cycles of a burst of the leader's frames
  const double quiet_burst = cfg.num("quiet_burst", 30);  // mean cycles of a silence
  const double follower_p = cfg.num("follower_p", 0.95);  // chance a mode run is follower mode
  const double ready_p = cfg.num("ready_p", 0.7);
  cfg.done();
  if (max_silence < 1) throw tb::BadConfig("need max_silence >= 1");

  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  Model m;
  bool follower = true, talking = true;
  uint32_t silence = static_cast<uint32_t>(rng.range(1, max_silence));
  uint32_t leader = 1, term = 1;
  const uint32_t node = 2, cluster = 0x1234;
  uint64_t mode_left = 0, phase_left = 0, quiet_run = 0, watched_quiet = 0;
  bool raised_this_silence = false;
  tb::Resets resets(4);
  const uint64_t end = k.cycles + resets.left;
  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    const bool rst = resets.step(rng, k.reset_p);
    st[S_RESETS] = resets.count;
    // ---- stimulus
    if (mode_left == 0) {
      follower = rng.chance(follower_p);
      mode_left = rng.range(1, 2000);
    }
    mode_left--;
    if (phase_left == 0) {
      talking = !talking;
      phase_left = 1 + rng.below(static_cast<uint64_t>(2 * (talking ? frame_burst : quiet_burst)));
      if (!talking) st[S_SILENCES]++;
    }
    phase_left--;
    if (rng.chance(0.002)) silence = static_cast<uint32_t>(rng.range(0, max_silence));  // 0: off
    if (rng.chance(0.001)) leader = static_cast<uint32_t>(rng.below(8));
    if (rng.chance(0.001)) term++;
    const bool frame = talking && rng.chance(frame_p);
    const unsigned which = static_cast<unsigned>(rng.below(3));
    const bool ready = rng.chance(ready_p);
    t->rst = rst;
    t->follower_mode = follower;
    t->silence_cycles = silence;
    t->ev_commit = frame && which == 0;
    t->ev_dup = frame && which == 1;
    t->ev_gap = frame && which == 2;
    t->cluster_id = cluster;
    t->node_id = node;
    t->leader_id = leader;
    t->term = term;
    t->m_axis_tready = ready;
    h.settle();

    // ---- outputs against the model (registers as they are at the start of the cycle)
    const bool active = follower && silence != 0;
    const uint32_t inc = m.idle == 0xffffffffu ? m.idle : m.idle + 1;
    const bool fire = !rst && active && !frame && !m.fired && inc >= silence;
    if (!rst) {
      if (static_cast<bool>(t->m_axis_tvalid) != m.valid) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": tvalid %u, expected %u", cyc, static_cast<unsigned>(t->m_axis_tvalid), m.valid ? 1u : 0u));
      }
      if (static_cast<bool>(t->ev_silent) != fire) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": ev_silent %u, expected %u (idle %u, silence %u, fired %u, frame %u, follower %u)", cyc,
                               static_cast<unsigned>(t->ev_silent), fire ? 1u : 0u, m.idle, silence, m.fired ? 1u : 0u, frame ? 1u : 0u, follower ? 1u : 0u));
      }
      if (m.valid) {
        const tb::Bytes b = tb::get_bytes(t->m_axis_tdata, 0, 64);
        const uint64_t keep = tb::get64(t->m_axis_tkeep, 0, KEEP_WIDTH);
        const struct { const char *what; uint64_t got, want; } f[] = {
            {"dst_mac", be(b, 0, 6), 0x024E52000000ull | node}, {"src_mac", be(b, 6, 6), 0x024E52000000ull | m.leader},
            {"ethertype", be(b, 12, 2), 0x88B5}, {"version", be(b, 14, 1), 1}, {"type", be(b, 15, 1), 5},
            {"cluster_id", be(b, 16, 2), cluster}, {"src_node", be(b, 19, 1), m.leader}, {"dst_node", be(b, 20, 1), node},
            {"term", be(b, 22, 4), m.term}, {"log_index", be(b, 26, 4), 0}, {"payload_len", be(b, 42, 2), 0},
            {"tkeep", keep, (1ull << 60) - 1}, {"tlast", t->m_axis_tlast, 1}, {"tuser", t->m_axis_tuser, 11},
        };
        for (const auto &x : f) {
          if (x.got != x.want) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": event %s = 0x%" PRIx64 ", expected 0x%" PRIx64, cyc, x.what, x.got, x.want));
        }
      }
    }
    // ---- properties from the outputs: raised only after `silence` quiet cycles in follower mode, once per silence
    if (!rst && t->ev_silent) {
      if (watched_quiet + 1 < silence) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": an event after %" PRIu64 " quiet cycles in follower mode (SILENCE_CYCLES %u)", cyc, watched_quiet + 1, silence));
      }
      if (raised_this_silence) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": a second event in one silence", cyc));
      raised_this_silence = true;
      st[S_EVENTS]++;
    }
    if (!rst && m.valid && ready) st[S_TAKEN]++;
    if (!rst && m.valid && !ready) st[S_STALLED]++;
    if (!rst && !active) st[S_OFF]++;
    h.edge();
    // ---- the model's registers
    if (rst) {
      m = Model{};
      watched_quiet = 0;
      raised_this_silence = false;
      resets.done();
      continue;
    }
    if (m.valid && ready) m.valid = false;
    if (!active || frame) {
      m.idle = 0;
      m.fired = false;
      watched_quiet = 0;
      raised_this_silence = false;
    } else {
      m.idle = inc;
      watched_quiet++;
      if (fire) {
        m.fired = true;
        m.valid = true;
        m.leader = leader;
        m.term = term;
      }
    }
    quiet_run = frame ? 0 : quiet_run + 1;
    st[S_LONGEST] = std::max<uint64_t>(st[S_LONGEST], quiet_run);
    st[S_CYCLES]++;
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("DATA_WIDTH=%u,KEEP_WIDTH=%u", DATA_WIDTH, KEEP_WIDTH);

}  // namespace

NR_TB_EXPORT const char *nr_tb_leader_watch_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_leader_watch_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_leader_watch_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
