// Testbench of nicraft_stats (the 64-bit event counters).
//
// Reference: an array of CTR_COUNT counters. Each cycle every event input is drawn at random
// (bursts of all of them at once included, and up to PLANES plane events per counter in a cycle);
// the reference adds, per counter, the number of events that count there according to the counter
// list of spec/wire.yaml (native/nicraft_wire.h): frames in and dropped per plane with the drop
// reason's counter, copies (a REQ's as DROP_REQ_DUP, others as DROP_PLANE_DUP) and disabled-plane drops, per-plane TX frames and TX drops, the execute
// engine's drop (DROPPED and the reason's counter; an unknown reason counts as PUNT_FULL), punts, the
// sequenced / accepted / buffered entries, ACKs from both paths, NACKs, heartbeats, replies, ACKs and
// NACKs sent, committed entries, retransmissions, needs-repair events, refused stale slots, host TX
// and TX frames. A clear (rare) zeroes everything and wins over the cycle's events; a reset too. Every cycle one counter is
// read (rd_index, sometimes out of range: 0) and compared with the reference before the edge; at the
// end every counter is read and compared.
//
// cfg keys: seed cycles reset_p trace event_p clear_p
#include "tb_common.h"

#include "Vtb_nicraft_stats.h"
#include "nicraft_wire.h"

