// Testbench of nicraft_tx_sign (frame signing on the transmit path; docs/auth.md "Transmit").
//
// Reference (native/tb/tb_auth_ref.h): a frame the module signs (a nicraft ethertype and a whole
// header, AUTH_EN on) leaves with auth_kid = {7'b0, tx_kid as it was at its first beat}, auth_rsvd as
// given, pn = the next packet number (big-endian; loaded by pn_load, else one above the last signed
// frame's; a load in the cycle of a first beat takes effect after it) and the ICV = the MAC of the frame
// so rewritten with its ICV bytes zero, under context {class, tx_kid} (class 1 for REQ and REPLY);
// every other frame leaves unchanged. Frames leave in order, whole, and a signed frame's first beat
// no earlier than 14 cycles after its last beat entered (the tag's latency).
// Random stimulus: frames of every type, other ethertypes and short frames, oversize frames, input
// gaps and output backpressure (valid_p, ready_p and their bursts), tx_kid changes and pn loads at any
// time, AUTH_EN toggled while the module is empty, resets. AUTH_EN off: the output is the input in
// the same cycle (tready too). With ready_p 1 the input must never be back-pressured once AUTH_EN is
// on (a stream flows without a bubble: checked, counted in stall_cycles).
//
// cfg keys: seed cycles trace reset_p valid_p valid_burst ready_p ready_burst other_p kid_p load_p toggle_p
#include "tb_common.h"
#include "tb_auth_ref.h"

#include <deque>

#include "Vtb_nicraft_tx_sign.h"

namespace {

constexpr unsigned DW = TB_P_DATA_WIDTH;
constexpr unsigned MAXB = TB_P_MAX_BEATS;
constexpr unsigned TAG_CYCLES = 14;   // last beat in -> first beat out, at the earliest
static_assert(DW == 512, "64-byte beats");

const char *const kStats[] = {"cycles", "frames_in", "frames_out", "signed", "unsigned", "passthrough", "multi_beat", "oversize",
                              "pn_loads", "kid_changes", "stall_cycles", "backpressure_cycles", "min_latency", "resets", "toggles"};
enum { S_CYCLES, S_IN, S_OUT, S_SIGNED, S_UNSIGNED, S_PASS, S_MULTI, S_OVERSIZE, S_LOADS, S_KIDS, S_STALL, S_BP, S_MINLAT,
       S_RESETS, S_TOGGLES, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_tx_sign;
using tb::Bytes;
using tbauth::Key;

struct Expected {
  Bytes bytes;          // the frame as it must leave
  uint64_t last_in = 0; // cycle its last beat entered
  bool sign = false;
};

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  tb::Rng rng(k.seed);
  tb::OnOff valid, ready;
  valid.p = cfg.num("valid_p", 0.8);
  valid.burst = cfg.num("valid_burst", 4);
  ready.p = cfg.num("ready_p", 0.8);
  ready.burst = cfg.num("ready_burst", 4);
  const double other_p = cfg.num("other_p", 0.1);
  const double kid_p = cfg.num("kid_p", 0.003);
  const double load_p = cfg.num("load_p", 0.003);
  const double toggle_p = cfg.num("toggle_p", 0.002);  // per cycle: drain, then toggle AUTH_EN
  cfg.done();
  tbauth::init_sbox();

  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  std::vector<Key> keys;
  // new keys (at the start and after a reset): the round keys on their input, the hash keys written
  // through the key port, a word a cycle with no frame offered
  uint64_t key_cycles = 0;   // cycles spent writing hash keys (not counted in `cycles`)
  auto new_keys = [&]() {
    keys = tbauth::random_keys(rng, 4, MAXB);
    tbauth::load_round_keys(t->round_keys, keys);
    key_cycles += tbauth::write_hash_keys(h, t, keys, MAXB, rng, [&]() { t->rst = 0; t->s_axis_tvalid = 0; t->pn_load = 0; });
  };
  new_keys();
  bool auth_en = true;
  unsigned kid = 0;
  uint64_t pn = 0;
  std::deque<Expected> exp;      // frames accepted (with AUTH_EN on), in order
  Bytes cur;                     // the frame being offered
  unsigned cur_beat = 0, cur_beats = 0;
  bool have = false, offering = false;
  Expected building;             // the frame being accepted
  size_t out_beat = 0;           // beats of exp.front() already out
  uint64_t min_lat = ~0ull;
  bool ready_always = ready.p >= 1.0;
  bool draining = false;

