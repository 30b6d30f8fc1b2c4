// Testbench of nicraft_csr (the register file, the read mux, the host-write strobes).
//
// Reference: the register map of spec/wire.yaml (native/nicraft_wire.h): every rw configuration
// register with its width and reset value, the read-only ident block (TYPE/VERSION/NEXT chain, the
// build parameters, the wire version, the cycle counter), the raft state it shows (LAST, COMMIT,
// APPLIED, MATCH_INDEX through MATCH_SEL, STATUS: inputs driven at random), the counters (64 bits at
// COUNTER_BASE, read through ctr_rd_index/ctr_rd_value) and zeros elsewhere. Each cycle: a write, a
// read, both or neither, at an address drawn from the map (sometimes any address); the state inputs
// change at random. Checked every cycle: every configuration output (and leader/follower mode, the
// chain's succ_id / chain_lead / tail_on / role_middle), the write strobes of the registers other blocks own,
// ctr_rd_index; and the cycle after a read, its data (the mux as it was in the cycle of the request)
// and csr_rd_valid. Resets at random.
// Chain replication (docs/replication-modes.md): ROLE takes 0..3 (3: chain middle); leader_mode is FAST_EN
// with ROLE bit 1 (2, 3: leads), follower_mode FAST_EN with ROLE bit 0 (1, 3: follows LEADER_ID). CHAIN
// ([7:0] SUCC_ID, [8] TAIL; reset 0xFF) reads back those 9 bits; succ_id is SUCC_ID, chain_lead
// SUCC_ID != 0xFF, tail_on FAST_EN && ROLE 1 && TAIL, role_middle ROLE == 3. Writes of ROLE and CHAIN draw the values that matter
// (CHAIN: a node id or 0xFF, TAIL set or not); chain_writes counts CHAIN's writes, tail_on_cycles,
// chain_lead_cycles and middle_cycles (ROLE 3 with FAST_EN) the cycles of those outputs.
//
// cfg keys: seed cycles reset_p trace wr_p rd_p any_addr_p
#include "tb_common.h"

#include <map>

#include "Vtb_nicraft_csr.h"
#include "nicraft_wire.h"