namespace {

constexpr unsigned P = TB_P_PLANES;
constexpr unsigned N = nr::CTR_COUNT;

const char *const kStats[] = {"cycles", "events", "clears", "resets", "reads", "max_counter", "multi_increments"};
enum { S_CYCLES, S_EVENTS, S_CLEARS, S_RESETS, S_READS, S_MAX, S_MULTI, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_stats;

int drop_counter(uint8_t why) {
  switch (why) {
    case nr::DROP_SHORT: return nr::CTR_DROP_SHORT;
    case nr::DROP_BAD_ETHERTYPE: return nr::CTR_DROP_BAD_ETHERTYPE;
    case nr::DROP_BAD_VERSION: return nr::CTR_DROP_BAD_VERSION;
    case nr::DROP_BAD_CLUSTER: return nr::CTR_DROP_BAD_CLUSTER;
    case nr::DROP_BAD_LENGTH: return nr::CTR_DROP_BAD_LENGTH;
    case nr::DROP_BAD_TYPE: return nr::CTR_DROP_BAD_TYPE;
    case nr::DROP_LOG_FULL: return nr::CTR_DROP_LOG_FULL;
    case nr::DROP_DUPLICATE: return nr::CTR_DROP_DUPLICATE;
    case nr::DROP_BAD_ACK: return nr::CTR_DROP_BAD_ACK;
    case nr::DROP_FUTURE_INDEX: return nr::CTR_DROP_FUTURE_INDEX;
    case nr::DROP_NOT_MEMBER: return nr::CTR_DROP_NOT_MEMBER;
    case nr::DROP_NOT_LEADER: return nr::CTR_DROP_NOT_LEADER;
    default: return nr::CTR_DROP_PUNT_FULL;
  }
}

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  const double ev_p = cfg.num("event_p", 0.3);
  const double clear_p = cfg.num("clear_p", 0.0005);
  cfg.done();
  tb::Rng rng(k.seed);
  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  std::vector<uint64_t> ref(N, 0);
  const uint8_t reasons[] = {nr::DROP_SHORT, nr::DROP_BAD_ETHERTYPE, nr::DROP_BAD_VERSION, nr::DROP_BAD_CLUSTER,
                             nr::DROP_BAD_LENGTH, nr::DROP_BAD_TYPE, nr::DROP_LOG_FULL, nr::DROP_DUPLICATE,
                             nr::DROP_BAD_ACK, nr::DROP_FUTURE_INDEX, nr::DROP_PUNT_FULL, nr::DROP_MAC_ERROR,
                             nr::DROP_OVERSIZE, nr::DROP_RX_OVERFLOW, nr::DROP_NOT_MEMBER, nr::DROP_NOT_LEADER, 0, 99};
  unsigned reset_left = 3;
  const uint64_t end = k.cycles + reset_left;
  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    if (reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = unsigned(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    const double p = rng.chance(0.02) ? 1.0 : ev_p;   // sometimes every event at once
    auto ev = [&]() { return rng.chance(p); };
    std::vector<unsigned> inc(N, 0);
    unsigned pl_in = 0, pl_drop = 0, pl_dup = 0, pl_req = 0, pl_off = 0, pl_tx = 0, pl_txd = 0;
    uint64_t reasons_in = 0;
    for (unsigned q = 0; q < P; q++) {
      // a plane's frame is dropped either as a copy or as a disabled plane's, never both in a cycle
      // (the 3-bit increments rely on it: at most PLANES + 1 + PLANES = 7 drops a cycle)
      const bool fi = ev(), dv = ev(), du = ev(), tx = ev(), td = ev();
      const bool of = !du && ev();
      const bool rq = du ? rng.chance(0.5) : rng.chance(0.1);   // req_dup_drop counts only with dup_drop
      const uint8_t r = reasons[rng.below(sizeof reasons)];
      pl_in |= fi << q; pl_drop |= dv << q; pl_dup |= du << q; pl_off |= of << q; pl_req |= rq << q; pl_tx |= tx << q; pl_txd |= td << q;
      reasons_in |= uint64_t(r) << (8 * q);
      const unsigned base = nr::CTR_PLANE0_RX_FRAMES + 5 * q;   // RX_FRAMES, TX_FRAMES, DUPS, ERRORS, TX_DROPS
      inc[nr::CTR_RX_FRAMES] += fi;
      inc[base] += fi;
      if (dv) {
        inc[nr::CTR_DROPPED]++;
        inc[r == nr::DROP_MAC_ERROR ? nr::CTR_DROP_MAC_ERROR : r == nr::DROP_OVERSIZE ? nr::CTR_DROP_OVERSIZE
                                                                                     : nr::CTR_DROP_RX_OVERFLOW]++;
      }
      if (du) { inc[nr::CTR_DROPPED]++; inc[rq ? nr::CTR_DROP_REQ_DUP : nr::CTR_DROP_PLANE_DUP]++; inc[base + 2]++; }
      if (of) { inc[nr::CTR_DROPPED]++; inc[nr::CTR_DROP_PLANE_OFF]++; }
      inc[base + 3] += dv + of;
      inc[base + 1] += tx;
      inc[base + 4] += td;
    }
    const bool e_drop = ev();
    const uint8_t e_why = reasons[rng.below(sizeof reasons)];
    if (e_drop) { inc[nr::CTR_DROPPED]++; inc[drop_counter(e_why)]++; }
    struct One { bool v; int ctr; };
    One ones[] = {{ev(), nr::CTR_PUNTED}, {ev(), nr::CTR_HEARTBEAT_RX}, {ev(), nr::CTR_ACK_RX}, {ev(), nr::CTR_NACK_RX},
                  {ev(), nr::CTR_REQ_SEQUENCED}, {ev(), nr::CTR_APPEND_ACCEPTED}, {ev(), nr::CTR_APPEND_BUFFERED},
                  {ev(), nr::CTR_ACK_RX}, {ev(), nr::CTR_REPLY_TX}, {ev(), nr::CTR_HEARTBEAT_TX}, {ev(), nr::CTR_ACK_TX},
                  {ev(), nr::CTR_NACK_TX}, {ev(), nr::CTR_COMMITTED}, {ev(), nr::CTR_RETRANSMIT_TX},
                  {ev(), nr::CTR_NEEDS_REPAIR}, {ev(), nr::CTR_HOST_TX_FRAMES}, {ev(), nr::CTR_TX_FRAMES},
                  {ev(), nr::CTR_RETRANSMIT_STALE}};
    for (const One &o : ones) inc[o.ctr] += o.v;
    const bool clear = rng.chance(clear_p);

    t->rst = rst;
    t->clear = clear;
    t->pl_frame_in = pl_in; t->pl_drop_valid = pl_drop; t->pl_dup_drop = pl_dup; t->pl_off_drop = pl_off; t->pl_req_dup_drop = pl_req;
    t->pl_tx_frame = pl_tx; t->pl_tx_drop = pl_txd;
    tb::put(t->pl_drop_reason, 0, 8 * P, reasons_in);
    t->e_drop = e_drop; t->e_why = e_why;
    t->e_punt = ones[0].v; t->e_hb = ones[1].v; t->e_ack = ones[2].v; t->e_nack = ones[3].v;
    t->e_seq_end = ones[4].v; t->e_accept_end = ones[5].v; t->e_ooo_end = ones[6].v; t->ack_path = ones[7].v;
    t->reply_tx = ones[8].v; t->hb_tx = ones[9].v; t->ack_tx = ones[10].v; t->nack_tx = ones[11].v;
    t->committed = ones[12].v; t->rtx_frame = ones[13].v; t->repair = ones[14].v; t->host_tx_frame = ones[15].v;
    t->tx_frame = ones[16].v; t->rtx_stale = ones[17].v;
    const unsigned idx = unsigned(rng.below(64));
    t->rd_index = idx;
    h.settle();
    if (!rst) {
      const uint64_t want = idx < N ? ref[idx] : 0;
      if (t->rd_value != want) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": counter %u reads %" PRIu64 ", expected %" PRIu64, cyc, idx,
                               uint64_t(t->rd_value), want));
      }
      st[S_READS]++;
    }
    h.edge();
    if (rst || clear) {
      std::fill(ref.begin(), ref.end(), 0);
      if (clear && !rst) st[S_CLEARS]++;
    } else {
      for (unsigned c = 0; c < N; c++) {
        ref[c] += inc[c];
        if (inc[c] > 1) st[S_MULTI]++;
        if (inc[c]) st[S_EVENTS] += inc[c];
        st[S_MAX] = std::max<uint64_t>(st[S_MAX], ref[c]);
      }
      st[S_CYCLES]++;
    }
    if (reset_left) reset_left--;
  }
  t->rst = 0;
  t->clear = 0;
  for (unsigned c = 0; c < N; c++) {
    t->rd_index = c;
    h.settle();
    if (t->rd_value != ref[c]) {
      throw tb::Fail(tb::fmt("end: counter %u reads %" PRIu64 ", expected %" PRIu64, c, uint64_t(t->rd_value), ref[c]));
    }
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("PLANES=%u", P);

}  // namespace

NR_TB_EXPORT const char *nr_tb_stats_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_stats_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_stats_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