  auto gen = [&]() {
    Bytes f;
    if (rng.chance(other_p)) return tbauth::uncovered_frame(rng, MAXB);
    const unsigned max_len = rng.chance(0.02) ? (MAXB + 2) * 64 : MAXB * 64;
    f = tbauth::random_bytes(rng, rng.chance(0.3) ? tbauth::HDR : rng.range(tbauth::HDR, max_len));
    f[12] = 0x88;
    f[13] = 0xB5;
    f[tbauth::OFF_TYPE] = static_cast<uint8_t>(rng.range(1, 7));
    return f;
  };

  tb::Resets resets(4);
  valid.init(rng);
  ready.init(rng);
  const uint64_t end = k.cycles + resets.left;
  while (h.cycle() < end + key_cycles) {
    const uint64_t cyc = h.cycle();
    const bool rst = resets.step(rng, k.reset_p);
    st[S_RESETS] = resets.count;
    t->rst = rst;
    // AUTH_EN changes only while the module is empty: drain (offer no new frame), then toggle
    if (!draining && rng.chance(toggle_p)) draining = true;
    if (!rst && draining && !have && exp.empty() && !offering) {
      auth_en = !auth_en;
      draining = false;
      st[S_TOGGLES]++;
    }
    if (rng.chance(kid_p)) {
      kid ^= 1;
      st[S_KIDS]++;
    }
    const bool load = !rst && rng.chance(load_p);
    const uint64_t load_value = rng.chance(0.5) ? rng.next() & 0xFFFFFFFFFFFFull : rng.below(1000);
    t->auth_en = auth_en;
    t->tx_kid = kid;
    t->pn_load = load;
    tb::put(t->pn_value, 0, 48, load_value);
    // ---- input: once valid, the beat stays until taken
    const bool von = valid.step(rng);
    if (!rst && !offering && (have || (von && !draining))) {
      if (!have) {
        cur = gen();
        cur_beat = 0;
        cur_beats = static_cast<unsigned>((cur.size() + 63) / 64);
        have = true;
      }
      offering = true;
    }
    Bytes beat = tbauth::random_bytes(rng, 64);
    uint64_t keep = 0;
    bool last = false;
    if (offering) {
      for (unsigned i = 0; i < 64; i++) {
        const size_t p = size_t(cur_beat) * 64 + i;
        if (p < cur.size()) {
          beat[i] = cur[p];
          keep |= 1ull << i;
        }
      }
      last = cur_beat + 1 == cur_beats;
    } else {
      keep = rng.next();
    }
    t->s_axis_tvalid = offering;
    tb::put_bytes(t->s_axis_tdata, DW, beat);
    tb::put(t->s_axis_tkeep, 0, 64, keep);
    t->s_axis_tlast = offering ? last : rng.chance(0.5);
    const bool rdy = ready.step(rng);
    t->m_axis_tready = rdy;
    h.settle();
    const bool in_take = offering && t->s_axis_tready;
    const bool out_take = t->m_axis_tvalid && rdy;
    if (!rst) {
      if (!auth_en) {
        if (t->s_axis_tready != rdy) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": AUTH_EN off: s_axis_tready %u, m_axis_tready %u", cyc, t->s_axis_tready, rdy));
        if (t->m_axis_tvalid != offering) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": AUTH_EN off: m_axis_tvalid %u, s_axis_tvalid %u", cyc, t->m_axis_tvalid, offering));
        if (offering && (tb::get_bytes(t->m_axis_tdata, 0, 64) != beat || tb::get64(t->m_axis_tkeep, 0, 64) != keep || t->m_axis_tlast != last)) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": AUTH_EN off: the output beat is not the input beat", cyc));
        }
      } else {
        if (offering && !t->s_axis_tready) {
          st[S_STALL]++;
          if (ready_always && st[S_CYCLES] > 0) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": the input was back-pressured while the output was always ready", cyc));
        }
        if (t->m_axis_tvalid) {
          if (exp.empty()) {
            throw tb::Fail(tb::fmt("cycle %" PRIu64 ": m_axis_tvalid with no frame accepted", cyc));
          }
          const Expected &e = exp.front();
          const unsigned nb = static_cast<unsigned>((e.bytes.size() + 63) / 64);
          // a signed frame leaves only once its tag is known
          if (out_beat == 0 && e.sign) {
            if (e.last_in == ~0ull || cyc < e.last_in + TAG_CYCLES) {
              throw tb::Fail(tb::fmt("cycle %" PRIu64 ": a signed frame's first beat out %s", cyc,
                                     e.last_in == ~0ull ? "before its last beat entered" : tb::fmt("%" PRIu64 " cycles after its last beat entered", cyc - e.last_in).c_str()));
            }
            min_lat = std::min(min_lat, cyc - e.last_in);
          }
          if (out_beat >= nb) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": beat beyond the frame's end", cyc));
          Bytes want(64, 0);
          uint64_t wkeep = 0;
          for (unsigned i = 0; i < 64; i++) {
            const size_t p = out_beat * 64 + i;
            if (p < e.bytes.size()) {
              want[i] = e.bytes[p];
              wkeep |= 1ull << i;
            }
          }
          const Bytes got = tb::get_bytes(t->m_axis_tdata, 0, 64);
          const uint64_t gkeep = tb::get64(t->m_axis_tkeep, 0, 64);
          bool same = gkeep == wkeep && t->m_axis_tlast == (out_beat + 1 == nb);
          for (unsigned i = 0; i < 64 && same; i++) same = !((wkeep >> i) & 1) || got[i] == want[i];
          if (!same) {
            throw tb::Fail(tb::fmt("cycle %" PRIu64 ": frame out %" PRIu64 " beat %zu: %s keep %016" PRIx64 " last %u, expected %s keep %016" PRIx64 " last %u",
                                   cyc, st[S_OUT], out_beat, tb::hex_bytes(got, 64).c_str(), gkeep, t->m_axis_tlast,
                                   tb::hex_bytes(want, 64).c_str(), wkeep, out_beat + 1 == nb ? 1u : 0u));
          }
        }
        if (t->m_axis_tvalid && !rdy) st[S_BP]++;
      }
    }
    h.edge();
    if (rst) {
      exp.clear();
      have = offering = draining = false;
      out_beat = 0;
      pn = 0;
      new_keys();
      resets.done();
      continue;
    }
    // ---- the reference, after the edge
    if (in_take) {
      if (auth_en) {
        if (cur_beat == 0) {
          building = Expected();
          building.bytes = cur;
          building.last_in = ~0ull;
          building.sign = tbauth::authenticated(cur);
          if (building.sign) {
            Bytes &f = building.bytes;
            f[tbauth::OFF_KID] = static_cast<uint8_t>(kid);
            tbauth::set_pn(f, pn);
            tbauth::set_icv(f, 0);
            tbauth::set_icv(f, tbauth::frame_tag(keys, f, MAXB));
            if (!load) pn = (pn + 1) & 0xFFFFFFFFFFFFull;
          }
          exp.push_back(building);
        }
        if (last) exp.back().last_in = cyc;
      }
      if (last) {
        have = false;
        st[S_IN]++;
        if (!auth_en) st[S_PASS]++;
        if (cur_beats > 1) st[S_MULTI]++;
        if (cur_beats > MAXB) st[S_OVERSIZE]++;
      } else {
        cur_beat++;
      }
      offering = false;
    }
    if (load) {
      pn = load_value;
      st[S_LOADS]++;
    }
    if (auth_en && out_take) {
      const Expected &e = exp.front();
      const unsigned nb = static_cast<unsigned>((e.bytes.size() + 63) / 64);
      if (++out_beat == nb) {
        st[e.sign ? S_SIGNED : S_UNSIGNED]++;
        st[S_OUT]++;
        exp.pop_front();
        out_beat = 0;
      }
    }
    st[S_CYCLES]++;
  }
  st[S_MINLAT] = min_lat == ~0ull ? 0 : min_lat;
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("DATA_WIDTH=%u,MAX_BEATS=%u", DW, MAXB);

}  // namespace

NR_TB_EXPORT const char *nr_tb_tx_sign_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_tx_sign_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_tx_sign_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
