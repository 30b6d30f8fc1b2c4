// nicraft: a back-to-back world for NIC tests and benchmarks (no switches, no link delay).
//
// Mode LEADER: node 0 is the leader, nodes 1..F followers. A client source keeps the leader's RX
// port busy every cycle: a follower's ACK when one is waiting, else a new REQ (100% offered load).
// The leader's TX frames reach every follower's RX port the cycle after their last beat left;
// the followers' ACKs are queued for the leader. REPLY frames from the leader go to the client.
// Mode FOLLOWER: one follower (node 1) fed one APPEND per cycle by a synthetic leader.
//
// Latency (exact, in cycles) of:
//   LAT_LEADER_APPEND   REQ accepted at the leader's RX port -> its APPEND's last beat out of TX
//   LAT_FOLLOWER_ACK    APPEND accepted at a follower -> the first ACK out that covers it
//   LAT_LEADER_COMMIT   the ACK that completed the entry's quorum accepted at the leader ->
//                       the entry's last beat out of the leader's host RX queue (COMMITTED)
//   LAT_CLIENT_REPLY    REQ accepted -> the NIC's REPLY out of the leader's TX (NIC_REPLY flag)
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "nic_shim.h"

namespace {

constexpr int LAT_KINDS = 4;
constexpr uint32_t HIST_CYCLES = 4096;   // exact below this, counted as overflow above

struct Hist {
  std::vector<uint64_t> bins = std::vector<uint64_t>(HIST_CYCLES, 0);
  uint64_t overflow = 0, count = 0, max = 0;
  void add(uint64_t v) {
    if (v < HIST_CYCLES) bins[v]++; else overflow++;
    count++;
    max = std::max(max, v);
  }
  // smallest v such that at least q of the samples are <= v
  uint64_t pct(double q) const {
    if (!count) return 0;
    uint64_t need = uint64_t(double(count) * q + 0.999999);
    if (need == 0) need = 1;
    uint64_t acc = 0;
    for (uint32_t v = 0; v < HIST_CYCLES; v++) { acc += bins[v]; if (acc >= need) return v; }
    return max;
  }
};

struct Pending { std::vector<uint8_t> data; };

}  // namespace

struct NrB2bConfig {
  uint32_t mode;            // 0 leader + followers, 1 follower alone
  uint32_t followers;       // mode 0: 1..7
  uint32_t ack_count;       // follower ACK coalescing (entries)
  uint32_t ack_delay;       // ... (cycles)
  uint32_t hb_interval;     // leader heartbeat interval (cycles)
  uint32_t payload_bytes;   // request payload
  uint32_t nic_reply;       // 1: requests ask the leader NIC to reply at commit
  uint32_t keep_host;       // 1: keep host RX frames for nr_b2b_pull_host
  uint64_t max_requests;    // stop offering after this many (0 = unlimited)
  uint64_t seed;
};

struct NrB2b {
  NrB2bConfig cfg{};
  std::vector<std::unique_ptr<NrSim>> nics;
  std::deque<std::vector<uint8_t>> to_leader;   // ACKs waiting for the leader's RX port
  uint64_t cycle = 0, offered = 0, acks_in = 0, replies = 0;
  uint64_t frames_in_leader = 0, frames_in_follower = 0;
  std::vector<uint64_t> req_in_cycle;           // by seq
  std::vector<uint64_t> append_in_cycle;        // follower mode, by index
  std::vector<uint64_t> quorum_cycle;           // by index: when the needed ACK arrived
  std::vector<uint32_t> ack_votes;              // by index
  std::vector<uint32_t> acked;                  // per follower, highest index ACKed (as seen by the leader)
  std::vector<uint32_t> acked_out;              // per follower, highest index ACKed (as sent)
  std::vector<uint64_t> committed;              // per node
  std::vector<std::deque<Frame>> host;          // kept host frames per node
  Hist hist[LAT_KINDS];
  uint64_t measure_from = 0;                    // samples before this cycle are not recorded

