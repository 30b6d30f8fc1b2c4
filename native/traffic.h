// nicraft: client traffic generators of the cluster co-simulation (docs/simulation.md).
//
// Clients are endpoints with their own MAC (02:4e:43:cc:cc:cc, cc = client id, 1-based) and a
// port on every plane. Each request is a REQ to the leader's MAC on ONE plane, round robin
// (`spread`) or one fixed plane (a plane whose request timed out is avoided for a while), or on
// EVERY plane the runtime believes up (`duplicate`, PRP-style: the leader NIC sequences the first
// copy and drops the others, docs/architecture.md "Request copies"); the client keeps the first
// reply of a request and counts the others (dup_replies).
//
//   open loop   a token bucket at `rate` frames per cycle (the fraction of line rate, counting
//               preamble and IFG), clients in round robin; nothing waits for replies
//   closed loop each client keeps `outstanding` requests in flight
//
// A request completes when its reply reaches the client: the leader NIC's REPLY (NIC_REPLY flag),
// a follower NIC's REPLY (FOLLOWER_REPLY flag: the follower whose REPLY_MASK holds the client id mod 8
// replies when its commit index covers the entry; a resend asks the leader NIC instead, NIC_REPLY, so
// that a dead or lagging follower costs a retry and not the request),
// or, with commit snooping (clients listen to the replica group), the first frame of the leader
// whose commit index covers the log index the request's APPEND carried. Latency is exact in
// cycles: from the cycle the client handed the REQ to its MAC to the cycle its MAC handed over
// the completing frame. Timed-out requests are sent again (same client id and seq) on another
// plane, with the timeout doubling per resend of the same request.
#pragma once
#include "fabric.h"

namespace nrfab {

struct Req {
  uint64_t sent = 0;       // cycle of the first send
  uint64_t last = 0;       // cycle of the latest send
  uint32_t client = 0;
  uint8_t plane = 0;
  uint8_t tries = 0;
  bool done = false;
};

struct Client {
  uint32_t id = 1;                 // client_id on the wire (1-based)
  uint32_t rr = 0;                 // next plane (round robin)
  uint32_t want = 0;               // closed loop: requests to send now
  uint32_t inflight = 0;
  uint32_t max_inflight = 0;       // the most requests this client ever had in flight
  std::deque<std::pair<uint32_t, uint32_t>> snoop;   // (log index, seq) of own entries, index order
  uint32_t snoop_last = 0;         // highest index queued
  std::vector<uint64_t> avoid_until;  // per plane: cycle until which the plane is avoided
};

struct TrafficCfg {
  bool closed = false;
  double rate = 0;                 // open loop: frames per cycle, all clients together
  uint32_t outstanding = 1;        // closed loop: per client
  uint32_t payload = 16;
  uint64_t start = 0, stop = 0;    // cycles [start, stop); stop 0: no end
  uint64_t max_requests = 0;       // 0: unlimited
  bool nic_reply = true;           // REQs carry NIC_REPLY
  bool follower_reply = false;     // REQs carry FOLLOWER_REPLY (first send), NIC_REPLY (resends)
  bool snoop = false;              // complete on the leader's commit index (clients in the group)
  int fixed_plane = -1;            // -1: spread over planes
  bool duplicate = false;          // every request (and resend) on every plane that is up
  uint64_t retry_cycles = 0;       // 0: never retry
  double retry_rate = 0;           // retries per cycle, all clients together (a token bucket); 0: no limit
  uint64_t avoid_cycles = 25000;   // a plane with a timeout is avoided this long
  uint64_t measure_from = 0;       // latency samples for requests first sent at or after this cycle
  uint64_t bucket_cycles = 2500;   // completions per time bucket (throughput over time)
};

struct Traffic {
  TrafficCfg cfg;
  uint32_t planes = 1, nodes = 3;
  uint32_t leader = 0;
  std::vector<Client> clients;
  std::vector<Req> reqs;           // by seq - 1 (seq is unique across clients)
  // (due cycle, seq) of requests that may need a resend, earliest first; the timeout doubles with
  // every resend of the same request (exponential backoff, so a stall does not become a storm)
  std::priority_queue<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, uint32_t>>, std::greater<>> retry_q;
  uint64_t due(const Req& r) const { return r.last + (cfg.retry_cycles << std::min<uint32_t>(r.tries - 1u, 6u)); }
  double tokens = 0;
  double retry_tokens = 0;
  uint64_t retries_deferred = 0;   // retries held back by the retry budget (cycles x requests)
  uint32_t next_client = 0;
  uint64_t offered = 0, sends = 0, retries = 0, completed = 0, dup_replies = 0, stray = 0;
  uint64_t copies = 0;             // frames handed to the MACs (sends x planes used, duplicate mode)
  uint64_t completed_measured = 0;  // completions of requests first sent at or after measure_from (drain included)
  uint64_t completed_in_window = 0; // ... of those, completed before the offered window ended (cfg.stop)
  Hist hist;
  std::vector<uint64_t> buckets;
  std::vector<uint8_t> plane_hint;  // runtime's view: 1 = plane usable

