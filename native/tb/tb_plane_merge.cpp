// Testbench of nicraft_plane_merge (merge of the plane buffers: copy suppression, ACK path, round robin).
//
// PLANES sources play the plane buffers: frames of random length, offered with random gaps (a frame,
// once started, may also pause), held until s_axis_tready. Each frame carries a key, key_valid and
// is_ack (one-beat frames only) and is_req (other frames, at random) beside every beat. Keys are drawn so that copies are common: a frame
// is sent on every plane (the copies arrive with random skew), or repeated on one plane, or carries
// a fresh key; a small key space makes old keys come back after the window forgot them. plane_en
// changes now and then; the sink back-pressures at random; `now` starts at a random 32-bit value
// (so it wraps), and an optional reset hits in mid-run.
//
// Reference model (the specification, written apart from the RTL's structure): every plane's beats
// pass two registers, A then B (a beat reaches B two cycles after it left the buffer at the
// earliest; B takes A's beat when B is empty or its beat leaves, A takes the buffer's beat when A is
// empty or moves on; key, key_valid and is_ack travel with the beat as they were at the buffer).
// On the B heads, combinationally: a first beat on a disabled plane is dropped (off); a first beat
// with a valid key equal to a live window entry (written, now - ts < WINDOW_CYCLES) or to the key of
// a lower plane's enabled first beat with a valid key is a copy, dropped whole (dup); the rest are
// ACK candidates (is_ack: the lowest plane's goes to the ACK path) or main candidates (round robin
// after the last winner, locked to a plane until a multi-beat frame's last beat). The main key and
// then the ACK key taken in a cycle enter the window (a ring of WINDOW entries, time-stamped).
// Checked every cycle: s_axis_tready, m_axis_* (valid, data, keep, last, len, first), the ACK port
// and the dup/off drop pulses, and req_dup_drop: a dup drop of a frame whose first beat had is_req.
//
// cfg keys: seed cycles reset_p trace in_p in_burst out_p out_burst min_beats max_beats copy_p
//           repeat_p ack_p kv_p req_p skew keys en_p now0
#include "tb_common.h"

#include <deque>

#include "Vtb_nicraft_plane_merge.h"