  uint32_t quorum() const { return cfg.mode == 0 ? (1 + cfg.followers) / 2 + 1 : 2; }

  std::vector<uint8_t> make_req(uint64_t seq) {
    size_t len = std::max<size_t>(nr::MIN_FRAME_BYTES, nr::HDR_BYTES + cfg.payload_bytes);
    std::vector<uint8_t> f(len, 0);
    uint8_t* p = f.data();
    nr::set_dst_mac(p, nr::MAC_NODE_PREFIX);
    nr::set_src_mac(p, nr::MAC_CLIENT_PREFIX | 1);
    nr::set_ethertype(p, nr::ETHERTYPE);
    nr::set_version(p, nr::VERSION);
    nr::set_type(p, nr::TYPE_REQ);
    nr::set_cluster_id(p, 1);
    nr::set_flags(p, cfg.nic_reply ? nr::FLAG_NIC_REPLY : 0);
    nr::set_src_node(p, 0xFF);
    nr::set_dst_node(p, 0);
    nr::set_client_id(p, 1);
    nr::set_seq(p, uint32_t(seq));
    nr::set_payload_len(p, cfg.payload_bytes);
    uint64_t x = seq * 0x9E3779B97F4A7C15ULL ^ cfg.seed;
    for (uint32_t i = 0; i < cfg.payload_bytes; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; p[nr::HDR_BYTES + i] = uint8_t(x); }
    return f;
  }

  std::vector<uint8_t> make_append(uint64_t index) {
    std::vector<uint8_t> f = make_req(index);
    uint8_t* p = f.data();
    nr::set_dst_mac(p, nr::MAC_GROUP);
    nr::set_src_mac(p, nr::MAC_NODE_PREFIX);
    nr::set_type(p, nr::TYPE_APPEND);
    nr::set_src_node(p, 0);
    nr::set_dst_node(p, 0xFF);
    nr::set_term(p, 1);
    nr::set_log_index(p, uint32_t(index));
    nr::set_commit_index(p, uint32_t(index > 4 ? index - 4 : 0));
    return f;
  }

  void push(NrSim& n, size_t port, std::vector<uint8_t>&& data, uint64_t at) {
    Frame f;
    f.data = std::move(data);
    f.cycle = at;
    n.in[port].q.push_back(std::move(f));
  }

  template <typename V>
  static void grow(V& v, size_t i) { if (v.size() <= i) v.resize(std::max<size_t>(i + 1, v.size() * 2), 0); }

  void setup() {
    size_t n = cfg.mode == 0 ? 1 + cfg.followers : 1;
    uint32_t members = cfg.mode == 0 ? (1u << n) - 1 : 0x3;
    for (size_t i = 0; i < n; i++) {
      nics.emplace_back(new NrSim(cfg.seed + i));
      NrSim& s = *nics.back();
      s.reset(4);
      uint32_t id = cfg.mode == 0 ? uint32_t(i) : 1;
      s.enqueue_csr_write(nr::CSR_RAFT_NODE_ID, id);
      s.enqueue_csr_write(nr::CSR_RAFT_TERM, 1);
      s.enqueue_csr_write(nr::CSR_RAFT_LEADER_ID, 0);
      s.enqueue_csr_write(nr::CSR_RAFT_MEMBERS, members);
      s.enqueue_csr_write(nr::CSR_RAFT_QUORUM, cfg.mode == 0 ? quorum() : 2);
      s.enqueue_csr_write(nr::CSR_RAFT_ACK_COUNT, cfg.ack_count);
      s.enqueue_csr_write(nr::CSR_RAFT_ACK_DELAY, cfg.ack_delay);
      s.enqueue_csr_write(nr::CSR_RAFT_HB_INTERVAL, cfg.hb_interval);
      s.enqueue_csr_write(nr::CSR_RAFT_ROLE, (cfg.mode == 0 && i == 0) ? 2 : 1);
      s.enqueue_csr_write(nr::CSR_RAFT_FAST_EN, 1);
      s.step(16);
    }
    acked.assign(n, 0);
    acked_out.assign(n, 0);
    committed.assign(n, 0);
    host.resize(n);
    cycle = nics[0]->cycle;
    for (auto& s : nics) cycle = std::max(cycle, s->cycle);
    for (auto& s : nics) while (s->cycle < cycle) s->tick();
  }

