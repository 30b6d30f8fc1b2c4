// Testbench of nicraft_rx_auth (one plane's receive authentication; docs/auth.md "Receive").
//
// Reference (native/tb/tb_auth_ref.h, independent of the RTL): the MAC of every frame under its key
// context, the verdict (NO_KEY, AUTH_FAIL, REPLAY, or good) and the replay window per sender kept as
// a set of the packet numbers taken (fresh: above the highest taken, or less than 32 below it and not
// taken). Random stimulus: nicraft frames of every type from senders inside and outside MAX_NODES and
// from clients, signed under random keys; forgeries (a bit flipped anywhere after signing), replays
// of earlier authentic frames, packet numbers that jump ahead, fall back inside and behind the window;
// frames naming a key context that is not installed (AUTH_KEY_VALID changes at random); other
// ethertypes, short frames, oversize frames (beyond MAX_BEATS: the last key window), MAC-error tuser;
// input gaps inside and between frames (the wire cannot be back-pressured: the module has no
// ready); AUTH_EN toggled while the plane is quiet; window clears (AUTH_REPLAY_CLEAR strobes) and
// resets at random.
// Checked every cycle: AUTH_EN on, each input beat leaves exactly LATENCY (13) cycles later, unchanged
// (data, keep, last, user), and a frame's last beat carries the reference's verdict (m_axis_drop, 0
// elsewhere); AUTH_EN off, the output is the input in the same cycle and nothing is dropped.
//
// cfg keys: seed cycles trace reset_p valid_p valid_burst gap_p bad_p replay_p back_p other_p clear_p key_p toggle_p
#include "tb_common.h"
#include "tb_auth_ref.h"

#include <deque>
#include <set>

#include "Vtb_nicraft_rx_auth.h"
#include "nicraft_wire.h"

namespace {

constexpr unsigned DW = TB_P_DATA_WIDTH;
constexpr unsigned MAXN = TB_P_MAX_NODES;
constexpr unsigned MAXB = TB_P_MAX_BEATS;
constexpr unsigned LATENCY = 13;
constexpr uint64_t W = 32;
static_assert(DW == 512, "64-byte beats");

const char *const kStats[] = {"cycles", "frames", "checked", "good", "taken", "auth_fail", "no_key", "replay", "unchecked",
                              "passthrough", "multi_beat", "oversize", "user_err", "clears", "resets", "toggles"};
enum { S_CYCLES, S_FRAMES, S_CHECKED, S_GOOD, S_TAKEN, S_AUTH_FAIL, S_NO_KEY, S_REPLAY, S_UNCHECKED, S_PASS, S_MULTI,
       S_OVERSIZE, S_USER, S_CLEARS, S_RESETS, S_TOGGLES, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_rx_auth;
using tb::Bytes;
using tbauth::Key;

struct Window {
  uint64_t top = 0;
  std::set<uint64_t> seen;
  bool fresh(uint64_t pn) const { return pn > top || (top - pn < W && !seen.count(pn)); }
  void take(uint64_t pn) {
    if (pn > top) top = pn;
    seen.insert(pn);
    while (!seen.empty() && top - *seen.begin() >= W) seen.erase(seen.begin());
  }
};

struct Frame {
  Bytes bytes;
  bool user = false;  // MAC error on the last beat
};

struct Out {  // an expected output beat
  Bytes data;
  uint64_t keep = 0;
  bool last = false, user = false;
  size_t frame = 0;
};

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  tb::Rng rng(k.seed);
  tb::OnOff valid;
  valid.p = cfg.num("valid_p", 0.8);
  valid.burst = cfg.num("valid_burst", 4);
  const double gap_p = cfg.num("gap_p", 0.1);        // a gap inside a frame (per beat)
  const double bad_p = cfg.num("bad_p", 0.1);        // a bit flipped after signing
  const double replay_p = cfg.num("replay_p", 0.08); // an earlier authentic frame again
  const double back_p = cfg.num("back_p", 0.15);     // a node frame's packet number jumps back (inside or behind the window)
  const double other_p = cfg.num("other_p", 0.08);   // another ethertype, or a short frame
  const double clear_p = cfg.num("clear_p", 0.002);  // per cycle: a replay_clear strobe
  const double key_p = cfg.num("key_p", 0.002);      // per cycle: key_valid redrawn
  const double toggle_p = cfg.num("toggle_p", 0.001);// per cycle: drain, then toggle AUTH_EN: AUTH_EN toggled
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
    key_cycles += tbauth::write_hash_keys(h, t, keys, MAXB, rng, [&]() { t->rst = 0; t->s_axis_tvalid = 0; t->replay_clear = 0; });
  };
  new_keys();
  unsigned key_valid = 0xF;
  bool auth_en = true;
  std::vector<Window> win(MAXN);
  std::vector<uint64_t> next_pn(256, 1);
  std::deque<Bytes> history;  // authentic frames sent, for replays

