// Testbench of nicraft_quorum (commit quorum over match indexes).
//
// Reference: for match indexes m[0..MAX_NODES), a member mask and a quorum size q, the quorum index
// is the largest N such that at least q members have m >= N, over N in the members' own indexes:
// the q-th largest member index. Nothing when q == 0, when there are no members, or when q exceeds
// the member count (quorum_valid 0, quorum_index 0). Two independent formulations are computed
// (brute force over the candidates, and sort then take the q-th) and must agree before the DUT is
// compared. Non-members carry random indexes that must not count.
//
// Timing: the module has two register stages (stage 1: the pairwise compares and the per-member
// "held by a quorum" flags; stage 2: the largest flagged index), so the output in cycle t answers the
// inputs of cycle t-2; a reset clears every stage (valid 0, index 0) and the inputs are checked
// through it.
//
// Inputs: either random (member masks biased to interesting cases, q around the majority and
// anywhere in 0..15, indexes from a narrow window so ties are common, anywhere, or at the extremes
// 0 and 2^INDEX_WIDTH-1; hold_p keeps the previous inputs for a while, as in the NIC), or with
// exhaustive=1 every combination of indexes (in 0..2^INDEX_WIDTH-1), member masks and q in 0..15,
// one per cycle (only when that is at most 2^24 combinations).
//
// self_sel/self_index: a random slot (or none) is answered by self_index, as the leader's own slot is
// by its last index; the references count with that view.
//
// cfg keys: seed cycles reset_p trace hold_p exhaustive window
#include "tb_common.h"

#include "Vtb_nicraft_quorum.h"

namespace {

constexpr unsigned N = TB_P_MAX_NODES;
constexpr unsigned W = TB_P_INDEX_WIDTH;
constexpr unsigned LATENCY = 2;
constexpr uint64_t IDX_MASK = W >= 64 ? ~0ULL : ((1ULL << W) - 1);
static_assert(W <= 64, "the testbench handles INDEX_WIDTH up to 64");

const char *const kStats[] = {
    "cycles", "checks", "valid_cycles", "invalid_cycles", "q0_inputs", "no_member_inputs", "q_over_members_inputs",
    "tie_inputs", "max_index_inputs", "resets", "combinations", "self_member_inputs",
};
enum { S_CYCLES, S_CHECKS, S_VALID, S_INVALID, S_Q0, S_NO_MEMBERS, S_Q_OVER, S_TIES, S_MAX_INDEX, S_RESETS, S_COMBOS, S_SELF, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_quorum;

struct In {
  uint64_t m[N];
  unsigned members = 0, q = 0;
  unsigned self_sel = 0;     // one-hot or 0: the slot answered by self_index (the leader's own)
  uint64_t self_index = 0;
  /** slot i's index as the quorum counts it */
  uint64_t v(unsigned i) const { return ((self_sel >> i) & 1) ? self_index : m[i]; }
};
struct Out {
  uint64_t index = 0;
  bool valid = false;
};

Out brute(const In &in) {
  Out o;
  if (in.q == 0) return o;
  for (unsigned i = 0; i < N; i++) {
    if (!((in.members >> i) & 1)) continue;
    unsigned cnt = 0;
    for (unsigned j = 0; j < N; j++) cnt += ((in.members >> j) & 1) && in.v(j) >= in.v(i);
    if (cnt >= in.q && (!o.valid || in.v(i) > o.index)) {
      o.index = in.v(i);
      o.valid = true;
    }
  }
  return o;
}

Out kth(const In &in) {
  std::vector<uint64_t> v;
  for (unsigned i = 0; i < N; i++) {
    if ((in.members >> i) & 1) v.push_back(in.v(i));
  }
  std::sort(v.begin(), v.end(), [](uint64_t a, uint64_t b) { return a > b; });
  Out o;
  if (in.q == 0 || in.q > v.size()) return o;
  o.index = v[in.q - 1];
  o.valid = true;
  return o;
}

std::string show(const In &in) {
  std::string s = tb::fmt("members=%0*x quorum=%u match=[", int((N + 3) / 4), in.members, in.q);
  for (unsigned i = 0; i < N; i++) s += tb::fmt("%s%" PRIu64 "%s", i ? " " : "", in.m[i], ((in.members >> i) & 1) ? "" : "*");
  if (in.self_sel) s += tb::fmt("] self_sel=%0*x self_index=%" PRIu64, int((N + 3) / 4), in.self_sel, in.self_index);
  else s += "]";
  return s + " (* = not a member)";
}

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  const double hold_p = cfg.num("hold_p", 0.0);
  const bool exhaustive = cfg.u64("exhaustive", 0) != 0;
  const uint64_t window = std::max<uint64_t>(1, cfg.u64("window", 8));
  cfg.done();
  tb::Rng rng(k.seed);