  void init(uint32_t n_clients, uint32_t n_planes, uint32_t n_nodes) {
    planes = n_planes;
    nodes = n_nodes;
    clients.resize(n_clients);
    for (uint32_t c = 0; c < n_clients; c++) {
      clients[c].id = c + 1;
      clients[c].rr = c % n_planes;
      clients[c].avoid_until.assign(n_planes, 0);
      if (cfg.closed) clients[c].want = cfg.outstanding;
    }
    plane_hint.assign(n_planes, 1);
  }

  std::vector<uint8_t> make_req(uint32_t client_id, uint32_t seq, bool retry = false) const {
    size_t len = std::max<size_t>(nr::MIN_FRAME_BYTES, nr::HDR_BYTES + cfg.payload);
    std::vector<uint8_t> f(len, 0);
    uint8_t* p = f.data();
    nr::set_dst_mac(p, nr::MAC_NODE_PREFIX | leader);
    nr::set_src_mac(p, nr::MAC_CLIENT_PREFIX | (client_id & 0xFFFFFF));
    nr::set_ethertype(p, nr::ETHERTYPE);
    nr::set_version(p, nr::VERSION);
    nr::set_type(p, nr::TYPE_REQ);
    nr::set_cluster_id(p, 1);
    nr::set_flags(p, cfg.follower_reply ? (retry ? nr::FLAG_NIC_REPLY : nr::FLAG_FOLLOWER_REPLY)
                                        : cfg.nic_reply ? nr::FLAG_NIC_REPLY : 0);
    nr::set_src_node(p, 0xFF);
    nr::set_dst_node(p, uint8_t(leader));
    nr::set_client_id(p, client_id);
    nr::set_seq(p, seq);
    nr::set_payload_len(p, uint16_t(cfg.payload));
    uint64_t x = uint64_t(seq) * 0x9E3779B97F4A7C15ULL ^ client_id;
    for (uint32_t i = 0; i < cfg.payload; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; p[nr::HDR_BYTES + i] = uint8_t(x); }
    return f;
  }

  uint32_t pick_plane(Client& c, uint64_t cycle, int avoid = -1) {
    if (cfg.fixed_plane >= 0 && avoid < 0 && plane_hint[size_t(cfg.fixed_plane) % planes]) return uint32_t(cfg.fixed_plane) % planes;
    for (int pass = 0; pass < 3; pass++) {
      for (uint32_t k = 0; k < planes; k++) {
        uint32_t p = (c.rr + k) % planes;
        if (pass < 2 && int(p) == avoid && planes > 1) continue;
        if (pass < 2 && !plane_hint[p]) continue;
        if (pass < 1 && c.avoid_until[p] > cycle) continue;
        c.rr = (p + 1) % planes;
        return p;
      }
    }
    c.rr = (c.rr + 1) % planes;
    return c.rr;
  }

  // Hands one send of a request to the client's MAC: on plane p, or (duplicate mode) on every
  // plane up in the runtime's view (every plane when it believes none is up).
  template <typename Emit>
  void emit_copies(uint32_t ci, uint32_t p, uint32_t seq, bool retry, Emit&& emit) {
    if (!cfg.duplicate) { copies++; emit(ci, p, make_req(clients[ci].id, seq, retry), seq, retry); return; }
    bool any = false;
    for (uint32_t q = 0; q < planes; q++) any = any || plane_hint[q];
    for (uint32_t q = 0; q < planes; q++) {
      if (any && !plane_hint[q]) continue;
      copies++;
      emit(ci, q, make_req(clients[ci].id, seq, retry), seq, retry);
    }
  }

  bool window(uint64_t cycle) const {
    return cycle >= cfg.start && (cfg.stop == 0 || cycle < cfg.stop) && (!cfg.max_requests || offered < cfg.max_requests);
  }

