// Testbench of nicraft_auth_csr (the write-only authentication registers and the key store;
// docs/auth.md "Keys and classes", spec/wire.yaml AUTH_*).
//
// Reference: the register map (native/nicraft_wire.h): AUTH_EN [0], AUTH_KEY_VALID [3:0], AUTH_TX_KID
// [0], AUTH_KEY_ADDR [13:0] (context [13:12], word [11:0]; every AUTH_KEY_DATA write stores the word
// there and advances it, wrapping at 14 bits), words 0..43 the context's round keys (word w: round
// w/4, bits 32(w%4)..), words 64.. its hash key (word w: bits 32(w-64).., the part beyond
// MAX_BEATS*512+63 bits dropped), other words ignored; AUTH_TX_PN_LO held, AUTH_TX_PN_HI loads
// {HI[15:0], LO} as a one-cycle pn_load strobe; AUTH_REPLAY_CLEAR [7:0] a one-cycle strobe. Reset
// clears AUTH_EN, AUTH_KEY_VALID, AUTH_TX_KID, AUTH_KEY_ADDR and the strobes; it leaves the key words
// (a key is usable only once AUTH_KEY_VALID marks it) and the packet number words. The host writes
// nothing during a reset.
// Random stimulus: writes to the AUTH registers (key loads in bursts: an address, then data words),
// to the other raft registers and to any address; resets. Checked every cycle: every output, the
// whole round key store included, and the hash key write port (hk_wr: in the cycle of an AUTH_KEY_DATA
// write to words 64 .. 64+ceil((MAX_BEATS*512+63)/32)-1, the context, word - 64 and the data; the MAC
// engines keep the hash keys).
//
// cfg keys: seed cycles trace reset_p wr_p any_addr_p
#include "tb_common.h"

#include "Vtb_nicraft_auth_csr.h"
#include "nicraft_wire.h"