  void feed_inputs() {
    NrSim& l = *nics[0];
    if (cfg.mode == 0) {
      if (l.in[0].q.empty()) {
        if (!to_leader.empty()) {
          std::vector<uint8_t> a = std::move(to_leader.front());
          to_leader.pop_front();
          const uint8_t* p = a.data();
          uint32_t f = nr::get_src_node(p), idx = nr::get_log_index(p);
          if (nr::get_type(p) == nr::TYPE_ACK && f < acked.size() && idx > acked[f]) {
            for (uint32_t i = acked[f] + 1; i <= idx; i++) {
              grow(ack_votes, i); grow(quorum_cycle, i);
              if (++ack_votes[i] == quorum() - 1) quorum_cycle[i] = cycle;
            }
            acked[f] = idx;
          }
          acks_in++;
          push(l, 0, std::move(a), cycle);
          frames_in_leader++;
        } else if (!cfg.max_requests || offered < cfg.max_requests) {
          offered++;
          grow(req_in_cycle, offered);
          req_in_cycle[offered] = cycle;
          push(l, 0, make_req(offered), cycle);
          frames_in_leader++;
        }
      }
    } else if (l.in[0].q.empty() && (!cfg.max_requests || offered < cfg.max_requests)) {
      offered++;
      grow(append_in_cycle, offered);
      append_in_cycle[offered] = cycle;
      push(l, 0, make_append(offered), cycle);
      frames_in_follower++;
    }
  }

  void route_outputs() {
    for (size_t i = 0; i < nics.size(); i++) {
      NrSim& s = *nics[i];
      // network TX (plane 0; other planes carry copies)
      for (size_t p = 0; p < s.planes(); p++) {
        auto& q = s.out[p].q;
        while (!q.empty()) {
          Frame f = std::move(q.front());
          q.pop_front();
          if (p != 0) continue;
          const uint8_t* h = f.data.data();
          uint8_t type = f.data.size() >= nr::HDR_BYTES ? nr::get_type(h) : 0;
          if (cfg.mode == 1) {
            if (type == nr::TYPE_ACK) {
              uint32_t idx = nr::get_log_index(h);
              for (uint32_t k = acked_out[0] + 1; k <= idx && k < append_in_cycle.size(); k++)
                if (append_in_cycle[k] >= measure_from) hist[1].add(f.cycle - append_in_cycle[k]);
              acked_out[0] = std::max(acked_out[0], idx);
            }
            continue;
          }
          if (i == 0) {
            if (type == nr::TYPE_REPLY) {
              uint32_t seq = nr::get_seq(h);
              replies++;
              if (seq < req_in_cycle.size() && req_in_cycle[seq] >= measure_from) hist[3].add(f.cycle - req_in_cycle[seq]);
              continue;
            }
            if (type == nr::TYPE_APPEND) {
              uint32_t seq = nr::get_seq(h);
              if (!(nr::get_flags(h) & nr::FLAG_RETRANSMIT) && seq < req_in_cycle.size() && req_in_cycle[seq] >= measure_from)
                hist[0].add(f.cycle - req_in_cycle[seq]);
            }
            for (size_t j = 1; j < nics.size(); j++) {
              std::vector<uint8_t> copy = f.data;
              push(*nics[j], 0, std::move(copy), f.cycle + 1);
            }
          } else {
            if (type == nr::TYPE_ACK) acked_out[i] = std::max(acked_out[i], nr::get_log_index(h));
            to_leader.push_back(std::move(f.data));
          }
        }
      }
      // host RX
      auto& hq = s.out[s.planes()].q;
      while (!hq.empty()) {
        Frame f = std::move(hq.front());
        hq.pop_front();
        if (f.user == nr::HOST_COMMITTED) {
          committed[i]++;
          if (cfg.mode == 0 && i == 0 && f.data.size() >= nr::HDR_BYTES) {
            uint32_t idx = nr::get_log_index(f.data.data());
            if (idx < quorum_cycle.size() && quorum_cycle[idx] && quorum_cycle[idx] >= measure_from)
              hist[2].add(f.cycle - quorum_cycle[idx]);
          }
        }
        if (cfg.keep_host) host[i].push_back(std::move(f));
      }
    }
  }