  // A request to send: (client index, plane, frame). `emit` hands it to the client's MAC.
  template <typename Emit>
  void generate(uint64_t cycle, Emit&& emit) {
    // retries first: they are the oldest requests
    if (cfg.retry_cycles) {
      // a retry budget keeps the backlog of a stall (e.g. a failover) from arriving at once, on
      // top of the offered load, and overflowing the new leader: it drains at retry_rate
      if (cfg.retry_rate > 0) retry_tokens = std::min(retry_tokens + cfg.retry_rate, 64.0);
      while (!retry_q.empty()) {
        uint32_t seq = retry_q.top().second;
        Req& r = reqs[seq - 1];
        if (r.done) { retry_q.pop(); continue; }
        if (retry_q.top().first > cycle) break;
        if (cfg.retry_rate > 0) {
          if (retry_tokens < 1.0) { retries_deferred++; break; }
          retry_tokens -= 1.0;
        }
        retry_q.pop();
        Client& c = clients[r.client];
        c.avoid_until[r.plane] = cycle + cfg.avoid_cycles;
        uint32_t p = pick_plane(c, cycle, r.plane);
        r.plane = uint8_t(p);
        r.last = cycle;
        if (r.tries < 255) r.tries++;
        retries++;
        sends++;
        emit_copies(r.client, p, seq, true, emit);
        retry_q.emplace(due(r), seq);
      }
    }
    if (clients.empty()) return;
    if (!cfg.closed) {
      if (!window(cycle)) return;
      tokens += cfg.rate;
      while (tokens >= 1.0 && window(cycle)) {
        tokens -= 1.0;
        uint32_t ci = next_client;
        next_client = (next_client + 1) % uint32_t(clients.size());
        send_new(ci, cycle, emit);
      }
    } else {
      for (uint32_t ci = 0; ci < clients.size(); ci++) {
        Client& c = clients[ci];
        while (c.want > 0 && window(cycle)) {
          c.want--;
          send_new(ci, cycle, emit);
        }
      }
    }
  }

  template <typename Emit>
  void send_new(uint32_t ci, uint64_t cycle, Emit&& emit) {
    Client& c = clients[ci];
    offered++;
    uint32_t seq = uint32_t(offered);
    uint32_t p = pick_plane(c, cycle);
    Req r;
    r.sent = r.last = cycle;
    r.client = ci;
    r.plane = uint8_t(p);
    r.tries = 1;
    reqs.push_back(r);
    c.inflight++;
    c.max_inflight = std::max(c.max_inflight, c.inflight);
    sends++;
    emit_copies(ci, p, seq, false, emit);
    if (cfg.retry_cycles) retry_q.emplace(due(reqs.back()), seq);
  }

  void complete(uint32_t seq, uint64_t cycle) {
    if (seq == 0 || seq > reqs.size()) { stray++; return; }
    Req& r = reqs[seq - 1];
    if (r.done) { dup_replies++; return; }
    r.done = true;
    completed++;
    Client& c = clients[r.client];
    if (c.inflight) c.inflight--;
    if (cfg.closed) c.want++;
    if (r.sent >= cfg.measure_from) {
      hist.add(cycle - r.sent);
      completed_measured++;
      if (cfg.stop == 0 || cycle < cfg.stop) completed_in_window++;
    }
    size_t b = size_t(cycle / cfg.bucket_cycles);
    if (buckets.size() <= b) buckets.resize(b + 1, 0);
    buckets[b]++;
  }

  // A frame the client's MAC handed over in `cycle`.
  void receive(uint32_t ci, const uint8_t* p, size_t len, uint32_t user, uint64_t cycle) {
    if (len < nr::HDR_BYTES || user) return;   // bad FCS: the client's MAC drops it
    if (nr::get_ethertype(p) != nr::ETHERTYPE) return;
    Client& c = clients[ci];
    uint8_t t = nr::get_type(p);
    if (t == nr::TYPE_REPLY) {
      if (nr::get_client_id(p) == c.id) complete(nr::get_seq(p), cycle);
      return;
    }
    if (!cfg.snoop || (t != nr::TYPE_APPEND && t != nr::TYPE_HEARTBEAT)) return;
    if (nr::get_src_node(p) != leader) return;
    if (t == nr::TYPE_APPEND && nr::get_client_id(p) == c.id) {
      uint32_t idx = nr::get_log_index(p);
      if (idx > c.snoop_last) { c.snoop.emplace_back(idx, nr::get_seq(p)); c.snoop_last = idx; }
    }
    uint32_t commit = nr::get_commit_index(p);
    while (!c.snoop.empty() && c.snoop.front().first <= commit) {
      complete(c.snoop.front().second, cycle);
      c.snoop.pop_front();
    }
  }

  uint64_t outstanding() const {
    uint64_t n = 0;
    for (auto& r : reqs) n += !r.done;
    return n;
  }
};

}  // namespace nrfab
