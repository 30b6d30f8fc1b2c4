// Testbench of nicraft_csr_axil (AXI4-Lite slave in front of the NIC's CSR port).
//
// An AXI4-Lite master issues random reads and writes: addresses from the register map (every
// readable/writable register), just outside it, unaligned, with high address bits set; write strobes
// mostly full, sometimes partial. Every channel has its own random wait states: AWVALID and WVALID
// are raised independently (either may come first, or both together), BREADY and RREADY stall at
// random; with delays 0 the master runs back to back. The CSR side is a model of the NIC's port: a
// register file written on csr_wr_en, read data (and csr_rd_valid) the cycle after csr_rd_en.
//
// Checked: the AXI handshake rules (a VALID held until READY, with stable payload), responses in
// order per channel with the response the register map gives (OKAY; DECERR for no register, an
// unaligned address or high address bits; SLVERR for a write to a read-only register, a read of a
// write-only one, or a partial strobe), read data equal to what the CSR port returned for that read,
// every CSR access matching the next OKAY transaction of its kind (address and data), no CSR access
// for a failed one, and never a read and a write on the CSR port in one cycle. The module's own
// assertions are compiled in.
//
// cfg keys: seed cycles reset_p trace aw_p w_p ar_p b_p r_p bad_p strobe_p high_p addr_width
#include "tb_common.h"

#include <deque>

#include "Vtb_nicraft_csr_axil.h"
#include "nicraft_wire.h"

namespace {

constexpr unsigned ADDR_WIDTH = TB_P_ADDR_WIDTH;
const uint8_t OKAY = 0, SLVERR = 2, DECERR = 3;

const char *const kStats[] = {
    "cycles", "writes", "reads", "write_okay", "read_okay", "write_decerr", "write_slverr", "read_decerr", "read_slverr",
    "csr_writes", "csr_reads", "aw_first", "w_first", "aw_w_together", "b_stalls", "r_stalls", "back_to_back", "resets",
};
enum {
  S_CYCLES, S_WRITES, S_READS, S_W_OKAY, S_R_OKAY, S_W_DEC, S_W_SLV, S_R_DEC, S_R_SLV, S_CSR_W, S_CSR_R, S_AW_FIRST,
  S_W_FIRST, S_TOGETHER, S_B_STALL, S_R_STALL, S_B2B, S_RESETS, S_N
};
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_csr_axil;

struct Wr { uint64_t addr; uint32_t data; unsigned strb; uint8_t resp; };
struct Rd { uint64_t addr; uint8_t resp; };

uint8_t expected(uint64_t addr, bool write, unsigned strb) {
  const unsigned acc = (addr >> 16) != 0 ? 0 : nr::csr_access(uint32_t(addr));
  if ((addr >> 16) != 0 || (addr & 3) != 0 || acc == 0) return DECERR;
  if (write ? (!(acc & 1) || strb != 0xF) : !(acc & 2)) return SLVERR;
  return OKAY;
}

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  const double aw_p = cfg.num("aw_p", 0.5), w_p = cfg.num("w_p", 0.5), ar_p = cfg.num("ar_p", 0.5);
  const double b_p = cfg.num("b_p", 0.6), r_p = cfg.num("r_p", 0.6);
  const double bad_p = cfg.num("bad_p", 0.2), strobe_p = cfg.num("strobe_p", 0.1), high_p = cfg.num("high_p", 0.05);
  cfg.done();
  tb::Rng rng(k.seed);
  tb::Harness<Top> h(k.trace);
  Top *t = h.top();

  // the register map: every address with a register
  std::vector<uint32_t> regs;
  for (uint32_t a = 0; a < 0x10000; a += 4) if (nr::csr_access(a)) regs.push_back(a);
  if (regs.empty()) throw tb::BadConfig("the register map is empty");
  auto draw_addr = [&]() -> uint64_t {
    uint64_t a;
    if (rng.chance(bad_p)) {
      switch (rng.below(3)) {
        case 0: a = regs[rng.below(regs.size())] + rng.range(1, 3); break;          // unaligned
        case 1: a = (rng.next() & 0xfffc); break;                                    // anywhere (mostly no register)
        default: a = regs.back() + 4 * rng.range(1, 64); break;                      // just past the map
      }
    } else {
      a = regs[rng.below(regs.size())];
    }
    if (ADDR_WIDTH > 16 && rng.chance(high_p)) a |= (rng.next() << 16) & ((ADDR_WIDTH >= 64 ? ~0ULL : (1ULL << ADDR_WIDTH) - 1) & ~0xffffULL);
    return a;
  };