  auto gen = [&]() -> Frame {
    Frame f;
    if (rng.chance(other_p)) {
      f.bytes = tbauth::uncovered_frame(rng, MAXB);
      return f;
    }
    if (!history.empty() && rng.chance(replay_p)) {
      f.bytes = history[rng.below(history.size())];
      return f;
    }
    const unsigned max_len = rng.chance(0.03) ? (MAXB + 2) * 64 : MAXB * 64;
    f.bytes = tbauth::random_bytes(rng, rng.chance(0.3) ? tbauth::HDR : rng.range(tbauth::HDR, max_len));
    f.bytes[12] = 0x88;
    f.bytes[13] = 0xB5;
    f.bytes[tbauth::OFF_TYPE] = rng.chance(0.9) ? static_cast<uint8_t>(rng.range(1, 7)) : static_cast<uint8_t>(rng.below(256));
    const uint64_t sr = rng.below(10);
    const unsigned src = sr < 8 ? static_cast<unsigned>(rng.below(MAXN)) : sr == 8 ? 0xFF : static_cast<unsigned>(rng.below(256));
    f.bytes[tbauth::OFF_SRC] = static_cast<uint8_t>(src);
    f.bytes[tbauth::OFF_KID] = rng.chance(0.9) ? static_cast<uint8_t>(rng.below(2)) : static_cast<uint8_t>(rng.below(256));
    uint64_t &np = next_pn[src];
    uint64_t pn;
    if (rng.chance(back_p)) {
      pn = np > 1 ? np - 1 - rng.below(std::min<uint64_t>(np - 1, 2 * W)) : 0;
    } else {
      if (rng.chance(0.05)) np += rng.range(1, 3 * W);
      pn = np++;
    }
    if (rng.chance(0.01)) pn = rng.next() & 0xFFFFFFFFFFFFull;  // anywhere in the 48-bit space
    tbauth::set_pn(f.bytes, pn);
    tbauth::set_icv(f.bytes, tbauth::frame_tag(keys, f.bytes, MAXB));
    history.push_back(f.bytes);
    if (history.size() > 64) history.pop_front();
    if (rng.chance(bad_p)) {
      const size_t bit = rng.below(f.bytes.size() * 8);
      f.bytes[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    }
    f.user = rng.chance(0.03);
    return f;
  };

  std::vector<Frame> frames;   // frames sent since the last reset (expected beats refer to them)
  std::map<uint64_t, Out> due; // cycle -> the beat expected at the output
  Frame cur;
  size_t cur_id = 0;
  unsigned cur_beat = 0, cur_beats = 0;
  bool in_frame = false;
  uint64_t last_in = 0;        // cycle of the last input beat
  bool draining = false;
  tb::Resets resets(4);
  valid.init(rng);
  const uint64_t end = k.cycles + resets.left;
  while (h.cycle() < end + key_cycles) {
    const uint64_t cyc = h.cycle();
    const bool rst = resets.step(rng, k.reset_p);
    st[S_RESETS] = resets.count;
    t->rst = rst;
    // ---- configuration: key_valid any time, AUTH_EN only while the plane is quiet
    if (rng.chance(key_p)) key_valid = static_cast<unsigned>(rng.below(16)) | (rng.chance(0.7) ? 0xF : 0);
    if (!draining && rng.chance(toggle_p)) draining = true;   // offer no new frame until the plane is quiet
    if (!rst && draining && !in_frame && due.empty() && cyc > last_in + LATENCY + 1) {
      auth_en = !auth_en;
      draining = false;
      st[S_TOGGLES]++;
    }
    unsigned clear = 0;
    if (!rst && rng.chance(clear_p)) {
      clear = static_cast<unsigned>(rng.below(256));
      st[S_CLEARS]++;
    }
    t->auth_en = auth_en;
    t->key_valid = key_valid;
    t->replay_clear = clear;
    // ---- stimulus
    const bool on = valid.step(rng);
    bool drive = false;
    if (!rst) {
      if (!in_frame && on && !draining) {
        cur = gen();
        frames.push_back(cur);
        cur_id = frames.size() - 1;
        cur_beat = 0;
        cur_beats = static_cast<unsigned>((cur.bytes.size() + 63) / 64);
        in_frame = true;
        drive = true;
      } else if (in_frame) {
        drive = !rng.chance(gap_p);
      }
    }
    Bytes beat = tbauth::random_bytes(rng, 64);  // bytes beyond the frame are junk on the bus
    uint64_t keep = 0;
    bool last = false, user = false;
    if (drive) {
      for (unsigned i = 0; i < 64; i++) {
        const size_t p = size_t(cur_beat) * 64 + i;
        if (p < cur.bytes.size()) {
          beat[i] = cur.bytes[p];
          keep |= 1ull << i;
        }
      }
      last = cur_beat + 1 == cur_beats;
      user = last && cur.user;
    } else {
      keep = rng.next();
    }
    t->s_axis_tvalid = drive;
    tb::put_bytes(t->s_axis_tdata, DW, beat);
    tb::put(t->s_axis_tkeep, 0, 64, keep);
    t->s_axis_tlast = drive ? last : rng.chance(0.5);
    t->s_axis_tuser = drive ? user : rng.chance(0.5);
    h.settle();
    // ---- outputs
    Window *took = nullptr;
    uint64_t took_pn = 0;
    if (!rst) {
      const unsigned drop = t->m_axis_drop;
      if (!auth_en) {
        if (t->m_axis_tvalid != drive) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": AUTH_EN off: m_axis_tvalid %u, s_axis_tvalid %u", cyc, t->m_axis_tvalid, drive));
        if (drive && (tb::get_bytes(t->m_axis_tdata, 0, 64) != beat || tb::get64(t->m_axis_tkeep, 0, 64) != keep ||
                      t->m_axis_tlast != last || t->m_axis_tuser != user)) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": AUTH_EN off: the output beat is not the input beat", cyc));
        }
        if (drop != 0) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": AUTH_EN off: drop %u", cyc, drop));
      } else {
        auto it = due.find(cyc);
        const bool want = it != due.end();
        if (t->m_axis_tvalid != want) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": m_axis_tvalid %u, expected %u", cyc, t->m_axis_tvalid, want ? 1u : 0u));
        unsigned verdict = 0;
        if (want) {
          const Out &o = it->second;
          const Bytes got = tb::get_bytes(t->m_axis_tdata, 0, 64);
          if (got != o.data || tb::get64(t->m_axis_tkeep, 0, 64) != o.keep || t->m_axis_tlast != o.last || t->m_axis_tuser != o.user) {
            throw tb::Fail(tb::fmt("cycle %" PRIu64 ": frame %zu: output beat %s keep %016" PRIx64 " last %u user %u, expected %s keep %016" PRIx64 " last %u user %u",
                                   cyc, o.frame, tb::hex_bytes(got, 64).c_str(), tb::get64(t->m_axis_tkeep, 0, 64), t->m_axis_tlast, t->m_axis_tuser,
                                   tb::hex_bytes(o.data, 64).c_str(), o.keep, o.last, o.user));
          }
          if (o.last) {
            const Frame &f = frames[o.frame];
            if (!tbauth::authenticated(f.bytes)) {
              st[S_UNCHECKED]++;
            } else {
              st[S_CHECKED]++;
              const unsigned src = f.bytes[tbauth::OFF_SRC];
              const bool node = tbauth::key_class(f.bytes) == 0 && src < MAXN;
              const uint64_t pn = tbauth::pn_of(f.bytes);
              if (!((key_valid >> tbauth::key_ctx(f.bytes)) & 1)) verdict = nr::DROP_NO_KEY, st[S_NO_KEY]++;
              else if (tbauth::frame_tag(keys, f.bytes, MAXB) != tbauth::icv_of(f.bytes)) verdict = nr::DROP_AUTH_FAIL, st[S_AUTH_FAIL]++;
              else if (node && !win[src].fresh(pn)) verdict = nr::DROP_REPLAY, st[S_REPLAY]++;
              else st[S_GOOD]++;
              if (verdict == 0 && node && !f.user) {
                took = &win[src];
                took_pn = pn;
              }
            }
          }
          due.erase(it);
        }
        if (drop != verdict) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": m_axis_drop %u, expected %u%s", cyc, drop, verdict,
                                 want && it->second.last ? "" : " (not a last beat)"));
        }
      }
    }
    h.edge();
    if (rst) {
      due.clear();
      frames.clear();
      in_frame = draining = false;
      for (auto &w : win) w = Window();
      new_keys();
      resets.done();
      continue;
    }
    if (took) {
      took->take(took_pn);
      st[S_TAKEN]++;
    }
    for (unsigned n = 0; n < MAXN; n++)
      if ((clear >> n) & 1) win[n] = Window();
    if (drive) {
      last_in = cyc;
      if (auth_en) {
        Out o;
        o.data = beat;
        o.keep = keep;
        o.last = last;
        o.user = user;
        o.frame = cur_id;
        due[cyc + LATENCY] = o;
      }
      if (last) {
        in_frame = false;
        st[S_FRAMES]++;
        if (!auth_en) st[S_PASS]++;
        if (cur_beats > 1) st[S_MULTI]++;
        if (cur_beats > MAXB) st[S_OVERSIZE]++;
        if (user) st[S_USER]++;
      } else {
        cur_beat++;
      }
    }
    st[S_CYCLES]++;
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("DATA_WIDTH=%u,MAX_NODES=%u,MAX_BEATS=%u", DW, MAXN, MAXB);

}  // namespace

NR_TB_EXPORT const char *nr_tb_rx_auth_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_rx_auth_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_rx_auth_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
