// Testbench of nicraft_deliver (committed entries to the host, in index order).
//
// The testbench plays the log RAM (lengths read combinationally, a registered data port holding the
// beat read in the previous cycle), the commit engine (a commit index that moves up; dlv_target is
// the commit index, or the next commit index in a cycle the leader's quorum moves it) and the host
// (APPLIED_INDEX and COMMIT_INDEX writes at random, a host RX queue with random backpressure, the
// generated frames' FIFO level through gen_afull). The beats carry their beat number and index.
// Reference: while the applied index is behind the target, or inside an entry, and neither FIFO is
// nearly full (delivery FIFO: fewer than 3 free slots), read the next beat of entry applied+1; the
// beat read last cycle goes into the delivery FIFO (keep: all bytes, or the entry's last bytes on its
// last beat; tuser COMMITTED); at the entry's last beat the applied index moves to it, or to the
// value of a host write made inside the entry; a host write outside an entry takes effect at once.
// Checked every cycle: rd_en, rd_slot, rd_beat, applied_index, dlv_afull, rd_valid, rd_first,
// ev_committed and the FIFO's output (valid, data, keep, last, user). Entries reach the host whole:
// a first beat only after the previous entry's last (checked on the beats the host takes).
//
// cfg keys: seed cycles reset_p trace out_p out_burst gen_afull_p host_p commit_p
#include "tb_common.h"

#include <deque>

#include "Vtb_nicraft_deliver.h"
#include "nicraft_wire.h"

namespace {

constexpr unsigned DW = TB_P_DATA_WIDTH;
constexpr unsigned KW = DW / 8;
constexpr unsigned LD = TB_P_LOG_DEPTH_LOG2;
constexpr unsigned SLOTS = 1u << LD;
constexpr unsigned MAX_FRAME = nr::HDR_BYTES + TB_P_MAX_PAYLOAD;
constexpr unsigned MAX_BEATS = (MAX_FRAME + KW - 1) / KW;
constexpr unsigned SLOT_BEATS = MAX_BEATS > 1 ? (MAX_BEATS <= 2 ? 2 : MAX_BEATS <= 4 ? 4 : MAX_BEATS <= 8 ? 8 : MAX_BEATS <= 16 ? 16
                                                : MAX_BEATS <= 32 ? 32 : MAX_BEATS <= 64 ? 64 : 128) : 2;
constexpr unsigned DEPTH = 1u << TB_P_HOST_FIFO_DEPTH_LOG2;

const char *const kStats[] = {"cycles", "entries_delivered", "beats_delivered", "multi_beat_entries", "frames_to_host",
                              "host_applied_writes", "writes_inside_entry", "host_commit_writes", "stalls_fifo", "stalls_gen",
                              "resets"};
enum { S_CYCLES, S_ENTRIES, S_BEATS, S_MULTI, S_HOST_FRAMES, S_HOST_WR, S_WR_INSIDE, S_HOST_COMMIT, S_STALL_FIFO, S_STALL_GEN,
       S_RESETS, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_deliver;

struct OutBeat { tb::Bytes data; tb::Words keep; bool last; };

tb::Words keep_for(unsigned len, bool last) {
  const unsigned lo = len & 63;
  return last ? tb::low_ones(KW, lo == 0 ? 64 : lo) : tb::ones(KW);
}

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  tb::OnOff sink;
  sink.p = cfg.num("out_p", 0.8);
  sink.burst = cfg.num("out_burst", 1.0);
  const double gen_p = cfg.num("gen_afull_p", 0.05), host_p = cfg.num("host_p", 0.005), commit_p = cfg.num("commit_p", 0.3);
  cfg.done();
  tb::Rng rng(k.seed);
  sink.init(rng);
  tb::Harness<Top> h(k.trace);
  Top *t = h.top();

