// nicraft: a back-to-back world for NIC tests and benchmarks (no switches).
//
// Mode LEADER: node 0 is the leader, nodes 1..F followers. A client source keeps the leader's RX
// ports busy every cycle: frames from the followers (ACK, NACK) first, else a new REQ, sent on
// every plane (clients attach to every plane). The leader's TX frames on plane p reach every
// follower's plane-p RX port, and the followers' frames reach the leader's, one cycle after
// their last beat left, subject to the link faults of plane p (loss, duplication, reordering by
// delay jitter, plane down). Client links carry no faults (the client library retries; the NIC
// tests are about the replica network). REPLY frames from the leader go to the client.
// Mode FOLLOWER: one follower (node 1) fed one APPEND per cycle, on every plane, by a synthetic
// leader.
// Fuzzing: random, truncated and mutated frames are injected into chosen nodes' RX ports.
//
// Latency (exact, in cycles), measured on the first copy of each frame:
//   0 leaderAppend  REQ taken at the leader's RX port -> its APPEND's last beat out of TX
//   1 followerAck   APPEND taken at the follower -> the first ACK out that covers it
//   2 leaderCommit  the ACK that completed the entry's quorum taken at the leader ->
//                   the entry's last beat out of the leader's host RX queue (COMMITTED)
//   3 clientReply   REQ taken -> the NIC's REPLY out of the leader's TX (NIC_REPLY flag)
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "hist.h"
#include "nic_shim.h"
#include "rng.h"

namespace {

constexpr int LAT_KINDS = 4;
constexpr uint32_t FUZZ_CLIENT = 0xF00D;

using Hist = nrsim::CycleHist;

using Rng = nrsim::Rng;  // native/rng.h

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
  uint32_t offer_every;     // offer a request at most every N cycles (0, 1: every cycle)
};

// Link faults of the replica network, per plane, and fuzzing; can change at any time.
struct NrB2bFaults {
  double loss[3];           // probability a frame on plane p is lost (each direction, each copy)
  double dup;               // probability a delivered frame arrives twice
  uint32_t jitter_cycles;   // extra delay, uniform 0..jitter (reorders frames on a plane)
  uint32_t plane_down;      // bit p: plane p delivers nothing
  double fuzz;              // per cycle and RX port of a fuzzed node: probability of a bad frame
  uint32_t fuzz_nodes;      // bit i: fuzz node i
  uint32_t isolate;         // bit i: every frame to or from node i is lost (a partition)
};

struct NrB2b {
  struct Pending { uint64_t ready; uint64_t order; std::vector<uint8_t> data; uint32_t user; };

  NrB2bConfig cfg{};
  NrB2bFaults faults{};
  Rng rng{1};
  std::vector<std::unique_ptr<NrSim>> nics;
  // frames waiting for an RX port, per node and plane, in (ready cycle, arrival order)
  std::vector<std::vector<std::multimap<std::pair<uint64_t, uint64_t>, Pending>>> wait;
  uint64_t order = 0;
  uint64_t cycle = 0, offered = 0, acks_in = 0, replies = 0, lost = 0, duplicated = 0, fuzzed = 0;
  uint64_t frames_in_leader = 0, frames_in_follower = 0;
  bool offering = true;
  uint64_t last_offer = 0;
  std::vector<uint64_t> req_in_cycle;           // by seq
  std::vector<uint8_t> append_seen;             // by seq: APPEND latency recorded
  std::vector<uint8_t> reply_seen;              // by seq
  std::vector<uint64_t> append_in_cycle;        // follower mode, by index
  std::vector<uint64_t> quorum_cycle;           // by index: when the needed ACK arrived
  std::vector<uint32_t> ack_votes;              // by index
  std::vector<uint32_t> acked;                  // per follower, highest index ACKed (as seen by the leader)
  uint32_t acked_out = 0;                       // follower mode: highest index ACKed
  std::vector<uint64_t> committed;              // per node
  std::vector<std::deque<Frame>> host;          // kept host frames per node
  Hist hist[LAT_KINDS];
  uint64_t measure_from = 0;                    // samples before this cycle are not recorded

  size_t planes() const { return NrSim::planes(); }
  uint32_t quorum() const { return cfg.mode == 0 ? (1 + cfg.followers) / 2 + 1 : 2; }
  bool plane_up(size_t p) const { return !((faults.plane_down >> p) & 1u); }

  template <typename V>
  static void grow(V& v, size_t i) { if (v.size() <= i) v.resize(std::max<size_t>(i + 1, v.size() * 2), 0); }

