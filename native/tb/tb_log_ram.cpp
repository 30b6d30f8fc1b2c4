// Testbench of nicraft_log_ram (the log RAM: one shared write port, three registered read ports,
// combinational length and tag reads).
//
// Reference: three maps (data by {slot, beat}, length and tag by slot) holding what was written;
// a location never written is not compared (the RAM powers up with random contents here).
//   write port: the execute engine's write (data, and with it the length and/or the tag) always
//     happens; the host's log port write happens only when the engine does not write in that cycle
//     (log_req_ready low for writes), and only inside a slot: beat < 2^SLOT_BEATS_LOG2, and on beat 0
//     a length of at most the largest frame, which also sets the tag from the beat's header.
//   reads: the host's log port read answers the next cycle (log_rsp_valid, data, the slot's length);
//     the delivery port's data the cycle after dlv_rd_en; the retransmit port's the cycle after a
//     granted request (rtx_rd_gnt is low when the host reads in the same cycle); each read register
//     keeps its value when not read. Reads see the contents before the cycle's write.
//   dlv_len, rtx_len, tag_data, rtx_index, rtx_term: the slot's length and tag (rtx_index, rtx_term: its halves) now.
// Stimulus: random writes of the engine and the host (some outside a slot), random reads on every
// port at random slots of a small RAM, so that writes and reads of one location meet often.
//
// cfg keys: seed cycles reset_p trace wr_p host_p rd_p
#include "tb_common.h"

#include <map>

#include "Vtb_nicraft_log_ram.h"
#include "nicraft_wire.h"