  uint64_t combos = 0;
  if (exhaustive) {
    const unsigned bits = N * W + N + 4;
    if (bits > 24) throw tb::BadConfig(tb::fmt("exhaustive: 2^%u combinations is too many", bits));
    combos = uint64_t{1} << (bits % 64);
    k.cycles = combos + LATENCY;
    k.reset_p = 0;
    st[S_COMBOS] = combos;
  }

  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  Out stage[LATENCY];  // the model's register stages: stage[LATENCY-1] is the output
  In in{};
  In past[LATENCY] = {};  // the inputs of the last LATENCY cycles, for failure messages
  uint64_t combo = 0;

  auto draw = [&]() {
    if (exhaustive) {
      uint64_t c = combo < combos ? combo : 0;
      combo++;
      in.q = static_cast<unsigned>(c & 15);
      c >>= 4;
      in.members = static_cast<unsigned>(c & ((1u << N) - 1));
      c >>= N;
      for (unsigned i = 0; i < N; i++) {
        in.m[i] = c & IDX_MASK;
        c >>= W;
      }
      return;
    }
    if (rng.chance(hold_p)) return;
    const unsigned all = (1u << N) - 1;
    switch (rng.below(6)) {
      case 0: in.members = all; break;
      case 1: in.members = 0; break;
      default: in.members = static_cast<unsigned>(rng.next()) & all; break;
    }
    const unsigned pop = static_cast<unsigned>(__builtin_popcount(in.members));
    switch (rng.below(4)) {
      case 0: in.q = static_cast<unsigned>(rng.below(16)); break;
      case 1: in.q = pop; break;
      default: in.q = pop / 2 + 1; break;
    }
    const uint64_t mode = rng.below(5);
    const uint64_t base = rng.next() & IDX_MASK;
    for (unsigned i = 0; i < N; i++) {
      uint64_t v;
      switch (mode) {
        case 0: v = rng.next(); break;                                  // anywhere
        case 1: v = rng.chance(0.5) ? 0 : IDX_MASK; break;              // the extremes
        case 2: v = IDX_MASK - rng.below(window); break;                 // near the top
        case 3: v = rng.below(window); break;                            // near zero
        default: v = base + rng.below(window); break;                   // a window: ties
      }
      in.m[i] = v & IDX_MASK;
    }
    // the own slot: most often one (the leader's), its index near the others (ties) or anywhere
    in.self_sel = rng.chance(0.7) ? 1u << rng.below(N) : 0u;
    in.self_index = (rng.chance(0.5) ? in.m[rng.below(N)] + rng.below(3) : rng.next()) & IDX_MASK;
  };

  unsigned reset_left = 3;
  const uint64_t end = k.cycles + reset_left;
  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    if (reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = static_cast<unsigned>(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    t->rst = rst;
    if (!(rst && exhaustive)) draw();
    for (unsigned i = 0; i < N; i++) tb::put(t->match_index, i * W, W, in.m[i]);
    tb::put(t->members, 0, N, in.members);
    tb::put(t->self_sel, 0, N, in.self_sel);
    tb::put(t->self_index, 0, W, in.self_index);
    t->quorum = in.q & 15;
    h.settle();

    st[S_CYCLES]++;
    const uint64_t got_index = tb::get64(t->quorum_index, 0, W);
    const bool got_valid = t->quorum_valid;
    const Out &want = stage[LATENCY - 1];
    if (got_index != want.index || got_valid != want.valid) {
      throw tb::Fail(tb::fmt("cycle %" PRIu64 ": quorum_index/valid expected %" PRIu64 "/%d, got %" PRIu64 "/%d "
                             "(answering the inputs %u cycles earlier: %s)", cyc, want.index, want.valid, got_index, got_valid,
                             LATENCY, show(past[LATENCY - 1]).c_str()));
    }
    st[S_CHECKS]++;
    if (got_valid) st[S_VALID]++;
    else st[S_INVALID]++;

    const Out a = brute(in), b = kth(in);
    if (a.valid != b.valid || a.index != b.index) {
      throw tb::Fail("testbench: the two references disagree for " + show(in));
    }
    const unsigned pop = static_cast<unsigned>(__builtin_popcount(in.members));
    if (in.q == 0) st[S_Q0]++;
    if (pop == 0) st[S_NO_MEMBERS]++;
    if (in.q > pop) st[S_Q_OVER]++;
    if (in.self_sel & in.members) st[S_SELF]++;
    if (a.valid) {
      unsigned at = 0;
      for (unsigned i = 0; i < N; i++) at += ((in.members >> i) & 1) && in.m[i] == a.index;
      if (at > 1) st[S_TIES]++;
      if (a.index == IDX_MASK) st[S_MAX_INDEX]++;
    }
    h.edge();
    for (unsigned i = LATENCY - 1; i > 0; i--) stage[i] = rst ? Out() : stage[i - 1];
    stage[0] = rst ? Out() : a;
    for (unsigned i = LATENCY - 1; i > 0; i--) past[i] = past[i - 1];
    past[0] = in;
    if (rst) reset_left--;
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("MAX_NODES=%u,INDEX_WIDTH=%u", N, W);

}  // namespace

NR_TB_EXPORT const char *nr_tb_quorum_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_quorum_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_quorum_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