  // NIC CSR port model
  std::vector<uint32_t> regfile(0x4000, 0);
  bool rd_pending = false;
  uint32_t rd_value = 0;
  // master state
  bool aw_on = false, w_on = false, ar_on = false;
  Wr cur_w{};
  uint64_t cur_ar = 0;
  std::deque<Wr> w_expect;   // writes handed over (AW and W both taken), in order
  std::deque<Wr> aw_only, w_only;  // AW or W taken alone, waiting for their partner
  std::deque<Rd> r_expect;
  std::deque<uint32_t> r_data;     // data the CSR port returned, per OKAY read, in order
  std::deque<Wr> csr_w_expect;     // OKAY writes not yet seen on the CSR port
  std::deque<Rd> csr_r_expect;     // OKAY reads not yet seen on the CSR port
  bool prev_b_valid = false, prev_r_valid = false;
  uint8_t prev_b_resp = 0, prev_r_resp = 0;
  uint32_t prev_r_data = 0;
  uint64_t last_aw = ~0ULL - 1, last_ar = ~0ULL - 1;   // cycles of the last address handshakes

  auto fresh_write = [&]() {
    Wr w;
    w.addr = draw_addr();
    w.data = static_cast<uint32_t>(rng.next());
    w.strb = rng.chance(strobe_p) ? static_cast<unsigned>(rng.below(15)) : 0xF;
    w.resp = expected(w.addr, true, w.strb);
    return w;
  };
  bool aw_pending = false, w_pending = false;  // the current write's AW / W not yet taken
  auto clear = [&] {
    aw_on = w_on = ar_on = false;
    aw_pending = w_pending = false;
    w_expect.clear(); aw_only.clear(); w_only.clear(); r_expect.clear(); r_data.clear();
    csr_w_expect.clear(); csr_r_expect.clear();
    rd_pending = false;
    prev_b_valid = prev_r_valid = false;
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
    // ---- the master: a new write once both halves of the last one were taken
    if (!rst && !aw_pending && !w_pending) {
      cur_w = fresh_write();
      aw_pending = w_pending = true;
    }
    if (!rst && aw_pending && !aw_on && rng.chance(aw_p)) aw_on = true;
    if (!rst && w_pending && !w_on && rng.chance(w_p)) w_on = true;
    if (!rst && !ar_on && rng.chance(ar_p)) { ar_on = true; cur_ar = draw_addr(); }
    t->s_axil_awvalid = aw_on;
    t->s_axil_awaddr = aw_on ? cur_w.addr : rng.next();
    t->s_axil_awprot = static_cast<uint8_t>(rng.below(8));
    t->s_axil_wvalid = w_on;
    t->s_axil_wdata = w_on ? cur_w.data : static_cast<uint32_t>(rng.next());
    t->s_axil_wstrb = w_on ? cur_w.strb : static_cast<unsigned>(rng.below(16));
    t->s_axil_arvalid = ar_on;
    t->s_axil_araddr = ar_on ? cur_ar : rng.next();
    t->s_axil_arprot = static_cast<uint8_t>(rng.below(8));
    const bool bready = rng.chance(b_p), rready = rng.chance(r_p);
    t->s_axil_bready = bready;
    t->s_axil_rready = rready;
    // ---- the NIC's CSR port: read data the cycle after a read
    t->csr_rd_valid = rd_pending;
    t->csr_rd_data = rd_pending ? rd_value : static_cast<uint32_t>(rng.next());
    h.settle();
    st[S_CYCLES]++;
    auto fail = [&](const std::string &m) { throw tb::Fail(tb::fmt("cycle %" PRIu64 ": %s", cyc, m.c_str())); };

    // ---- handshake rules on the outputs
    if (prev_b_valid && !rst) {
      if (!t->s_axil_bvalid) fail("BVALID dropped before BREADY");
      if (t->s_axil_bresp != prev_b_resp) fail("BRESP changed while BVALID waited");
    }
    if (prev_r_valid && !rst) {
      if (!t->s_axil_rvalid) fail("RVALID dropped before RREADY");
      if (t->s_axil_rresp != prev_r_resp || t->s_axil_rdata != prev_r_data) fail("RDATA/RRESP changed while RVALID waited");
    }
    if (t->csr_wr_en && t->csr_rd_en) fail("csr_wr_en and csr_rd_en in one cycle");

    const bool aw_fire = aw_on && t->s_axil_awready, w_fire = w_on && t->s_axil_wready, ar_fire = ar_on && t->s_axil_arready;
    const bool b_fire = t->s_axil_bvalid && bready, r_fire = t->s_axil_rvalid && rready;
    const bool csr_w = t->csr_wr_en, csr_r = t->csr_rd_en;
    const uint32_t csr_a = t->csr_addr, csr_d = t->csr_wr_data;
    const uint8_t bresp = t->s_axil_bresp, rresp = t->s_axil_rresp;
    const uint32_t rdata = t->s_axil_rdata;
    const bool bvalid = t->s_axil_bvalid, rvalid = t->s_axil_rvalid;
    if (!rst) {
      // responses
      if (b_fire) {
        if (w_expect.empty()) fail("a write response with no write outstanding");
        const Wr e = w_expect.front();
        w_expect.pop_front();
        if (bresp != e.resp) fail(tb::fmt("BRESP for address %" PRIx64 " (strobe %x) expected %u, got %u", e.addr, e.strb, e.resp, bresp));
        if (e.resp == OKAY) st[S_W_OKAY]++;
        else if (e.resp == DECERR) st[S_W_DEC]++;
        else st[S_W_SLV]++;
      } else if (t->s_axil_bvalid) {
        st[S_B_STALL]++;
      }
      if (r_fire) {
        if (r_expect.empty()) fail("a read response with no read outstanding");
        const Rd e = r_expect.front();
        r_expect.pop_front();
        if (rresp != e.resp) fail(tb::fmt("RRESP for address %" PRIx64 " expected %u, got %u", e.addr, e.resp, rresp));
        if (e.resp == OKAY) {
          if (r_data.empty()) fail("read data returned before the CSR port was read");
          const uint32_t want = r_data.front();
          r_data.pop_front();
          if (rdata != want) fail(tb::fmt("RDATA for %" PRIx64 " expected %08x (what the CSR port returned), got %08x", e.addr, want, rdata));
          st[S_R_OKAY]++;
        } else {
          if (rdata != 0) fail(tb::fmt("RDATA of a failed read expected 0, got %08x", rdata));
          if (e.resp == DECERR) st[S_R_DEC]++;
          else st[S_R_SLV]++;
        }
      } else if (t->s_axil_rvalid) {
        st[S_R_STALL]++;
      }
      // the CSR port
      if (csr_w) {
        if (csr_w_expect.empty()) fail(tb::fmt("a CSR write to %04x with no OKAY write handed over", csr_a));
        const Wr e = csr_w_expect.front();
        csr_w_expect.pop_front();
        if (csr_a != (e.addr & 0xffff) || csr_d != e.data) fail(tb::fmt("CSR write %04x=%08x, expected %04" PRIx64 "=%08x", csr_a, csr_d, e.addr & 0xffff, e.data));
        st[S_CSR_W]++;
      }
      if (csr_r) {
        if (csr_r_expect.empty()) fail(tb::fmt("a CSR read of %04x with no OKAY read outstanding", csr_a));
        const Rd e = csr_r_expect.front();
        csr_r_expect.pop_front();
        if (csr_a != (e.addr & 0xffff)) fail(tb::fmt("CSR read of %04x, expected %04" PRIx64, csr_a, e.addr & 0xffff));
        st[S_CSR_R]++;
      }
    }

    h.edge();
    if (rst) {
      clear();
      reset_left--;
      continue;
    }
    // ---- the NIC's port at the edge
    if (rd_pending) r_data.push_back(rd_value);
    rd_pending = csr_r;
    if (csr_r) rd_value = regfile[(csr_a >> 2) & 0x3fff];
    if (csr_w) regfile[(csr_a >> 2) & 0x3fff] = csr_d;
    // ---- the master after the edge
    if (aw_fire && w_fire) st[S_TOGETHER]++;
    else if (aw_fire && w_pending) st[S_AW_FIRST]++;
    else if (w_fire && aw_pending) st[S_W_FIRST]++;
    // back to back: an address handshake in the cycle right after the previous one on its channel
    if (aw_fire && cyc == last_aw + 1) st[S_B2B]++;
    if (ar_fire && cyc == last_ar + 1) st[S_B2B]++;
    if (aw_fire) last_aw = cyc;
    if (ar_fire) last_ar = cyc;
    if (aw_fire) { aw_on = false; aw_pending = false; }
    if (w_fire) { w_on = false; w_pending = false; }
    if ((aw_fire || w_fire) && !aw_pending && !w_pending) {
      // both halves taken: the write is handed over (responses come in this order)
      w_expect.push_back(cur_w);
      if (cur_w.resp == OKAY) csr_w_expect.push_back(cur_w);
      st[S_WRITES]++;
    }
    if (ar_fire) {
      ar_on = false;
      const Rd r{cur_ar, expected(cur_ar, false, 0xF)};
      r_expect.push_back(r);
      if (r.resp == OKAY) csr_r_expect.push_back(r);
      st[S_READS]++;
    }
    prev_b_valid = bvalid && !b_fire;
    prev_b_resp = bresp;
    prev_r_valid = rvalid && !r_fire;
    prev_r_resp = rresp;
    prev_r_data = rdata;
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("ADDR_WIDTH=%u", ADDR_WIDTH);

}  // namespace

NR_TB_EXPORT const char *nr_tb_csr_axil_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_csr_axil_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_csr_axil_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