namespace {

constexpr unsigned DW = TB_P_DATA_WIDTH;
constexpr unsigned LD = TB_P_LOG_DEPTH_LOG2;
constexpr unsigned SLOTS = 1u << LD;
constexpr unsigned MAX_FRAME = nr::HDR_BYTES + TB_P_MAX_PAYLOAD;
constexpr unsigned MAX_BEATS = (MAX_FRAME + DW / 8 - 1) / (DW / 8);
constexpr unsigned SB = MAX_BEATS > 1 ? (MAX_BEATS <= 2 ? 1 : MAX_BEATS <= 4 ? 2 : MAX_BEATS <= 8 ? 3 : MAX_BEATS <= 16 ? 4
                                         : MAX_BEATS <= 32 ? 5 : MAX_BEATS <= 64 ? 6 : MAX_BEATS <= 128 ? 7 : 8) : 1;

const char *const kStats[] = {"cycles", "engine_writes", "host_writes", "host_writes_refused", "host_writes_ignored",
                              "host_reads", "dlv_reads", "rtx_reads", "rtx_denied", "compares", "resets"};
enum { S_CYCLES, S_E_WR, S_H_WR, S_H_REFUSED, S_H_IGNORED, S_H_RD, S_D_RD, S_R_RD, S_R_DENIED, S_CMP, S_RESETS, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_log_ram;

struct Pending { bool valid = false, known = false; tb::Bytes data; uint32_t len = 0; bool len_known = false; };

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  const double wr_p = cfg.num("wr_p", 0.4), host_p = cfg.num("host_p", 0.4), rd_p = cfg.num("rd_p", 0.5);
  cfg.done();
  tb::Rng rng(k.seed);
  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  std::map<uint32_t, tb::Bytes> data;   // {slot, beat}
  std::map<uint32_t, uint32_t> len, tag_lo, tag_hi;
  Pending rsp, dlv, rtx;   // the read registers (what they will show)
  bool dlv_known = false, rtx_known = false;
  tb::Bytes dlv_reg, rtx_reg;
  unsigned reset_left = 3;
  const uint64_t end = k.cycles + reset_left;
  auto key = [](uint32_t slot, uint32_t beat) { return (slot << 8) | beat; };
  auto compare = [&](const char *what, uint64_t cyc, const tb::Bytes &want, const tb::Bytes &got) {
    if (want != got) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": %s: %s, expected %s", cyc, what, tb::hex_bytes(got).c_str(), tb::hex_bytes(want).c_str()));
    st[S_CMP]++;
  };
  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    if (reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = unsigned(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    // engine write
    const bool wr = rng.chance(wr_p);
    const uint32_t wslot = uint32_t(rng.below(SLOTS)), wbeat = uint32_t(rng.below(MAX_BEATS));
    tb::Bytes wdata = tb::bytes_of(tb::random_words(rng, DW), DW / 8);
    const bool wlen = rng.chance(0.5), wtag = rng.chance(0.5);
    const uint32_t wl = uint32_t(rng.range(0, MAX_FRAME)), wt_lo = rng.u32(), wt_hi = rng.u32();
    // host port
    const bool hv = rng.chance(host_p), hw = rng.chance(0.5);
    const uint32_t hslot = uint32_t(rng.below(SLOTS));
    const uint32_t hidx = (rng.u32() & ~(SLOTS - 1)) | hslot;   // the index's high bits do not matter
    const uint32_t hbeat = uint32_t(rng.chance(0.9) ? rng.below(1u << SB) : rng.below(256));
    const uint32_t hlen = uint32_t(rng.chance(0.9) ? rng.range(0, MAX_FRAME) : rng.range(MAX_FRAME, 65535));
    tb::Bytes hdata = tb::bytes_of(tb::random_words(rng, DW), DW / 8);
    // read ports
    const bool drd = rng.chance(rd_p), rreq = rng.chance(rd_p);
    const uint32_t dslot = uint32_t(rng.below(SLOTS)), dbeat = uint32_t(rng.below(1u << SB));
    const uint32_t rslot = uint32_t(rng.below(SLOTS)), rbeat = uint32_t(rng.below(1u << SB));
    const uint32_t tslot = uint32_t(rng.below(SLOTS));

    t->rst = rst;
    t->wr_en = wr; t->wr_slot = wslot; t->wr_beat = wbeat; tb::put_bytes(t->wr_data, DW, wdata);
    t->wr_len_en = wr && wlen; t->wr_len = uint16_t(wl); t->wr_tag_en = wr && wtag; t->wr_tag = (uint64_t(wt_hi) << 32) | wt_lo;
    t->log_req_valid = hv; t->log_req_write = hw; t->log_req_index = hidx; t->log_req_beat = uint8_t(hbeat);
    tb::put_bytes(t->log_req_data, DW, hdata); t->log_req_len = uint16_t(hlen);
    t->dlv_rd_en = drd; t->dlv_rd_slot = dslot; t->dlv_rd_beat = dbeat;
    t->rtx_rd_req = rreq; t->rtx_rd_slot = rslot; t->rtx_rd_beat = rbeat;
    t->tag_slot = tslot;
    h.settle();

    const bool host_read = hv && !hw;
    const bool host_ready = hw ? !wr : true;
    const bool gnt = !host_read;
    if (!rst) {
      if (bool(t->log_req_ready) != host_ready) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": log_req_ready %d, expected %d", cyc, t->log_req_ready, host_ready));
      if (bool(t->rtx_rd_gnt) != gnt) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": rtx_rd_gnt %d, expected %d", cyc, t->rtx_rd_gnt, gnt));
      // registered reads from last cycle
      if (bool(t->log_rsp_valid) != rsp.valid) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": log_rsp_valid %d, expected %d", cyc, t->log_rsp_valid, rsp.valid));
      if (rsp.valid && rsp.known) compare("log_rsp_data", cyc, rsp.data, tb::get_bytes(t->log_rsp_data, 0, DW / 8));
      if (rsp.valid && rsp.len_known && t->log_rsp_len != rsp.len) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": log_rsp_len %u, expected %u", cyc, t->log_rsp_len, rsp.len));
      }
      if (dlv_known) compare("dlv_rd_data", cyc, dlv_reg, tb::get_bytes(t->dlv_rd_data, 0, DW / 8));
      if (rtx_known) compare("rtx_rd_data", cyc, rtx_reg, tb::get_bytes(t->rtx_rd_data, 0, DW / 8));
      // combinational reads
      auto l = len.find(dslot);
      if (l != len.end() && t->dlv_len != l->second) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": dlv_len of slot %u: %u, expected %u", cyc, dslot, t->dlv_len, l->second));
      l = len.find(rslot);
      if (l != len.end() && t->rtx_len != l->second) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": rtx_len of slot %u: %u, expected %u", cyc, rslot, t->rtx_len, l->second));
      auto ri = tag_lo.find(rslot);
      if (ri != tag_lo.end() && t->rtx_index != ri->second) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": rtx_index of slot %u: %u, expected %u", cyc, rslot, t->rtx_index, ri->second));
      }
      if (ri != tag_lo.end() && t->rtx_term != tag_hi[rslot]) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": rtx_term of slot %u: %u, expected %u", cyc, rslot, t->rtx_term, tag_hi[rslot]));
      }
      auto tg = tag_lo.find(tslot);
      if (tg != tag_lo.end()) {
        const uint64_t want = (uint64_t(tag_hi[tslot]) << 32) | tg->second;
        if (t->tag_data != want) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": tag of slot %u: %016" PRIx64 ", expected %016" PRIx64, cyc, tslot, uint64_t(t->tag_data), want));
      }
    }
    h.edge();
    // the RAM and its read registers ignore rst (only log_rsp_valid is reset)
    if (rst) reset_left--;
    else st[S_CYCLES]++;
    // reads see the old contents
    rsp.valid = host_read && !rst;
    if (host_read) {
      auto it = data.find(key(hslot, hbeat & ((1u << SB) - 1)));
      rsp.known = it != data.end();
      if (rsp.known) rsp.data = it->second;
      auto l = len.find(hslot);
      rsp.len_known = l != len.end();
      if (rsp.len_known) rsp.len = l->second;
      st[S_H_RD]++;
    }
    if (drd) {
      auto it = data.find(key(dslot, dbeat));
      dlv_known = it != data.end();
      if (dlv_known) dlv_reg = it->second;
      st[S_D_RD]++;
    }
    if (rreq && gnt) {
      auto it = data.find(key(rslot, rbeat));
      rtx_known = it != data.end();
      if (rtx_known) rtx_reg = it->second;
      st[S_R_RD]++;
    } else if (rreq) {
      st[S_R_DENIED]++;
    }
    // the write
    if (wr) {
      data[key(wslot, wbeat)] = wdata;
      if (wlen) len[wslot] = wl;
      if (wtag) { tag_lo[wslot] = wt_lo; tag_hi[wslot] = wt_hi; }
      st[S_E_WR]++;
      if (hv && hw) st[S_H_REFUSED]++;
    } else if (hv && hw) {
      const bool in_slot = hbeat < (1u << SB) && (hbeat != 0 || hlen <= MAX_FRAME);
      if (in_slot) {
        data[key(hslot, hbeat)] = hdata;
        if (hbeat == 0) {
          len[hslot] = hlen;
          tag_lo[hslot] = nr::get_log_index(hdata.data());
          tag_hi[hslot] = nr::get_term(hdata.data());
        }
        st[S_H_WR]++;
      } else {
        st[S_H_IGNORED]++;
      }
    }
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("DATA_WIDTH=%u,LOG_DEPTH_LOG2=%u,MAX_PAYLOAD=%u", DW, LD, unsigned(TB_P_MAX_PAYLOAD));

}  // namespace

NR_TB_EXPORT const char *nr_tb_log_ram_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_log_ram_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_log_ram_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
