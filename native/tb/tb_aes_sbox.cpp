// Testbench of nicraft_aes_sbox (the AES S-box ROM, combinational).
//
// Reference: the S-box computed from its definition (FIPS-197 section 5.1.1), not from a table: the
// multiplicative inverse in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (0 maps to 0), then the affine map
// b'_i = b_i ^ b_(i+4) ^ b_(i+5) ^ b_(i+6) ^ b_(i+7) ^ c_i with c = 0x63. Every input once
// (exhaustive=1), or random inputs (cycles).
//
// cfg keys: seed cycles trace exhaustive
#include "tb_common.h"

#include "Vtb_nicraft_aes_sbox.h"

namespace {

const char *const kStats[] = {"checks", "combinations"};
enum { S_CHECKS, S_COMBOS, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_aes_sbox;

unsigned gmul(unsigned a, unsigned b) {
  unsigned p = 0;
  for (int i = 0; i < 8; i++) {
    if (b & 1) p ^= a;
    const bool hi = a & 0x80;
    a = (a << 1) & 0xff;
    if (hi) a ^= 0x1b;
    b >>= 1;
  }
  return p;
}

unsigned reference(unsigned x) {
  unsigned inv = 0;
  if (x != 0)
    for (unsigned y = 1; y < 256; y++)
      if (gmul(x, y) == 1) { inv = y; break; }
  unsigned out = 0;
  for (int i = 0; i < 8; i++) {
    const unsigned bit = ((inv >> i) ^ (inv >> ((i + 4) % 8)) ^ (inv >> ((i + 5) % 8)) ^ (inv >> ((i + 6) % 8)) ^ (inv >> ((i + 7) % 8)) ^ (0x63u >> i)) & 1;
    out |= bit << i;
  }
  return out;
}

void run(tb::Config &cfg, tb::Stats &st) {
  const uint64_t seed = cfg.u64("seed", 1);
  const uint64_t cycles = cfg.u64("cycles", 10000);
  const std::string trace = cfg.str("trace", "");
  const bool exhaustive = cfg.u64("exhaustive", 0) != 0;
  cfg.done();
  (void)trace;
  tb::Rng rng(seed);
  std::unique_ptr<VerilatedContext> ctx(new VerilatedContext);
  ctx->fatalOnError(false);
  std::unique_ptr<Top> t(new Top{ctx.get(), "tb"});

  auto check = [&](unsigned x, uint64_t n) {
    t->x = x;
    t->eval();
    if (ctx->gotFinish()) throw tb::Fail(tb::fmt("check %" PRIu64 ": the model stopped for x %02x", n, x));
    const unsigned want = reference(x);
    if (t->y != want) throw tb::Fail(tb::fmt("check %" PRIu64 ": S-box(%02x): expected %02x, got %02x", n, x, want, unsigned(t->y)));
    st[S_CHECKS]++;
  };

  if (exhaustive) {
    for (unsigned x = 0; x < 256; x++) check(x, x);
    st[S_COMBOS] = 256;
    return;
  }
  for (uint64_t c = 0; c < cycles; c++) check(static_cast<unsigned>(rng.below(256)), c);
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = "";

}  // namespace

NR_TB_EXPORT const char *nr_tb_aes_sbox_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_aes_sbox_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_aes_sbox_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