namespace {

constexpr unsigned MAXN = TB_P_MAX_NODES;
constexpr unsigned P = TB_P_PLANES;

const char *const kStats[] = {"cycles", "writes", "reads", "config_writes", "owned_writes", "counter_reads", "unmapped_reads",
                              "resets", "chain_writes", "chain_reads", "tail_on_cycles", "chain_lead_cycles", "middle_cycles"};
enum { S_CYCLES, S_WRITES, S_READS, S_CFG_WRITES, S_OWNED, S_CTR_READS, S_UNMAPPED, S_RESETS, S_CHAIN_WR, S_CHAIN_RD, S_TAIL_ON,
       S_CHAIN_LEAD, S_MIDDLE, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_csr;

struct Reg { uint32_t mask, reset; };
// the configuration registers this block owns
const std::map<uint32_t, Reg> kCfg = {
    {nr::CSR_RAFT_NODE_ID, {0xff, 0}}, {nr::CSR_RAFT_CLUSTER_ID, {0xffff, 1}}, {nr::CSR_RAFT_ROLE, {3, 0}},
    {nr::CSR_RAFT_TERM, {~0u, 0}}, {nr::CSR_RAFT_LEADER_ID, {0xff, 0}}, {nr::CSR_RAFT_MEMBERS, {0xff, 1}},
    {nr::CSR_RAFT_QUORUM, {0xf, 1}}, {nr::CSR_RAFT_FAST_EN, {1, 0}}, {nr::CSR_RAFT_HB_INTERVAL, {~0u, 1000}},
    {nr::CSR_RAFT_HB_COMMIT_DELAY, {~0u, 32}}, {nr::CSR_RAFT_ACK_COUNT, {~0u, 1}}, {nr::CSR_RAFT_ACK_DELAY, {~0u, 16}},
    {nr::CSR_RAFT_TERM_START, {~0u, 1}}, {nr::CSR_RAFT_MATCH_SEL, {7, 0}}, {nr::CSR_RAFT_PLANE_EN, {7, 7}},
    {nr::CSR_RAFT_NACK_INTERVAL, {~0u, 64}}, {nr::CSR_RAFT_RTO, {~0u, 512}}, {nr::CSR_RAFT_NACK_DELAY, {~0u, 16}},
    {nr::CSR_RAFT_SILENCE_CYCLES, {~0u, 0}}, {nr::CSR_RAFT_REPLY_MASK, {0xff, 0}}, {nr::CSR_RAFT_ACK_GAP, {~0u, 0}},
    // [7:0] SUCC_ID (0xFF: none), [8] TAIL
    {nr::CSR_RAFT_CHAIN, {0x1ff, 0xff}},
};

struct State {
  std::map<uint32_t, uint32_t> r;
  uint64_t cycle = 0;
  void reset() {
    for (auto &kv : kCfg) r[kv.first] = kv.second.reset;
    cycle = 0;
  }
};

struct Inputs {
  uint32_t last, commit, applied, status;
  uint32_t match[8];
  uint64_t ctr;
};

uint32_t mux(const State &s, const Inputs &in, uint32_t addr, unsigned &ctr_index, bool &is_ctr) {
  is_ctr = false;
  auto it = kCfg.find(addr);
  if (it != kCfg.end()) return s.r.at(addr);
  switch (addr) {
    case nr::CSR_IDENT_TYPE: return 0x4E520001;
    case nr::CSR_IDENT_VERSION: return 0x00000100;
    case nr::CSR_IDENT_NEXT: return 0x0100;
    case nr::CSR_IDENT_PARAMS0:
      return (uint32_t(TB_P_SLOT_BEATS) << 24) | (uint32_t(TB_P_LOG_DEPTH_LOG2) << 16) | (P << 8) | MAXN;
    case nr::CSR_IDENT_PARAMS1: return (uint32_t(TB_P_DATA_WIDTH) << 16) | uint32_t(TB_P_MAX_PAYLOAD);
    case nr::CSR_IDENT_WIRE_VERSION: return (uint32_t(nr::ETHERTYPE) << 16) | nr::VERSION;
    case nr::CSR_IDENT_CYCLE_LO: return uint32_t(s.cycle);
    case nr::CSR_IDENT_CYCLE_HI: return uint32_t(s.cycle >> 32);
    case nr::CSR_RAFT_TYPE: return 0x4E520002;
    case nr::CSR_RAFT_VERSION: return 0x00000100;
    case nr::CSR_RAFT_NEXT: return 0x0200;
    case nr::CSR_RAFT_LAST_INDEX: return in.last;
    case nr::CSR_RAFT_COMMIT_INDEX: return in.commit;
    case nr::CSR_RAFT_APPLIED_INDEX: return in.applied;
    case nr::CSR_RAFT_MATCH_INDEX: {
      const uint32_t sel = s.r.at(nr::CSR_RAFT_MATCH_SEL);
      return sel < MAXN ? in.match[sel] : 0;
    }
    case nr::CSR_RAFT_STATUS: return in.status;
    case nr::CSR_COUNTERS_TYPE: return 0x4E520003;
    case nr::CSR_COUNTERS_VERSION: return 0x00000100;
    case nr::CSR_COUNTERS_NEXT: return 0;
    default: break;
  }
  if (addr >= nr::CSR_COUNTERS_RX_FRAMES_LO && (addr - nr::CSR_COUNTERS_RX_FRAMES_LO) / 8 < nr::CTR_COUNT) {
    is_ctr = true;
    ctr_index = (addr - nr::CSR_COUNTERS_RX_FRAMES_LO) / 8;
    return (addr & 4) ? uint32_t(in.ctr >> 32) : uint32_t(in.ctr);
  }
  return 0;
}

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  const double wr_p = cfg.num("wr_p", 0.3), rd_p = cfg.num("rd_p", 0.5), any_p = cfg.num("any_addr_p", 0.05);
  cfg.done();
  tb::Rng rng(k.seed);
  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  State s;
  s.reset();
  std::vector<uint32_t> addrs;
  for (uint32_t a = 0; a < 0x20; a += 4) addrs.push_back(a);
  for (uint32_t a = 0x100; a <= 0x178; a += 4) addrs.push_back(a);
  for (uint32_t a = 0x200; a < nr::CSR_COUNTERS_RX_FRAMES_LO + 8 * nr::CTR_COUNT + 8; a += 4) addrs.push_back(a);
  Inputs in{};
  bool rd_pending = false;
  uint32_t rd_want = 0, rd_addr = 0;
  unsigned reset_left = 3;
  const uint64_t end = k.cycles + reset_left;
  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    if (reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = unsigned(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    if (rng.chance(0.2)) {
      in.last = rng.u32(); in.commit = rng.u32(); in.applied = rng.u32(); in.status = uint32_t(rng.below(16));
      for (auto &m : in.match) m = rng.u32();
      in.ctr = rng.next();
    }
    const bool wr = !rst && rng.chance(wr_p), rd = !rst && rng.chance(rd_p);
    const uint32_t addr = rng.chance(any_p) ? uint32_t(rng.below(65536)) : addrs[rng.below(addrs.size())];
    uint32_t data = rng.u32();
    if (addr == nr::CSR_RAFT_ROLE && rng.chance(0.7)) data = uint32_t(rng.below(4));
    // CHAIN: TAIL or not, SUCC_ID a node id or none
    if (addr == nr::CSR_RAFT_CHAIN && rng.chance(0.7)) data = (rng.chance(0.5) ? 0x100u : 0u) | (rng.chance(0.4) ? 0xffu : uint32_t(rng.below(MAXN)));
    if (addr == nr::CSR_RAFT_FAST_EN && rng.chance(0.7)) data = uint32_t(rng.below(2));
    if (addr == nr::CSR_RAFT_MATCH_SEL && rng.chance(0.7)) data = uint32_t(rng.below(MAXN + 1));
    t->rst = rst;
    t->csr_wr_en = wr;
    t->csr_rd_en = rd;
    t->csr_addr = uint16_t(addr);
    t->csr_wr_data = data;
    t->last_index = in.last; t->commit_index = in.commit; t->applied_index = in.applied; t->status = in.status;
    for (unsigned i = 0; i < MAXN; i++) tb::put(t->match_view, 32 * i, 32, uint64_t(in.match[i]));
    t->ctr_rd_value = in.ctr;
    h.settle();
    if (!rst) {
      // the read answered now (requested last cycle)
      if (bool(t->csr_rd_valid) != rd_pending) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": csr_rd_valid %d, expected %d", cyc, t->csr_rd_valid, rd_pending));
      if (rd_pending && t->csr_rd_data != rd_want) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": read of 0x%04x returned 0x%08x, expected 0x%08x", cyc, rd_addr, t->csr_rd_data, rd_want));
      }
      // configuration outputs
      const auto &r = s.r;
      const uint32_t role = r.at(nr::CSR_RAFT_ROLE), fast = r.at(nr::CSR_RAFT_FAST_EN), chain = r.at(nr::CSR_RAFT_CHAIN);
      const uint32_t succ = chain & 0xff;
      const bool tail = (chain >> 8) & 1;
      struct { const char *name; uint64_t got, want; } outs[] = {
          {"node_id", t->node_id, r.at(nr::CSR_RAFT_NODE_ID)},
          {"node_sel", t->node_sel, r.at(nr::CSR_RAFT_NODE_ID) < 8 ? 1u << r.at(nr::CSR_RAFT_NODE_ID) : 0u}, {"cluster_id", t->cluster_id, r.at(nr::CSR_RAFT_CLUSTER_ID)},
          {"role", t->role, role}, {"term", t->term, r.at(nr::CSR_RAFT_TERM)},
          {"leader_id", t->leader_id, r.at(nr::CSR_RAFT_LEADER_ID)}, {"members", t->members, r.at(nr::CSR_RAFT_MEMBERS)},
          {"quorum", t->quorum, r.at(nr::CSR_RAFT_QUORUM)}, {"fast_en", t->fast_en, fast},
          // ROLE 2 and 3 lead, ROLE 1 and 3 follow
          {"leader_mode", t->leader_mode, fast && (role == 2 || role == 3)}, {"follower_mode", t->follower_mode, fast && (role == 1 || role == 3)},
          {"succ_id", t->succ_id, succ}, {"chain_lead", t->chain_lead, succ != 0xff},
          {"tail_on", t->tail_on, fast && role == 1 && tail}, {"role_middle", t->role_middle, role == 3},
          {"hb_interval", t->hb_interval, r.at(nr::CSR_RAFT_HB_INTERVAL)},
          {"hb_commit_delay", t->hb_commit_delay, r.at(nr::CSR_RAFT_HB_COMMIT_DELAY)},
          {"ack_count", t->ack_count, r.at(nr::CSR_RAFT_ACK_COUNT)}, {"ack_delay", t->ack_delay, r.at(nr::CSR_RAFT_ACK_DELAY)},
          {"ack_gap", t->ack_gap, r.at(nr::CSR_RAFT_ACK_GAP)},
          {"term_start", t->term_start, r.at(nr::CSR_RAFT_TERM_START)},
          {"plane_en", t->plane_en, r.at(nr::CSR_RAFT_PLANE_EN) & ((1u << P) - 1)},
          {"nack_interval", t->nack_interval, r.at(nr::CSR_RAFT_NACK_INTERVAL)},
          {"nack_delay", t->nack_delay, r.at(nr::CSR_RAFT_NACK_DELAY)}, {"rto", t->rto, r.at(nr::CSR_RAFT_RTO)},
          {"silence_cycles", t->silence_cycles, r.at(nr::CSR_RAFT_SILENCE_CYCLES)},
          {"reply_mask", t->reply_mask, r.at(nr::CSR_RAFT_REPLY_MASK)},
          {"cycle", t->cycle, s.cycle}, {"match_sel", t->match_sel, r.at(nr::CSR_RAFT_MATCH_SEL)},
          {"wr_last_index", t->wr_last_index, wr && addr == nr::CSR_RAFT_LAST_INDEX},
          {"wr_commit_index", t->wr_commit_index, wr && addr == nr::CSR_RAFT_COMMIT_INDEX},
          {"wr_applied_index", t->wr_applied_index, wr && addr == nr::CSR_RAFT_APPLIED_INDEX},
          {"wr_match_index", t->wr_match_index, wr && addr == nr::CSR_RAFT_MATCH_INDEX},
          {"ctr_clear", t->ctr_clear, wr && addr == nr::CSR_COUNTERS_CTR_CLEAR && (data & 1)},
          // the next values: this cycle's write applied
          {"term_next", t->term_next, wr && addr == nr::CSR_RAFT_TERM ? data : r.at(nr::CSR_RAFT_TERM)},
          {"hb_interval_next", t->hb_interval_next, wr && addr == nr::CSR_RAFT_HB_INTERVAL ? data : r.at(nr::CSR_RAFT_HB_INTERVAL)},
          {"hb_commit_delay_next", t->hb_commit_delay_next, wr && addr == nr::CSR_RAFT_HB_COMMIT_DELAY ? data : r.at(nr::CSR_RAFT_HB_COMMIT_DELAY)},
          {"ack_count_next", t->ack_count_next, wr && addr == nr::CSR_RAFT_ACK_COUNT ? data : r.at(nr::CSR_RAFT_ACK_COUNT)},
          {"ack_delay_next", t->ack_delay_next, wr && addr == nr::CSR_RAFT_ACK_DELAY ? data : r.at(nr::CSR_RAFT_ACK_DELAY)},
          {"nack_interval_next", t->nack_interval_next, wr && addr == nr::CSR_RAFT_NACK_INTERVAL ? data : r.at(nr::CSR_RAFT_NACK_INTERVAL)},
          {"nack_delay_next", t->nack_delay_next, wr && addr == nr::CSR_RAFT_NACK_DELAY ? data : r.at(nr::CSR_RAFT_NACK_DELAY)},
      };
      for (auto &o : outs) {
        if (o.got != o.want) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": %s is 0x%" PRIx64 ", expected 0x%" PRIx64 " (this cycle: %s 0x%04x 0x%08x)", cyc,
                                 o.name, o.got, o.want, wr ? "write" : rd ? "read" : "idle", addr, data));
        }
      }
    }
    unsigned ci = 0;
    bool is_ctr = false;
    const uint32_t want = mux(s, in, addr, ci, is_ctr);
    if (!rst && is_ctr && t->ctr_rd_index != ci) {
      throw tb::Fail(tb::fmt("cycle %" PRIu64 ": ctr_rd_index %u for 0x%04x, expected %u", cyc, t->ctr_rd_index, addr, ci));
    }
    h.edge();
    // the edge
    rd_pending = rd;
    rd_want = want;
    rd_addr = addr;
    if (rst) {
      s.reset();
      rd_pending = false;
      reset_left--;
      continue;
    }
    s.cycle++;
    st[S_CYCLES]++;
    {
      const uint32_t role = s.r.at(nr::CSR_RAFT_ROLE), fast = s.r.at(nr::CSR_RAFT_FAST_EN), chain = s.r.at(nr::CSR_RAFT_CHAIN);
      if (fast && role == 1 && (chain >> 8) & 1) st[S_TAIL_ON]++;
      if ((chain & 0xff) != 0xff) st[S_CHAIN_LEAD]++;
      if (fast && role == 3) st[S_MIDDLE]++;
    }
    if (rd && addr == nr::CSR_RAFT_CHAIN) st[S_CHAIN_RD]++;
    if (wr && addr == nr::CSR_RAFT_CHAIN) st[S_CHAIN_WR]++;
    if (rd) {
      st[S_READS]++;
      if (is_ctr) st[S_CTR_READS]++;
      else if (!want && kCfg.find(addr) == kCfg.end()) st[S_UNMAPPED]++;
    }
    if (wr) {
      st[S_WRITES]++;
      auto it = kCfg.find(addr);
      if (it != kCfg.end()) {
        s.r[addr] = data & it->second.mask;
        st[S_CFG_WRITES]++;
      } else if (addr == nr::CSR_RAFT_LAST_INDEX || addr == nr::CSR_RAFT_COMMIT_INDEX || addr == nr::CSR_RAFT_APPLIED_INDEX ||
                 addr == nr::CSR_RAFT_MATCH_INDEX || addr == nr::CSR_COUNTERS_CTR_CLEAR) {
        st[S_OWNED]++;
      }
    }
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("MAX_NODES=%u,PLANES=%u,DATA_WIDTH=%u,LOG_DEPTH_LOG2=%u,MAX_PAYLOAD=%u,SLOT_BEATS=%u", MAXN, P,
                                    unsigned(TB_P_DATA_WIDTH), unsigned(TB_P_LOG_DEPTH_LOG2), unsigned(TB_P_MAX_PAYLOAD),
                                    unsigned(TB_P_SLOT_BEATS));

}  // namespace

NR_TB_EXPORT const char *nr_tb_csr_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_csr_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_csr_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