  std::vector<uint8_t> make_req(uint64_t seq, uint32_t client = 1) {
    size_t len = std::max<size_t>(nr::MIN_FRAME_BYTES, nr::HDR_BYTES + cfg.payload_bytes);
    std::vector<uint8_t> f(len, 0);
    uint8_t* p = f.data();
    nr::set_dst_mac(p, nr::MAC_NODE_PREFIX);
    nr::set_src_mac(p, nr::MAC_CLIENT_PREFIX | client);
    nr::set_ethertype(p, nr::ETHERTYPE);
    nr::set_version(p, nr::VERSION);
    nr::set_type(p, nr::TYPE_REQ);
    nr::set_cluster_id(p, 1);
    nr::set_flags(p, cfg.nic_reply ? nr::FLAG_NIC_REPLY : 0);
    nr::set_src_node(p, 0xFF);
    nr::set_dst_node(p, 0);
    nr::set_client_id(p, client);
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

  // A bad frame: noise, a truncated valid frame, or a valid frame with bytes changed. Frames
  // that would be indistinguishable from the real leader's or followers' (a forgery in the
  // current term from a member) are moved to another term: authenticating the replica network
  // is out of the NIC's scope. REQs carry the fuzz client's id: a valid one is a real request.
  std::vector<uint8_t> make_fuzz() {
    uint32_t kind = rng.below(4);
    std::vector<uint8_t> f;
    if (kind == 0) {
      f.resize(1 + rng.below(400));
      for (auto& b : f) b = uint8_t(rng.next());
      return f;
    }
    static const uint8_t types[] = {nr::TYPE_REQ, nr::TYPE_APPEND, nr::TYPE_ACK, nr::TYPE_NACK, nr::TYPE_HEARTBEAT,
                                    nr::TYPE_REPLY, nr::TYPE_CONTROL, 0, 9, 200};
    uint8_t t = types[rng.below(sizeof types)];
    uint32_t r8 = rng.below(8);
    uint64_t idx = r8 == 0 ? rng.next() : r8 == 1 ? offered + 5000 + rng.below(100000) : offered + rng.below(64) - 32;
    f = t == nr::TYPE_APPEND ? make_append(idx) : make_req(rng.below(1u << 20), FUZZ_CLIENT);
    uint8_t* p = f.data();
    nr::set_type(p, t);
    if (t != nr::TYPE_REQ && t != nr::TYPE_APPEND) {
      nr::set_src_node(p, rng.below(10));
      nr::set_term(p, rng.below(3));
      nr::set_log_index(p, uint32_t(idx));
      nr::set_seq(p, uint32_t(rng.next()));
    }
    if (kind == 1) {
      f.resize(1 + rng.below(uint32_t(f.size())));
    } else {
      uint32_t n = 1 + rng.below(4);
      for (uint32_t i = 0; i < n; i++) {
        size_t at = rng.below(uint32_t(f.size()));
        if (kind == 2 && rng.below(2)) at = rng.below(uint32_t(nr::HDR_BYTES));
        f[at] ^= uint8_t(1u << rng.below(8));
      }
      if (rng.below(8) == 0) f.resize(f.size() + rng.below(200), 0);
    }
    if (f.size() >= nr::HDR_BYTES) {
      uint8_t ty = nr::get_type(p);
      bool replica = ty == nr::TYPE_APPEND || ty == nr::TYPE_HEARTBEAT || ty == nr::TYPE_ACK || ty == nr::TYPE_NACK;
      // far-future indexes are kept: the NIC must drop them (FUTURE_INDEX, BAD_ACK)
      bool far = (ty == nr::TYPE_APPEND || ty == nr::TYPE_ACK || ty == nr::TYPE_NACK) &&
                 nr::get_log_index(p) > offered + 4096 && nr::get_log_index(p) < 0x80000000u;
      if (replica && !far && nr::get_term(p) == 1 && nr::get_src_node(p) < nics.size() + (cfg.mode == 1 ? 1 : 0)) nr::set_term(p, 7);
      if (ty == nr::TYPE_REQ) nr::set_client_id(p, FUZZ_CLIENT);
    }
    return f;
  }

  void push_wait(size_t node, size_t plane, std::vector<uint8_t>&& data, uint64_t ready, uint32_t user = 0) {
    wait[node][plane].emplace(std::make_pair(ready, order++), Pending{ready, 0, std::move(data), user});
  }

  // A frame sent on plane p towards `node`, through the faults of that link.
  void send_link(size_t from, size_t node, size_t plane, const std::vector<uint8_t>& data, uint64_t sent) {
    if (!plane_up(plane) || ((faults.isolate >> from) & 1u) || ((faults.isolate >> node) & 1u) ||
        rng.u01() < faults.loss[plane]) { lost++; return; }
    uint64_t at = sent + 1 + (faults.jitter_cycles ? rng.below(faults.jitter_cycles + 1) : 0);
    push_wait(node, plane, std::vector<uint8_t>(data), at);
    if (faults.dup > 0 && rng.u01() < faults.dup) {
      duplicated++;
      push_wait(node, plane, std::vector<uint8_t>(data), at + 1 + (faults.jitter_cycles ? rng.below(faults.jitter_cycles + 1) : 0));
    }
  }

  void setup() {
    rng = Rng(cfg.seed);
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
      s.enqueue_csr_write(nr::CSR_RAFT_QUORUM, quorum());
      s.enqueue_csr_write(nr::CSR_RAFT_ACK_COUNT, cfg.ack_count);
      s.enqueue_csr_write(nr::CSR_RAFT_ACK_DELAY, cfg.ack_delay);
      s.enqueue_csr_write(nr::CSR_RAFT_HB_INTERVAL, cfg.hb_interval);
      s.enqueue_csr_write(nr::CSR_RAFT_ROLE, (cfg.mode == 0 && i == 0) ? 2 : 1);
      s.enqueue_csr_write(nr::CSR_RAFT_FAST_EN, 1);
      s.step(16);
    }
    wait.assign(n, std::vector<std::multimap<std::pair<uint64_t, uint64_t>, Pending>>(planes()));
    acked.assign(n, 0);
    committed.assign(n, 0);
    host.resize(n);
    cycle = 0;
    for (auto& s : nics) cycle = std::max(cycle, s->cycle);
    for (auto& s : nics) while (s->cycle < cycle) s->tick();
  }