namespace {

constexpr unsigned MAXB = TB_P_MAX_BEATS;
constexpr unsigned TK_BITS = MAXB * 512 + 63;
constexpr unsigned TK_WORDS = (TK_BITS + 31) / 32;

const char *const kStats[] = {"cycles", "writes", "rk_words", "hk_words", "ignored_words", "addr_wraps", "pn_loads", "clears",
                              "en_writes", "valid_writes", "kid_writes", "other_writes", "resets"};
enum { S_CYCLES, S_WRITES, S_RK, S_HK, S_IGNORED, S_WRAPS, S_LOADS, S_CLEARS, S_EN, S_VALID, S_KID, S_OTHER, S_RESETS, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_auth_csr;

struct Ref {
  bool en = false, kid = false, load = false;
  unsigned valid = 0, addr = 0, clear = 0;
  uint32_t pn_lo = 0;
  uint64_t pn_value = 0;
  tb::Words rk = tb::Words(4 * 11 * 128 / 32, 0);
};

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  tb::Rng rng(k.seed);
  const double wr_p = cfg.num("wr_p", 0.7);
  const double any_p = cfg.num("any_addr_p", 0.1);
  cfg.done();

  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  Ref r;
  const uint32_t other[] = {nr::CSR_RAFT_NODE_ID, nr::CSR_RAFT_TERM, nr::CSR_RAFT_FAST_EN, nr::CSR_RAFT_ACK_GAP, nr::CSR_RAFT_REPLY_MASK,
                            nr::CSR_COUNTERS_CTR_CLEAR, nr::CSR_IDENT_TYPE};
  unsigned burst = 0;  // key data words left in this burst
  tb::Resets resets(3);
  const uint64_t end = k.cycles + resets.left;
  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    const bool rst = resets.step(rng, k.reset_p);
    st[S_RESETS] = resets.count;
    t->rst = rst;
    bool wr = !rst && rng.chance(wr_p);
    uint32_t addr = static_cast<uint32_t>(rng.below(1u << 16)), data = rng.u32();
    if (wr) {
      if (burst > 0) {
        addr = nr::CSR_RAFT_AUTH_KEY_DATA;
        burst--;
      } else if (rng.chance(any_p)) {
        // any address (the decoder must ignore what is not its own)
      } else if (rng.chance(0.15)) {
        addr = other[rng.below(sizeof other / sizeof other[0])];
      } else {
        switch (rng.below(9)) {
          case 0: addr = nr::CSR_RAFT_AUTH_EN; break;
          case 1: addr = nr::CSR_RAFT_AUTH_KEY_VALID; break;
          case 2: addr = nr::CSR_RAFT_AUTH_TX_KID; break;
          case 3: addr = nr::CSR_RAFT_AUTH_TX_PN_LO; break;
          case 4: addr = nr::CSR_RAFT_AUTH_TX_PN_HI; break;
          case 5: addr = nr::CSR_RAFT_AUTH_REPLAY_CLEAR; break;
          case 6: addr = nr::CSR_RAFT_AUTH_KEY_DATA; break;
          default: {
            addr = nr::CSR_RAFT_AUTH_KEY_ADDR;
            const uint32_t ctx = static_cast<uint32_t>(rng.below(4));
            const uint64_t pick = rng.below(5);
            const uint32_t word = pick == 0 ? 0 : pick == 1 ? 64 : pick == 2 ? static_cast<uint32_t>(rng.below(48))
                                  : pick == 3 ? static_cast<uint32_t>(60 + rng.below(TK_WORDS + 8)) : static_cast<uint32_t>(rng.below(4096));
            data = rng.chance(0.9) ? (ctx << 12) | word : rng.u32();
            burst = static_cast<unsigned>(rng.below(2) ? rng.range(1, 50) : rng.range(1, TK_WORDS + 2));
          }
        }
      }
    }
    t->csr_wr_en = wr;
    t->csr_addr = static_cast<uint16_t>(addr);
    t->csr_wr_data = data;
    h.settle();
    // ---- every output against the reference
    auto chk = [&](const char *name, uint64_t got, uint64_t want) {
      if (got != want) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": %s %" PRIx64 ", expected %" PRIx64, cyc, name, got, want));
    };
    chk("auth_en", t->auth_en, r.en);
    chk("key_valid", t->key_valid, r.valid);
    chk("tx_kid", t->tx_kid, r.kid);
    chk("pn_load", t->pn_load, r.load);
    if (r.load) chk("pn_value", tb::get64(t->pn_value, 0, 48), r.pn_value);
    chk("replay_clear", t->replay_clear, r.clear);
    const tb::Words rk = tb::get(t->round_keys, 0, 4 * 11 * 128);
    for (unsigned i = 0; i < rk.size(); i++) {
      if (rk[i] != r.rk[i]) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": round key word %u (context %u, round %u) %08x, expected %08x", cyc, i, i / 44, (i % 44) / 4, rk[i], r.rk[i]));
    }
    {
      const unsigned word = r.addr & 0xFFF;
      const bool hk_want = wr && addr == nr::CSR_RAFT_AUTH_KEY_DATA && word >= 64 && word < 64 + TK_WORDS;
      chk("hk_wr", t->hk_wr, hk_want);
      if (hk_want) {
        chk("hk_wr_ctx", t->hk_wr_ctx, r.addr >> 12);
        chk("hk_wr_word", t->hk_wr_word, word - 64);
        chk("hk_wr_data", t->hk_wr_data, data);
      }
    }
    h.edge();
    // ---- the reference, after the edge
    r.load = false;
    r.clear = 0;
    if (wr) {
      st[S_WRITES]++;
      switch (addr) {
        case nr::CSR_RAFT_AUTH_EN: r.en = data & 1; st[S_EN]++; break;
        case nr::CSR_RAFT_AUTH_KEY_VALID: r.valid = data & 0xF; st[S_VALID]++; break;
        case nr::CSR_RAFT_AUTH_TX_KID: r.kid = data & 1; st[S_KID]++; break;
        case nr::CSR_RAFT_AUTH_KEY_ADDR: r.addr = data & 0x3FFF; break;
        case nr::CSR_RAFT_AUTH_TX_PN_LO: r.pn_lo = data; break;
        case nr::CSR_RAFT_AUTH_TX_PN_HI: r.load = true; r.pn_value = (uint64_t(data & 0xFFFF) << 32) | r.pn_lo; st[S_LOADS]++; break;
        case nr::CSR_RAFT_AUTH_REPLAY_CLEAR: r.clear = data & 0xFF; if (r.clear) st[S_CLEARS]++; break;
        case nr::CSR_RAFT_AUTH_KEY_DATA: {
          const unsigned ctx = r.addr >> 12, word = r.addr & 0xFFF;
          if (word < 44) {
            r.rk[ctx * 44 + word] = data;
            st[S_RK]++;
          } else if (word >= 64 && word < 64 + TK_WORDS) {
            st[S_HK]++;   // passed on through hk_wr (checked above)
          } else {
            st[S_IGNORED]++;
          }
          if (r.addr == 0x3FFF) st[S_WRAPS]++;
          r.addr = (r.addr + 1) & 0x3FFF;
          break;
        }
        default: st[S_OTHER]++;
      }
    }
    if (rst) {
      r.en = r.kid = r.load = false;
      r.valid = r.addr = r.clear = 0;
      burst = 0;
      resets.done();
      continue;
    }
    st[S_CYCLES]++;
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("MAX_BEATS=%u", MAXB);

}  // namespace

NR_TB_EXPORT const char *nr_tb_auth_csr_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_auth_csr_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_auth_csr_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