  // the log RAM as the testbench plays it: each slot holds the entry of some index (rewritten as the
  // commit index moves on), its beats carry the index in their first bytes
  std::vector<uint32_t> len(SLOTS, 0), slot_index(SLOTS, 0);
  std::vector<std::vector<tb::Bytes>> mem(SLOTS, std::vector<tb::Bytes>(SLOT_BEATS));
  auto fill = [&](uint32_t index) {
    const uint32_t s = index & (SLOTS - 1);
    slot_index[s] = index;
    len[s] = rng.chance(0.02) ? 0 : uint32_t(rng.range(nr::MIN_FRAME_BYTES, MAX_FRAME));
    for (unsigned b = 0; b < SLOT_BEATS; b++) {
      mem[s][b] = tb::bytes_of(tb::random_words(rng, DW), KW);
      mem[s][b][0] = uint8_t(b);
      std::memcpy(mem[s][b].data() + 1, &index, 4);
    }
  };
  // reference state
  uint32_t applied = 0, beat = 0, val = 0, commit = 0, written = 0;
  bool pend = false, rd_valid = false, rd_first = false, rd_last = false;
  uint32_t rd_len = 0;
  tb::Bytes rd_data_reg(KW, 0);   // the RAM port's register
  std::deque<OutBeat> fifo;
  bool host_mid = false;         // the host has an entry's first beats
  unsigned reset_left = 3;
  const uint64_t end = k.cycles + reset_left;
  while (h.cycle() < end) {
    const uint64_t cyc = h.cycle();
    if (reset_left == 0 && k.reset_p > 0 && rng.chance(k.reset_p)) {
      reset_left = unsigned(rng.range(1, 3));
      st[S_RESETS]++;
    }
    const bool rst = reset_left > 0;
    // the log holds entries up to `written`, at most SLOTS ahead of the applied index
    while (written < applied + SLOTS - 1 && written < commit + 8) fill(++written);
    // commit: moves up through what is written; the leader's quorum moves dlv_target in the same cycle
    uint32_t commit_next = commit;
    bool quorum_now = false;
    if (!rst && rng.chance(commit_p) && commit < written) {
      commit_next = uint32_t(rng.range(commit + 1, std::min<uint32_t>(written, commit + 4)));
      quorum_now = rng.chance(0.5);
    }
    const uint32_t target = quorum_now ? commit_next : commit;
    // host writes: APPLIED_INDEX back to somewhere not past the commit index (recovery), or COMMIT_INDEX
    const bool wr_applied = !rst && rng.chance(host_p);
    const bool wr_commit = !rst && !wr_applied && rng.chance(host_p / 4) && !quorum_now;
    uint32_t wr_data = 0;
    if (wr_applied) wr_data = uint32_t(rng.range(applied > 3 ? applied - 3 : 0, commit));
    if (wr_commit) wr_data = uint32_t(rng.range(commit, written));
    if (wr_commit) commit_next = wr_data;
    const bool gen_afull = rng.chance(gen_p);
    const bool ready = sink.step(rng);

    const uint32_t idx = applied + 1, slot = idx & (SLOTS - 1);
    t->rst = rst;
    t->dlv_target = target;
    t->commit_index = commit;
    t->gen_afull = gen_afull;
    t->wr_applied_index = wr_applied;
    t->wr_commit_index = wr_commit;
    t->wr_data = wr_data;
    t->rd_len = uint16_t(len[t->rd_slot & (SLOTS - 1)]);   // combinational: settle twice
    tb::put_bytes(t->rd_data, DW, rd_data_reg);
    t->m_axis_tready = ready;
    h.settle();
    t->rd_len = uint16_t(len[t->rd_slot & (SLOTS - 1)]);
    h.settle();

    const uint32_t l = len[slot];
    const uint32_t last_beat = l == 0 ? 0 : (l - 1) >> 6;
    const bool is_last = beat >= last_beat;
    const bool afull = DEPTH - fifo.size() < 3;
    const bool go = (beat != 0 || applied != target) && !afull && !gen_afull;
    const bool mid_next = go ? !is_last : beat != 0;
    if (!rst) {
      struct { const char *n; uint64_t got, want; } outs[] = {
          {"rd_en", t->rd_en, go}, {"applied_index", t->applied_index, applied}, {"dlv_afull", t->dlv_afull, afull},
          {"rd_valid", t->rd_valid, rd_valid}, {"rd_first", t->rd_first, rd_valid ? rd_first : t->rd_first},
          {"ev_committed", t->ev_committed, rd_valid && rd_last},
          {"rd_slot", t->rd_slot, slot}, {"rd_beat", t->rd_beat, beat}, {"m_axis_tvalid", t->m_axis_tvalid, !fifo.empty()},
      };
      for (auto &o : outs) {
        if (o.got != o.want) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": %s %" PRIu64 ", expected %" PRIu64 " (applied %u beat %u target %u pend %d)", cyc,
                                 o.n, o.got, o.want, applied, beat, target, pend));
        }
      }
      if (!fifo.empty()) {
        const OutBeat &e = fifo.front();
        const tb::Bytes gd = tb::get_bytes(t->m_axis_tdata, 0, KW);
        const tb::Words gk = tb::get(t->m_axis_tkeep, 0, KW);
        if (gd != e.data || gk != e.keep || bool(t->m_axis_tlast) != e.last || t->m_axis_tuser != nr::HOST_COMMITTED) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": host beat %s keep %s last %d user %u, expected %s keep %s last %d", cyc,
                                 tb::hex_bytes(gd, 8).c_str(), tb::hex(gk).c_str(), t->m_axis_tlast, t->m_axis_tuser,
                                 tb::hex_bytes(e.data, 8).c_str(), tb::hex(e.keep).c_str(), e.last));
        }
      }
    }
    h.edge();
    if (rst) {
      applied = 0; beat = 0; pend = false; rd_valid = false; commit = 0; written = 0;
      fifo.clear();
      host_mid = false;
      reset_left--;
      continue;
    }
    st[S_CYCLES]++;
    // the host takes a beat
    if (ready && !fifo.empty()) {
      const OutBeat &e = fifo.front();
      uint32_t got_index;
      std::memcpy(&got_index, e.data.data() + 1, 4);
      if (!host_mid && e.data[0] != 0) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": host got beat %u of entry %u first", cyc, e.data[0], got_index));
      if (host_mid && e.data[0] == 0) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": entry %u started inside another", cyc, got_index));
      host_mid = !e.last;
      if (e.last) st[S_HOST_FRAMES]++;
      fifo.pop_front();
    }
    if (afull) st[S_STALL_FIFO]++;
    else if (gen_afull && (beat != 0 || applied != target)) st[S_STALL_GEN]++;
    // the beat read last cycle enters the FIFO
    if (rd_valid) {
      fifo.push_back({rd_data_reg, keep_for(rd_len, rd_last), rd_last});
      st[S_BEATS]++;
    }
    if (fifo.size() > DEPTH) throw tb::Fail(tb::fmt("cycle %" PRIu64 ": delivery FIFO overflow", cyc));
    // the RAM port
    if (go) rd_data_reg = mem[slot][beat];
    rd_valid = go;
    if (go) {
      rd_first = beat == 0;
      rd_last = is_last;
      rd_len = l;
      if (is_last) {
        st[S_ENTRIES]++;
        if (beat > 0) st[S_MULTI]++;
        applied = pend ? val : idx;
        pend = false;
        beat = 0;
      } else {
        beat++;
      }
    }
    if (wr_applied) {
      st[S_HOST_WR]++;
      if (mid_next) { pend = true; val = wr_data; st[S_WR_INSIDE]++; }
      else { applied = wr_data; pend = false; }
    }
    if (wr_commit) st[S_HOST_COMMIT]++;
    commit = commit_next;
  }
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("DATA_WIDTH=%u,KEEP_WIDTH=%u,LOG_DEPTH_LOG2=%u,MAX_PAYLOAD=%u,HOST_FIFO_DEPTH_LOG2=%u", DW, KW, LD,
                                    unsigned(TB_P_MAX_PAYLOAD), unsigned(TB_P_HOST_FIFO_DEPTH_LOG2));

}  // namespace

NR_TB_EXPORT const char *nr_tb_deliver_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_deliver_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_deliver_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