  // Moves the next ready frame of (node, plane) into the NIC's RX queue if its port is free.
  bool feed_one(size_t node, size_t plane) {
    NrSim& s = *nics[node];
    if (!s.in[plane].q.empty()) return true;
    auto& w = wait[node][plane];
    if (w.empty() || w.begin()->first.first > cycle) return false;
    Pending pf = std::move(w.begin()->second);
    w.erase(w.begin());
    if (node == 0 && cfg.mode == 0 && pf.data.size() >= nr::HDR_BYTES && nr::get_type(pf.data.data()) == nr::TYPE_ACK &&
        nr::get_term(pf.data.data()) == 1) {
      uint32_t f = nr::get_src_node(pf.data.data()), idx = nr::get_log_index(pf.data.data());
      // (an index the leader cannot have written is a bogus frame: the NIC counts it as BAD_ACK)
      if (f < acked.size() && f != 0 && idx > acked[f] && idx <= offered + 1) {
        for (uint32_t i = acked[f] + 1; i <= idx; i++) {
          grow(ack_votes, i); grow(quorum_cycle, i);
          if (++ack_votes[i] == quorum() - 1) quorum_cycle[i] = cycle;
        }
        acked[f] = idx;
      }
      acks_in++;
    }
    Frame fr;
    fr.data = std::move(pf.data);
    fr.user = pf.user;
    fr.cycle = cycle;
    s.in[plane].q.push_back(std::move(fr));
    if (plane == 0) ((node == 0 && cfg.mode == 0) ? frames_in_leader : frames_in_follower)++;
    return true;
  }

  void feed_inputs() {
    // fuzz
    if (faults.fuzz > 0) {
      for (size_t i = 0; i < nics.size(); i++) {
        if (!((faults.fuzz_nodes >> i) & 1u)) continue;
        for (size_t p = 0; p < planes(); p++) {
          if (rng.u01() < faults.fuzz) {
            fuzzed++;
            push_wait(i, p, make_fuzz(), cycle, rng.below(16) == 0 ? 1u : 0u);
          }
        }
      }
    }
    bool more = offering && (!cfg.max_requests || offered < cfg.max_requests) &&
                (cfg.offer_every <= 1 || cycle >= last_offer + cfg.offer_every);
    if (cfg.mode == 0) {
      bool all_free = true;
      for (size_t p = 0; p < planes(); p++) if (feed_one(0, p)) all_free = false;
      for (size_t i = 1; i < nics.size(); i++)
        for (size_t p = 0; p < planes(); p++) feed_one(i, p);
      if (all_free && more) {
        offered++;
        last_offer = cycle;
        grow(req_in_cycle, offered); grow(append_seen, offered); grow(reply_seen, offered);
        req_in_cycle[offered] = cycle;
        std::vector<uint8_t> r = make_req(offered);
        for (size_t p = 0; p < planes(); p++) {
          push_wait(0, p, std::vector<uint8_t>(r), cycle);
          feed_one(0, p);
        }
      }
    } else {
      bool all_free = true;
      for (size_t p = 0; p < planes(); p++) if (feed_one(0, p)) all_free = false;
      if (all_free && more) {
        offered++;
        last_offer = cycle;
        grow(append_in_cycle, offered);
        append_in_cycle[offered] = cycle;
        std::vector<uint8_t> a = make_append(offered);
        for (size_t p = 0; p < planes(); p++) {
          push_wait(0, p, std::vector<uint8_t>(a), cycle);
          feed_one(0, p);
        }
      }
    }
  }

