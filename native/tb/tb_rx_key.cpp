// Testbench of nicraft_rx_key (the plane merge's copy key and ACK-path classification; combinational).
//
// Reference (from spec/wire.yaml through native/nicraft_wire.h, independent of the RTL's accessors):
//   basic  = len >= HDR_BYTES, ethertype, version and cluster id are nicraft's
//   key    = REQ: {type, src, client, seq, 0}; APPEND: {type, src, term, index, rsvd[6:0], RETRANSMIT};
//            any other type: {type, src, term, seq, 0}   (88 bits, the type in the top byte)
//   key_valid = basic and the type is REQ, APPEND, ACK, NACK or HEARTBEAT
//   is_ack = basic, an ACK, one beat (tlast) of exactly MIN_FRAME_BYTES with payload_len 0, leader mode,
//            this term, from a member node other than this one (src < MAX_NODES), index <= last index
// Every cycle a new head frame and configuration are drawn: mostly well-formed frames of every type
// with fields near the configuration (so that every term of is_ack is exercised both ways), and
// mutations of the checked fields; the outputs are compared after the inputs settle.
//
// cfg keys: seed cycles trace bad_p
#include "tb_common.h"

#include "Vtb_nicraft_rx_key.h"
#include "nicraft_wire.h"

namespace {

constexpr unsigned MAXN = TB_P_MAX_NODES;
constexpr unsigned DW = TB_P_DATA_WIDTH;
static_assert(TB_P_KEY_WIDTH == 88 && DW == 512, "the testbench knows the 88-bit key of 64-byte beats");

const char *const kStats[] = {"cycles", "key_valid", "is_ack", "req", "append", "ack", "nack", "heartbeat", "other_type",
                              "bad_header", "ack_rejected"};
enum { S_CYCLES, S_KEY_VALID, S_IS_ACK, S_REQ, S_APPEND, S_ACK, S_NACK, S_HB, S_OTHER, S_BAD, S_ACK_REJ, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_rx_key;

struct Cfg {
  uint16_t cluster;
  bool leader;
  uint32_t term, last;
  uint8_t node, members;
};

struct Want {
  tb::Words key;
  bool valid = false, ack = false, req = false;
};

Want reference(const tb::Bytes &b, bool last, uint16_t len, const Cfg &c) {
  const uint8_t *p = b.data();
  const uint8_t t = nr::get_type(p), src = nr::get_src_node(p);
  const bool basic = len >= nr::HDR_BYTES && nr::get_ethertype(p) == nr::ETHERTYPE && nr::get_version(p) == nr::VERSION &&
                     nr::get_cluster_id(p) == c.cluster;
  // the key's bytes from the top: type, src, then two 32-bit fields, then a byte
  uint32_t a, d;
  uint8_t low = 0;
  if (t == nr::TYPE_REQ) {
    a = nr::get_client_id(p);
    d = nr::get_seq(p);
  } else if (t == nr::TYPE_APPEND) {
    a = nr::get_term(p);
    d = nr::get_log_index(p);
    low = uint8_t(((nr::get_rsvd(p) & 0x7f) << 1) | ((nr::get_flags(p) & nr::FLAG_RETRANSMIT) ? 1 : 0));
  } else {
    a = nr::get_term(p);
    d = nr::get_seq(p);
  }
  Want w;
  w.key = tb::Words(3, 0);
  w.key[0] = low | (d << 8);
  w.key[1] = (d >> 24) | (a << 8);
  w.key[2] = (a >> 24) | (uint32_t(src) << 8) | (uint32_t(t) << 16);
  w.valid = basic && (t == nr::TYPE_REQ || t == nr::TYPE_APPEND || t == nr::TYPE_ACK || t == nr::TYPE_NACK ||
                      t == nr::TYPE_HEARTBEAT);
  w.req = basic && t == nr::TYPE_REQ;
  w.ack = basic && t == nr::TYPE_ACK && last && len == nr::MIN_FRAME_BYTES && nr::get_payload_len(p) == 0 && c.leader &&
          nr::get_term(p) == c.term && src < MAXN && ((c.members >> (src & 7)) & 1) && src != c.node &&
          nr::get_log_index(p) <= c.last;
  return w;
}

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  const double bad_p = cfg.num("bad_p", 0.1);
  cfg.done();
  tb::Rng rng(k.seed);
  tb::CombHarness<Top> h(k.trace);
  Top *t = h.top();
  Cfg c{1, true, 5, 100, 0, 0x07};
  const uint8_t types[] = {nr::TYPE_REQ, nr::TYPE_APPEND, nr::TYPE_ACK, nr::TYPE_NACK, nr::TYPE_HEARTBEAT,
                           nr::TYPE_REPLY, nr::TYPE_CONTROL, 0, 8, 0xff};
  for (uint64_t n = 0; n < k.cycles; n++) {
    if (rng.chance(0.05)) {
      c.cluster = uint16_t(rng.chance(0.8) ? 1 : rng.below(4));
      c.leader = rng.chance(0.8);
      c.term = uint32_t(rng.range(1, 6));
      c.last = uint32_t(rng.chance(0.1) ? rng.next() : rng.range(0, 200));
      c.node = uint8_t(rng.below(MAXN + 1));
      c.members = uint8_t(rng.chance(0.7) ? ((1u << MAXN) - 1) & 0xff : rng.below(256));
    }
    tb::Bytes b = tb::bytes_of(tb::random_words(rng, DW), DW / 8);
    uint8_t *p = b.data();
    const uint8_t ty = types[rng.chance(0.85) ? rng.below(5) : rng.below(sizeof types)];
    nr::set_ethertype(p, nr::ETHERTYPE);
    nr::set_version(p, nr::VERSION);
    nr::set_cluster_id(p, c.cluster);
    nr::set_type(p, ty);
    nr::set_src_node(p, rng.chance(0.9) ? rng.below(MAXN + 1) : rng.below(256));
    nr::set_term(p, rng.chance(0.7) ? c.term : uint32_t(rng.range(0, 8)));
    nr::set_log_index(p, rng.chance(0.7) ? uint32_t(rng.range(0, c.last + 2)) : rng.u32());
    nr::set_payload_len(p, rng.chance(0.7) ? 0 : rng.below(300));
    uint16_t len = uint16_t(rng.chance(0.7) ? nr::MIN_FRAME_BYTES : rng.range(0, 400));
    bool last = rng.chance(0.85);
    if (rng.chance(bad_p)) {
      switch (rng.below(4)) {
        case 0: nr::set_ethertype(p, rng.below(65536)); break;
        case 1: nr::set_version(p, rng.below(4)); break;
        case 2: nr::set_cluster_id(p, rng.below(4)); break;
        default: len = uint16_t(rng.below(nr::HDR_BYTES)); break;
      }
    }
    tb::put_bytes(t->tdata, DW, b);
    t->tlast = last;
    t->len = len;
    t->cluster_id = c.cluster;
    t->leader_mode = c.leader;
    t->term = c.term;
    t->node_id = c.node;
    t->members = c.members;
    t->last_index = c.last;
    h.eval();
    const Want w = reference(b, last, len, c);
    const tb::Words key = tb::get(t->key, 0, 88);
    if (key != w.key || bool(t->key_valid) != w.valid || bool(t->is_ack) != w.ack || bool(t->is_req) != w.req) {
      throw tb::Fail(tb::fmt("cycle %" PRIu64 ": header %s len %u last %d (cluster %u leader %d term %u last %u node %u members %02x): "
                             "key %s valid %d is_ack %d is_req %d, expected key %s valid %d is_ack %d is_req %d",
                             h.cycle(), tb::hex_bytes(b, 44).c_str(), len, last, c.cluster, c.leader, c.term, c.last, c.node,
                             c.members, tb::hex(key).c_str(), t->key_valid, t->is_ack, t->is_req, tb::hex(w.key).c_str(), w.valid, w.ack, w.req));
    }
    h.next();
    st[S_CYCLES]++;
    if (w.valid) st[S_KEY_VALID]++;
    if (w.ack) st[S_IS_ACK]++;
    if (!w.valid && ty >= nr::TYPE_REQ && ty <= nr::TYPE_HEARTBEAT) st[S_BAD]++;
    if (ty == nr::TYPE_ACK && w.valid && !w.ack) st[S_ACK_REJ]++;
    st[ty == nr::TYPE_REQ ? S_REQ : ty == nr::TYPE_APPEND ? S_APPEND : ty == nr::TYPE_ACK ? S_ACK
       : ty == nr::TYPE_NACK ? S_NACK : ty == nr::TYPE_HEARTBEAT ? S_HB : S_OTHER]++;
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("DATA_WIDTH=%u,MAX_NODES=%u,KEY_WIDTH=%u", DW, MAXN, unsigned(TB_P_KEY_WIDTH));

}  // namespace

NR_TB_EXPORT const char *nr_tb_rx_key_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_rx_key_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_rx_key_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