namespace {

constexpr unsigned P = TB_P_PLANES;
constexpr unsigned DATA_WIDTH = TB_P_DATA_WIDTH;
constexpr unsigned KEEP_WIDTH = TB_P_KEEP_WIDTH;
constexpr unsigned KEY_WIDTH = TB_P_KEY_WIDTH;
constexpr unsigned WINDOW = TB_P_WINDOW;
constexpr uint32_t WINDOW_CYCLES = TB_P_WINDOW_CYCLES;
static_assert(P >= 1 && P <= 3, "PLANES 1..3");
static_assert(KEY_WIDTH <= 128, "the testbench keeps keys in 128 bits");

const char *const kStats[] = {
    "cycles", "frames_in", "beats_in", "frames_main", "beats_main", "frames_ack", "dup_drops", "off_drops",
    "window_hits", "lower_plane_hits", "out_stall_cycles", "locked_gap_cycles", "resets", "expired_key_reuse",
    "both_paths_cycles", "en_changes", "req_dup_drops",
};
enum {
  S_CYCLES, S_FRAMES_IN, S_BEATS_IN, S_FRAMES_MAIN, S_BEATS_MAIN, S_FRAMES_ACK, S_DUP, S_OFF, S_WIN_HITS, S_LOWER_HITS,
  S_OUT_STALL, S_LOCKED_GAP, S_RESETS, S_EXPIRED_REUSE, S_BOTH, S_EN_CHANGES, S_REQ_DUP, S_N
};
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_plane_merge;

struct Key {
  uint64_t lo = 0, hi = 0;
  bool operator==(const Key &o) const { return lo == o.lo && hi == o.hi; }
};

struct PBeat {
  tb::Words data, keep;
  bool last = false;
  uint16_t len = 0;
  Key key;
  bool kv = false, ack = false, req = false;
  uint64_t frame = 0;
  unsigned index = 0;
};

struct Stage {
  bool valid = false;
  PBeat b;
};

Key key_mask(Key k) {
  if (KEY_WIDTH < 64) { k.lo &= (1ULL << KEY_WIDTH) - 1; k.hi = 0; }
  else if (KEY_WIDTH < 128) k.hi &= (1ULL << (KEY_WIDTH - 64)) - 1;
  return k;
}

void put_key(Top *t, unsigned p, const Key &k) {
  uint32_t w[4] = {uint32_t(k.lo), uint32_t(k.lo >> 32), uint32_t(k.hi), uint32_t(k.hi >> 32)};
  tb::put(t->s_key, p * KEY_WIDTH, KEY_WIDTH, w);
}

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  tb::Rng rng(k.seed);
  const double in_p = cfg.num("in_p", 0.7);
  const double in_burst = cfg.num("in_burst", 1.0);
  tb::OnOff sink;
  sink.p = cfg.num("out_p", 0.8);
  sink.burst = cfg.num("out_burst", 1.0);
  const unsigned min_beats = static_cast<unsigned>(cfg.u64("min_beats", 1));
  const unsigned max_beats = static_cast<unsigned>(cfg.u64("max_beats", 3));
  const double copy_p = cfg.num("copy_p", 0.6);      // a frame goes to every enabled plane
  const double repeat_p = cfg.num("repeat_p", 0.1);  // a recent key again, on one plane
  const double ack_p = cfg.num("ack_p", 0.3);        // a one-beat frame is an ACK-path frame
  const double kv_p = cfg.num("kv_p", 0.9);          // key_valid
  const double req_p = cfg.num("req_p", 0.4);        // is_req (a frame not for the ACK path)
  const unsigned skew = static_cast<unsigned>(cfg.u64("skew", 6));  // most cycles between copies
  const uint64_t keys = std::max<uint64_t>(1, cfg.u64("keys", 1u << 20));  // key space of fresh keys
  const double en_p = cfg.num("en_p", 0.0005);       // chance per cycle that plane_en changes
  const uint64_t now0 = cfg.u64("now0", rng.next() & 0xffffffffULL);
  cfg.done();
  if (min_beats < 1 || max_beats < min_beats) throw tb::BadConfig("need 1 <= min_beats <= max_beats");

  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  std::vector<tb::OnOff> src_on(P);
  for (auto &o : src_on) { o.p = in_p; o.burst = in_burst; o.init(rng); }
  sink.init(rng);

  // ---- stimulus: per-plane beat queues, fed by a frame scheduler
  struct Pending { uint64_t at; unsigned plane; std::vector<PBeat> beats; };
  std::vector<std::deque<PBeat>> q(P);      // beats ready to offer, per plane
  std::vector<Pending> later;               // copies waiting for their skew
  std::deque<Key> recent;                   // keys sent lately (for repeats)
  uint64_t next_frame = 0;
  auto make_frame = [&](const Key &key, bool kv) {
    unsigned n = static_cast<unsigned>(rng.range(min_beats, max_beats));
    const bool ack = n == 1 && rng.chance(ack_p);
    const bool req = !ack && rng.chance(req_p);
    std::vector<PBeat> f(n);
    const uint64_t id = next_frame++;
    uint16_t len = static_cast<uint16_t>(rng.range(1, 0xffff));
    for (unsigned i = 0; i < n; i++) {
      PBeat &b = f[i];
      b.data = tb::random_words(rng, DATA_WIDTH);
      if (DATA_WIDTH >= 32) b.data[0] = static_cast<uint32_t>((id << 8) | (i & 0xff));
      b.keep = tb::random_words(rng, KEEP_WIDTH);
      b.last = i + 1 == n;
      b.len = len;
      b.key = key;
      b.kv = kv;
      b.ack = ack;
      b.req = req;
      b.frame = id;
      b.index = i;
    }
    return f;
  };
  auto schedule = [&](uint64_t cyc) {
    // at most one new frame (with its copies) per cycle, when the planes are not too far behind
    size_t backlog = later.size();
    for (auto &x : q) backlog += x.size();
    if (backlog > 24 * P || !rng.chance(in_p)) return;
    Key key;
    if (!recent.empty() && rng.chance(repeat_p)) {
      key = recent[rng.below(recent.size())];
    } else {
      key.lo = rng.below(keys);
      key.hi = rng.below(4);
      key = key_mask(key);
    }
    const bool kv = rng.chance(kv_p);
    recent.push_back(key);
    if (recent.size() > 4 * WINDOW) recent.pop_front();
    auto f = make_frame(key, kv);
    if (P > 1 && rng.chance(copy_p)) {
      for (unsigned p = 0; p < P; p++) later.push_back({cyc + rng.below(skew + 1), p, f});
    } else {
      later.push_back({cyc, static_cast<unsigned>(rng.below(P)), f});
    }
  };