  void route_outputs() {
    for (size_t i = 0; i < nics.size(); i++) {
      NrSim& s = *nics[i];
      for (size_t p = 0; p < planes(); p++) {
        auto& q = s.out[p].q;
        while (!q.empty()) {
          Frame f = std::move(q.front());
          q.pop_front();
          const uint8_t* h = f.data.data();
          uint8_t type = f.data.size() >= nr::HDR_BYTES ? nr::get_type(h) : 0;
          if (cfg.mode == 1) {
            if (type == nr::TYPE_ACK || type == nr::TYPE_NACK) {
              uint32_t idx = nr::get_log_index(h) - (type == nr::TYPE_NACK ? 1 : 0);
              for (uint32_t k = acked_out + 1; k <= idx && k < append_in_cycle.size(); k++)
                if (append_in_cycle[k] >= measure_from) hist[1].add(f.cycle - append_in_cycle[k]);
              acked_out = std::max(acked_out, idx);
            }
            continue;
          }
          if (i == 0) {
            uint32_t seq = type ? nr::get_seq(h) : 0;
            if (type == nr::TYPE_REPLY) {
              if (nr::get_client_id(h) != 1) continue;
              if (seq < reply_seen.size() && !reply_seen[seq]) {
                reply_seen[seq] = 1;
                replies++;
                if (req_in_cycle[seq] >= measure_from) hist[3].add(f.cycle - req_in_cycle[seq]);
              }
              continue;
            }
            if (type == nr::TYPE_APPEND && !(nr::get_flags(h) & nr::FLAG_RETRANSMIT) && nr::get_client_id(h) == 1 &&
                seq < append_seen.size() && !append_seen[seq]) {
              append_seen[seq] = 1;
              if (req_in_cycle[seq] >= measure_from) hist[0].add(f.cycle - req_in_cycle[seq]);
            }
            uint32_t dst = type ? nr::get_dst_node(h) : 0xFF;
            for (size_t j = 1; j < nics.size(); j++)
              if (dst == 0xFF || dst == j) send_link(0, j, p, f.data, f.cycle);
          } else {
            send_link(i, 0, p, f.data, f.cycle);
          }
        }
      }
      // host RX
      auto& hq = s.out[planes()].q;
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

  std::string error;  // a NIC's model stopped (a failed assertion): the world stops with it

  void run(uint64_t n) {
    if (!error.empty()) return;
    for (uint64_t k = 0; k < n; k++) {
      feed_inputs();
      for (size_t i = 0; i < nics.size(); i++) {
        if (!nics[i]->tick()) error = "node " + std::to_string(i) + ": " + nics[i]->error;
      }
      cycle++;
      route_outputs();
      if (!error.empty()) return;
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

// Why the world stopped early ("" while it runs): a NIC's model stopped (a failed assertion).
const char* nr_b2b_error(void* h) { return static_cast<NrB2b*>(h)->error.c_str(); }

void nr_b2b_set_faults(void* h, const NrB2bFaults* f) { static_cast<NrB2b*>(h)->faults = *f; }

// Whether the client offers new requests (on by default).
void nr_b2b_set_offering(void* h, uint32_t on) { static_cast<NrB2b*>(h)->offering = on != 0; }

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

// Results: [cycle, offered, framesInLeader, framesInFollower, acksIn, replies, lost, duplicated,
//           fuzzed, committed[0..7]]
uint32_t nr_b2b_results(void* h, uint64_t* out, uint32_t n) {
  auto* w = static_cast<NrB2b*>(h);
  std::vector<uint64_t> r = {w->cycle, w->offered, w->frames_in_leader, w->frames_in_follower, w->acks_in, w->replies,
                             w->lost, w->duplicated, w->fuzzed};
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
