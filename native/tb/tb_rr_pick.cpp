// Testbench of nicraft_rr_pick (round-robin pick, combinational).
//
// Reference: for a request mask req and a last winner `last` (any SEL_WIDTH-bit value, counted modulo
// PORTS), the pick is the first requester in the order last+1, last+2, ... (mod PORTS); found is
// req != 0; with no request, sel == last. Inputs are drawn at random (masks biased to one requester,
// all, none) or, with exhaustive=1, every (req, last) pair once. A fairness run also uses the module
// as an arbiter would (last = the previous winner, requests held until granted) and checks that no
// requester waits for more than PORTS-1 other grants. The module's own assertions (one granted
// requester, none skipped) are compiled in.
//
// cfg keys: seed cycles trace exhaustive arbiter hold_p
#include "tb_common.h"

#include "Vtb_nicraft_rr_pick.h"

namespace {

constexpr unsigned PORTS = TB_P_PORTS;
constexpr unsigned SEL_WIDTH = PORTS > 1 ? (PORTS <= 2 ? 1 : PORTS <= 4 ? 2 : 3) : 1;
static_assert(PORTS >= 1 && PORTS <= 8, "PORTS 1..8");

const char *const kStats[] = {"checks", "found", "none", "last_out_of_range", "combinations", "grants", "max_wait"};
enum { S_CHECKS, S_FOUND, S_NONE, S_LAST_OOR, S_COMBOS, S_GRANTS, S_MAX_WAIT, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_rr_pick;

struct Pick { unsigned sel; bool found; };

Pick reference(unsigned req, unsigned last) {
  for (unsigned i = 1; i <= PORTS; i++) {
    unsigned p = (last + i) % PORTS;
    if ((req >> p) & 1) return {p, true};
  }
  return {last, false};
}

void run(tb::Config &cfg, tb::Stats &st) {
  const uint64_t seed = cfg.u64("seed", 1);
  uint64_t cycles = cfg.u64("cycles", 100000);
  const std::string trace = cfg.str("trace", "");
  const bool exhaustive = cfg.u64("exhaustive", 0) != 0;
  const bool arbiter = cfg.u64("arbiter", 0) != 0;
  const double hold_p = cfg.num("hold_p", 0.7);
  cfg.done();
  (void)trace;
  tb::Rng rng(seed);
  std::unique_ptr<VerilatedContext> ctx(new VerilatedContext);
  ctx->fatalOnError(false);
  std::unique_ptr<Top> t(new Top{ctx.get(), "tb"});
  const unsigned all = (1u << PORTS) - 1;
  const unsigned last_values = 1u << SEL_WIDTH;

  auto check = [&](unsigned req, unsigned last, uint64_t n) {
    t->req = req;
    t->last = last;
    t->eval();
    if (ctx->gotFinish()) throw tb::Fail(tb::fmt("check %" PRIu64 ": the model stopped (a failed assertion: see its message above) for req %x last %u", n, req, last));
    const Pick want = reference(req, last);
    if (t->found != want.found || t->sel != want.sel) {
      throw tb::Fail(tb::fmt("check %" PRIu64 ": req %x last %u: expected sel %u found %d, got sel %u found %d", n, req, last,
                             want.sel, want.found, unsigned(t->sel), unsigned(t->found)));
    }
    st[S_CHECKS]++;
    if (want.found) st[S_FOUND]++;
    else st[S_NONE]++;
    if (last >= PORTS) st[S_LAST_OOR]++;
    return want;
  };

  if (exhaustive) {
    uint64_t n = 0;
    for (unsigned last = 0; last < last_values; last++)
      for (unsigned req = 0; req <= all; req++) check(req, last, n++);
    st[S_COMBOS] = n;
    return;
  }
  if (arbiter) {
    // requesters hold their request until granted; last = the previous winner
    unsigned req = 0, last = 0;
    std::vector<uint64_t> waited(PORTS, 0);
    for (uint64_t c = 0; c < cycles; c++) {
      for (unsigned p = 0; p < PORTS; p++) if (!((req >> p) & 1) && !rng.chance(hold_p)) req |= 1u << p;
      const Pick g = check(req, last, c);
      if (!g.found) continue;
      st[S_GRANTS]++;
      for (unsigned p = 0; p < PORTS; p++) {
        if (p == g.sel || !((req >> p) & 1)) continue;
        if (++waited[p] > PORTS - 1) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": port %u starves (%" PRIu64 " grants to others)", c, p, waited[p]));
        st[S_MAX_WAIT] = std::max<uint64_t>(st[S_MAX_WAIT], waited[p]);
      }
      waited[g.sel] = 0;
      req &= ~(1u << g.sel);
      last = g.sel;
    }
    return;
  }
  for (uint64_t c = 0; c < cycles; c++) {
    unsigned req;
    switch (rng.below(5)) {
      case 0: req = 0; break;
      case 1: req = all; break;
      case 2: req = 1u << rng.below(PORTS); break;
      default: req = static_cast<unsigned>(rng.next()) & all; break;
    }
    check(req, static_cast<unsigned>(rng.below(last_values)), c);
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("PORTS=%u", PORTS);

}  // namespace

NR_TB_EXPORT const char *nr_tb_rr_pick_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_rr_pick_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_rr_pick_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