  // ---- reference model state
  std::vector<Stage> A(P), B(P);
  std::vector<bool> mid(P, false), drop(P, false), drop_off(P, false), drop_req(P, false);
  bool locked = false;
  unsigned locked_sel = 0, last_sel = 0;
  struct Entry { Key key; uint32_t ts = 0; bool valid = false; };
  std::vector<Entry> win(WINDOW);
  unsigned win_ptr = 0;
  unsigned plane_en = (1u << P) - 1;
  std::vector<bool> holding(P, false);      // a beat is offered and must stay until taken

  auto clear = [&] {
    for (auto &s : A) s.valid = false;
    for (auto &s : B) s.valid = false;
    std::fill(mid.begin(), mid.end(), false);
    std::fill(drop.begin(), drop.end(), false);
    std::fill(drop_off.begin(), drop_off.end(), false);
    std::fill(drop_req.begin(), drop_req.end(), false);
    locked = false;
    locked_sel = last_sel = 0;
    for (auto &e : win) e.valid = false;
    win_ptr = 0;
  };

  unsigned reset_left = 3;
  uint64_t now = now0;  // the DUT's `now`: +1 every cycle
  const uint64_t end = k.cycles + reset_left;
  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    if (reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = static_cast<unsigned>(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    t->rst = rst;
    if (!rst && rng.chance(en_p)) {
      plane_en = static_cast<unsigned>(rng.below(1u << P));
      st[S_EN_CHANGES]++;
    }
    // offer beats
    if (!rst) schedule(cyc);
    for (size_t i = 0; i < later.size();) {
      if (later[i].at <= cyc) {
        for (auto &b : later[i].beats) q[later[i].plane].push_back(b);
        later.erase(later.begin() + long(i));
      } else {
        i++;
      }
    }
    unsigned vmask = 0;
    for (unsigned p = 0; p < P; p++) {
      const bool on = src_on[p].step(rng);
      if (rst) holding[p] = false;
      if (!holding[p] && !q[p].empty() && on) holding[p] = true;
      if (holding[p]) {
        const PBeat &b = q[p].front();
        vmask |= 1u << p;
        tb::put(t->s_axis_tdata, p * DATA_WIDTH, DATA_WIDTH, b.data.data());
        tb::put(t->s_axis_tkeep, p * KEEP_WIDTH, KEEP_WIDTH, b.keep.data());
        tb::put(t->s_axis_tlast, p, 1, b.last);
        tb::put(t->s_len, p * 16, 16, b.len);
        put_key(t, p, b.key);
        tb::put(t->s_key_valid, p, 1, b.kv);
        tb::put(t->s_is_ack, p, 1, b.ack);
        tb::put(t->s_is_req, p, 1, b.req);
      } else {
        // nothing offered: the other inputs are noise
        tb::put(t->s_axis_tdata, p * DATA_WIDTH, DATA_WIDTH, tb::random_words(rng, DATA_WIDTH).data());
        tb::put(t->s_axis_tlast, p, 1, rng.chance(0.5));
        Key junk; junk.lo = rng.next(); junk.hi = rng.next();
        put_key(t, p, key_mask(junk));
        tb::put(t->s_key_valid, p, 1, rng.chance(0.5));
        tb::put(t->s_is_ack, p, 1, rng.chance(0.5));
        tb::put(t->s_is_req, p, 1, rng.chance(0.5));
      }
    }
    tb::put(t->s_axis_tvalid, 0, P, vmask);
    tb::put(t->plane_en, 0, P, plane_en);
    t->now = static_cast<uint32_t>(now);
    const bool ready = sink.step(rng);
    t->m_axis_tready = ready;
    h.settle();

    // ---- the model's combinational decision on the B heads
    std::vector<bool> first(P), off(P), dup(P), cand_main(P), cand_ack(P);
    for (unsigned p = 0; p < P; p++) {
      first[p] = B[p].valid && !mid[p];
      const bool en = (plane_en >> p) & 1;
      off[p] = first[p] && !en;
      dup[p] = false;
      if (first[p] && en && B[p].b.kv) {
        bool expired = false;
        for (const Entry &e : win) {
          if (!e.valid || !(e.key == B[p].b.key)) continue;
          if (uint32_t(uint32_t(now) - e.ts) < WINDOW_CYCLES) { dup[p] = true; st[S_WIN_HITS]++; break; }
          expired = true;
        }
        if (expired && !dup[p]) st[S_EXPIRED_REUSE]++;
        for (unsigned r = 0; r < p && !dup[p]; r++) {
          if (first[r] && ((plane_en >> r) & 1) && B[r].b.kv && B[r].b.key == B[p].b.key) { dup[p] = true; st[S_LOWER_HITS]++; }
        }
      }
      cand_ack[p] = first[p] && en && !dup[p] && B[p].b.ack;
      cand_main[p] = first[p] && en && !dup[p] && !B[p].b.ack;
    }
    unsigned sel = locked_sel;
    bool sel_valid = false;
    if (locked) {
      sel_valid = B[locked_sel].valid;
    } else {
      for (unsigned i = 1; i <= P; i++) {
        unsigned p = (last_sel + i) % P;
        if (cand_main[p]) { sel = p; sel_valid = true; break; }
      }
      if (!sel_valid) sel = last_sel;
    }
    int ack_sel = -1;
    for (unsigned p = 0; p < P; p++) if (cand_ack[p]) { ack_sel = int(p); break; }
    const bool main_go = sel_valid && ready;
    std::vector<bool> pop(P), b_load(P), a_load(P);
    unsigned exp_ready = 0, exp_dup = 0, exp_off = 0, exp_req = 0;
    for (unsigned p = 0; p < P; p++) {
      pop[p] = (B[p].valid && mid[p] && drop[p]) || off[p] || dup[p] || ack_sel == int(p) || (main_go && sel == p);
      b_load[p] = !B[p].valid || pop[p];
      a_load[p] = !A[p].valid || b_load[p];
      if (a_load[p]) exp_ready |= 1u << p;
      if (B[p].valid && B[p].b.last && ((mid[p] && drop[p] && !drop_off[p]) || dup[p])) exp_dup |= 1u << p;
      if (B[p].valid && B[p].b.last && ((mid[p] && drop[p] && drop_off[p]) || off[p])) exp_off |= 1u << p;
      if (B[p].valid && B[p].b.last && ((mid[p] && drop[p] && !drop_off[p] && drop_req[p]) || (dup[p] && B[p].b.req))) exp_req |= 1u << p;
    }

    // ---- compare
    st[S_CYCLES]++;
    auto fail = [&](const std::string &what) {
      throw tb::Fail(tb::fmt("cycle %" PRIu64 " (now %08" PRIx64 "): %s [locked %d to %u, last %u, plane_en %x, ready %d]", cyc,
                             now & 0xffffffffULL, what.c_str(), locked, locked_sel, last_sel, plane_en, ready));
    };
    const unsigned got_ready = static_cast<unsigned>(tb::get64(t->s_axis_tready, 0, P));
    if (got_ready != exp_ready) fail(tb::fmt("s_axis_tready expected %x, got %x", exp_ready, got_ready));
    if (t->m_axis_tvalid != sel_valid) fail(tb::fmt("m_axis_tvalid expected %d (plane %u), got %d", sel_valid, sel, t->m_axis_tvalid));
    if (sel_valid) {
      const PBeat &e = B[sel].b;
      if (tb::get(t->m_axis_tdata, 0, DATA_WIDTH) != e.data) fail(tb::fmt("m_axis_tdata of plane %u frame %" PRIu64 " beat %u differs: got %s", sel, e.frame, e.index, tb::hex(tb::get(t->m_axis_tdata, 0, DATA_WIDTH)).c_str()));
      if (tb::get(t->m_axis_tkeep, 0, KEEP_WIDTH) != e.keep) fail("m_axis_tkeep differs");
      if (t->m_axis_tlast != e.last) fail(tb::fmt("m_axis_tlast expected %d", e.last));
      if (t->m_len != e.len) fail(tb::fmt("m_len expected %u, got %u", e.len, unsigned(t->m_len)));
      if (t->m_first != !locked) fail(tb::fmt("m_first expected %d", !locked));
    }
    if (t->m_ack_valid != (ack_sel >= 0)) fail(tb::fmt("m_ack_valid expected %d (plane %d), got %d", ack_sel >= 0, ack_sel, t->m_ack_valid));
    if (ack_sel >= 0 && tb::get(t->m_ack_data, 0, DATA_WIDTH) != B[ack_sel].b.data) fail(tb::fmt("m_ack_data of plane %d differs", ack_sel));
    const unsigned got_dup = static_cast<unsigned>(tb::get64(t->dup_drop, 0, P));
    const unsigned got_off = static_cast<unsigned>(tb::get64(t->off_drop, 0, P));
    if (got_dup != exp_dup) fail(tb::fmt("dup_drop expected %x, got %x", exp_dup, got_dup));
    if (got_off != exp_off) fail(tb::fmt("off_drop expected %x, got %x", exp_off, got_off));
    const unsigned got_req = static_cast<unsigned>(tb::get64(t->req_dup_drop, 0, P));
    if (got_req != exp_req) fail(tb::fmt("req_dup_drop expected %x, got %x", exp_req, got_req));
    if (sel_valid && !ready) st[S_OUT_STALL]++;
    if (locked && !sel_valid) st[S_LOCKED_GAP]++;
    if (main_go && ack_sel >= 0) st[S_BOTH]++;

    // ---- the edge
    std::vector<bool> taken(P, false);
    for (unsigned p = 0; p < P; p++) taken[p] = ((vmask >> p) & 1) && a_load[p];
    h.edge();
    now++;
    if (rst) {
      clear();  // a beat offered during the reset stays offered
      reset_left--;
      continue;
    }
    // window: main key first, then the ACK key
    auto insert = [&](const Key &key) {
      Entry &e = win[win_ptr];
      e.key = key;
      e.ts = uint32_t(now - 1);
      e.valid = true;
      win_ptr = (win_ptr + 1) % WINDOW;
    };
    if (main_go && !locked && B[sel].b.kv) insert(B[sel].b.key);
    if (ack_sel >= 0 && B[ack_sel].b.kv) insert(B[ack_sel].b.key);
    if (main_go) {
      st[S_BEATS_MAIN]++;
      if (B[sel].b.last) st[S_FRAMES_MAIN]++;
      last_sel = sel;
      if (B[sel].b.last) locked = false;
      else { locked = true; locked_sel = sel; }
    }
    if (ack_sel >= 0) st[S_FRAMES_ACK]++;
    for (unsigned p = 0; p < P; p++) {
      if (B[p].valid && B[p].b.last && dup[p]) st[S_DUP]++;
      if (B[p].valid && B[p].b.last && ((mid[p] && drop[p] && !drop_off[p]))) st[S_DUP]++;
      if (B[p].valid && B[p].b.last && (off[p] || (mid[p] && drop[p] && drop_off[p]))) st[S_OFF]++;
      if ((exp_req >> p) & 1) st[S_REQ_DUP]++;
      if (pop[p]) {
        if (B[p].b.last) { mid[p] = false; drop[p] = false; }
        else {
          if (!mid[p]) { drop[p] = off[p] || dup[p]; drop_off[p] = off[p]; drop_req[p] = dup[p] && B[p].b.req; }
          mid[p] = true;
        }
      }
      if (b_load[p]) B[p] = A[p];
      if (a_load[p]) {
        A[p].valid = taken[p];
        if (taken[p]) {
          A[p].b = q[p].front();
          q[p].pop_front();
          holding[p] = false;
          st[S_BEATS_IN]++;
          if (A[p].b.last) st[S_FRAMES_IN]++;
        }
      }
    }
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("PLANES=%u,DATA_WIDTH=%u,KEEP_WIDTH=%u,KEY_WIDTH=%u,WINDOW=%u,WINDOW_CYCLES=%u", P, DATA_WIDTH,
                                    KEEP_WIDTH, KEY_WIDTH, WINDOW, unsigned(WINDOW_CYCLES));

}  // namespace

NR_TB_EXPORT const char *nr_tb_plane_merge_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_plane_merge_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_plane_merge_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