  void run(uint64_t n) {
    for (uint64_t k = 0; k < n; k++) {
      feed_inputs();
      for (auto& s : nics) s->tick();
      cycle++;
      route_outputs();
    }
  }
};

extern "C" {

void* nr_b2b_create(const NrB2bConfig* cfg) {
  auto* w = new NrB2b();
  w->cfg = *cfg;
  if (w->cfg.mode == 0 && (w->cfg.followers < 1 || w->cfg.followers > 7)) w->cfg.followers = 2;
  if (!w->cfg.ack_count) w->cfg.ack_count = 1;
  if (!w->cfg.hb_interval) w->cfg.hb_interval = 1000;
  w->setup();
  return w;
}

void nr_b2b_destroy(void* h) { delete static_cast<NrB2b*>(h); }

uint64_t nr_b2b_run(void* h, uint64_t cycles) {
  auto* w = static_cast<NrB2b*>(h);
  w->run(cycles);
  return w->cycle;
}

// Start recording latency samples (for requests offered from now on) and reset the rate counters.
void nr_b2b_measure(void* h) {
  auto* w = static_cast<NrB2b*>(h);
  w->measure_from = w->cycle;
  w->frames_in_leader = w->frames_in_follower = 0;
  for (auto& hs : w->hist) hs = Hist();
}

// The NIC of node i, for the per-instance nr_* calls (CSRs, counters, log port, trace).
void* nr_b2b_nic(void* h, uint32_t i) {
  auto* w = static_cast<NrB2b*>(h);
  return i < w->nics.size() ? w->nics[i].get() : nullptr;
}

// Results: [cycle, offered, framesInLeader, framesInFollower, acksIn, replies, committed[0..7]]
uint32_t nr_b2b_results(void* h, uint64_t* out, uint32_t n) {
  auto* w = static_cast<NrB2b*>(h);
  std::vector<uint64_t> r = {w->cycle, w->offered, w->frames_in_leader, w->frames_in_follower, w->acks_in, w->replies};
  for (size_t i = 0; i < 8; i++) r.push_back(i < w->committed.size() ? w->committed[i] : 0);
  uint32_t k = std::min<uint32_t>(n, uint32_t(r.size()));
  std::memcpy(out, r.data(), k * sizeof(uint64_t));
  return k;
}

// Latency of one kind: [count, p50, p99, p999, max, overflow]
uint32_t nr_b2b_latency(void* h, uint32_t kind, uint64_t* out, uint32_t n) {
  auto* w = static_cast<NrB2b*>(h);
  if (kind >= LAT_KINDS || n < 6) return 0;
  const Hist& hs = w->hist[kind];
  uint64_t r[6] = {hs.count, hs.pct(0.5), hs.pct(0.99), hs.pct(0.999), hs.max, hs.overflow};
  std::memcpy(out, r, sizeof r);
  return 6;
}

// Kept host RX frames of node i, packed as nr_pull_frames packs them.
int64_t nr_b2b_pull_host(void* h, uint32_t i, uint8_t* buf, uint32_t cap) {
  auto* w = static_cast<NrB2b*>(h);
  if (i >= w->host.size()) return -1;
  return pack_frames(w->host[i], buf, cap);
}

}  // extern "C"
