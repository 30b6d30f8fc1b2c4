// nicraft: the frame world: P plane switches, E endpoints with a port on every plane, and (when
// enabled) a full-duplex cross-link between each pair of plane switches, on the cluster's network
// model (NetModel in fabric.h: serialization at the link rate, MAC/PHY and cable delay, switch
// latency, cut-through or store-and-forward; link.h: finite egress buffers that drop, counted).
// It carries frames and times them; it does not look inside them. What a switch does with a frame
// (its forwarding decision: where to, when, changed or not) and what an endpoint sends are decided
// outside, in TypeScript (sim/frame-world.ts; the crossing mode's agents and replicas in
// sim/crossing/sim.ts). docs/network-model.md ("Cross-links", "The frame world") describes it.
//
// Time is int64 picoseconds. The timing is the fabric's, hop by hop (w = wire(len)):
//   endpoint e sends on plane p, ready at t:  s = max(e's uplink free, t); busy until s + w
//     -> the frame is at switch p's forwarding point at s + tx + cable + switch (+ w store-and-forward)
//   switch p sends out of port k, ready at t (its forwarding decision time, or later):
//     k < E, an endpoint:  e = max(port free, t) (or dropped: buffer full); busy until e + w;
//       handed over by the endpoint's MAC at e + w + cable + rx
//     k = E + q, the cross-link to switch q:  same egress arithmetic; at switch q's forwarding
//       point at e + cable + switch (+ w store-and-forward), ingress port E + p
//
// One call, nr_fw_run, takes a batch of sends and returns a batch of arrivals, in time order.
// Conservative synchronization with the outside: every send is caused by an arrival (or by an
// outside timer) and is ready no earlier than its cause, and every link takes at least the
// lookahead L > 0 from ready to arrival. So once every transmission ready before t0 (the earliest
// undelivered arrival) is done, the arrivals in [t0, t0 + L) are final and go out together; sends
// that come back must be ready at t0 or later (checked).
#include <climits>
#include <queue>

#include "fabric.h"
#include "link.h"

namespace nrfw {

using nrfab::EgressLink;
using nrfab::Kv;
using nrfab::NetModel;
using nrfab::fmt;

enum : uint8_t { SEND_UPLINK = 0, SEND_EGRESS = 1 };   // records in
enum : uint8_t { AT_SWITCH = 0, AT_ENDPOINT = 1 };     // records out

// One record, in and out: 6 little-endian u32 words.
struct Rec {
  uint32_t t_lo, t_hi;   // ps
  uint32_t tag;          // the outside's handle of the frame (carried, never read)
  uint32_t len;          // bytes without FCS (at least 60: shorter frames are padded)
  uint32_t node_port;    // bits 0..15 endpoint (uplink / at endpoint), bits 16..31 switch port
  uint32_t kind_plane;   // bits 0..7 kind, bits 8..15 plane
};
static_assert(sizeof(Rec) == 24, "record layout");

constexpr uint32_t MIN_LEN = 60;
constexpr int64_t NEVER = INT64_MAX;

struct Ev {
  int64_t t;
  uint64_t seq;
  uint32_t tag, len;
  uint16_t node, port;
  uint8_t kind, plane;
};
struct Later {
  bool operator()(const Ev& a, const Ev& b) const { return a.t != b.t ? a.t > b.t : a.seq > b.seq; }
};

struct World {
  uint32_t P = 3, E = 1;
  bool cross = false;
  NetModel m;
  int64_t lookahead = 0;
  std::vector<std::vector<EgressLink>> up;   // [plane][endpoint]: the endpoint's uplink
  std::vector<std::vector<EgressLink>> eg;   // [plane][port]: 0..E-1 towards endpoints, E+q the cross-link to q
  std::priority_queue<Ev, std::vector<Ev>, Later> txq, arq;   // transmissions to start, arrivals to deliver
  uint64_t seq = 0;
  int64_t frontier = 0;   // sends must be ready at or after this
  uint64_t link_frames = 0, cross_frames = 0, buffer_drops = 0, at_switch = 0, at_endpoint = 0;
  std::string error;

  int64_t sw_ps(int64_t w) const { return m.switch_ps + (m.cut_through ? 0 : w); }

  std::string configure(const std::string& text) {
    Kv kv = Kv::parse(text);
    static const char* keys[] = {"planes", "endpoints", "cross_links"};
    for (auto& [k, v] : kv.m) {
      bool known = false;
      for (const char* x : keys) known = known || k == x;
      for (const char* x : nrfab::LINK_MODEL_KEYS) known = known || k == x;
      if (!known) return "frame world: unknown key '" + k + "'";
    }
    P = uint32_t(kv.u64("planes", 3));
    E = uint32_t(kv.u64("endpoints", 1));
    cross = kv.i64("cross_links", 0) != 0;
    if (P < 1 || P > 8) return "frame world: planes must be 1..8";
    if (E < 1 || E + P > 0xFFFF) return "frame world: endpoints must be 1..65535-planes";
    if (std::string e = nrfab::parse_link_model(kv, m); !e.empty()) return "frame world: " + e;
    int64_t w = m.wire_ps(MIN_LEN);
    lookahead = std::min({m.nic_tx_ps + m.cable_ps + sw_ps(w), w + m.cable_ps + m.nic_rx_ps, m.cable_ps + sw_ps(w)});
    if (lookahead <= 0) return "frame world: the model needs a positive least hop (cable_ps or switch_ps > 0)";
    up.assign(P, std::vector<EgressLink>(E));
    eg.assign(P, std::vector<EgressLink>(E + P));
    return "";
  }

  void push(std::priority_queue<Ev, std::vector<Ev>, Later>& q, Ev e) { e.seq = seq++; q.push(e); }

  std::string accept(const Rec& r) {
    Ev e{};
    e.t = int64_t((uint64_t(r.t_hi) << 32) | r.t_lo);
    e.tag = r.tag;
    e.len = std::max(r.len, MIN_LEN);
    e.node = uint16_t(r.node_port & 0xFFFF);
    e.port = uint16_t(r.node_port >> 16);
    e.kind = uint8_t(r.kind_plane & 0xFF);
    e.plane = uint8_t((r.kind_plane >> 8) & 0xFF);
    if (e.t < frontier) return fmt("send at %lld ps is before the world's frontier %lld ps", (long long)e.t, (long long)frontier);
    if (e.plane >= P) return fmt("send on plane %u: planes are 0..%u", e.plane, P - 1);
    if (e.kind == SEND_UPLINK) {
      if (e.node >= E) return fmt("uplink of endpoint %u: endpoints are 0..%u", e.node, E - 1);
    } else if (e.kind == SEND_EGRESS) {
      if (e.port >= E + P || e.port == E + e.plane) return fmt("switch %u has no port %u", e.plane, e.port);
      if (e.port >= E && !cross) return fmt("switch %u port %u is a cross-link, and cross-links are off", e.plane, e.port);
    } else {
      return fmt("send kind %u: allowed 0 (uplink) | 1 (switch egress)", e.kind);
    }
    push(txq, e);
    return "";
  }

  void transmit(const Ev& e) {
    int64_t w = m.wire_ps(e.len);
    Ev a = e;
    if (e.kind == SEND_UPLINK) {
      int64_t s = up[e.plane][e.node].offer(e.t, e.len, w, 0);
      link_frames++;
      a.t = s + m.nic_tx_ps + m.cable_ps + sw_ps(w);
      a.kind = AT_SWITCH;
      a.port = e.node;
      push(arq, a);
      return;
    }
    int64_t s = eg[e.plane][e.port].offer(e.t, e.len, w, m.egress_buffer_bytes);
    if (s < 0) { buffer_drops++; return; }
    link_frames++;
    if (e.port < E) {
      a.t = s + w + m.cable_ps + m.nic_rx_ps;
      a.kind = AT_ENDPOINT;
      a.node = e.port;
    } else {
      cross_frames++;
      a.t = s + m.cable_ps + sw_ps(w);
      a.kind = AT_SWITCH;
      a.port = uint16_t(E + e.plane);
      a.plane = uint8_t(e.port - E);
    }
    push(arq, a);
  }

  // Returns the number of arrivals written (<= cap), or -1 (error set).
  int64_t run(const Rec* in, uint32_t n_in, int64_t limit, Rec* out, uint32_t cap, int64_t& safe, int64_t& next) {
    for (uint32_t i = 0; i < n_in; i++) {
      std::string e = accept(in[i]);
      if (!e.empty()) { error = e; return -1; }
    }
    uint32_t n = 0;
    int64_t horizon = NEVER;
    bool started = false;
    for (;;) {
      int64_t ta = arq.empty() ? NEVER : arq.top().t;
      if (!started) {
        int64_t tt = txq.empty() ? NEVER : txq.top().t;
        if (tt < ta && tt < limit) { Ev e = txq.top(); txq.pop(); transmit(e); continue; }
        if (ta >= limit) { safe = limit; frontier = std::max(frontier, limit == NEVER ? frontier : limit); break; }
        started = true;
        frontier = std::max(frontier, ta);
        horizon = std::min(limit, ta > NEVER - lookahead ? NEVER : ta + lookahead);
        safe = horizon;
      }
      if (ta >= horizon) break;
      if (n == cap) { safe = ta; break; }
      const Ev& a = arq.top();
      Rec& r = out[n++];
      r.t_lo = uint32_t(uint64_t(a.t));
      r.t_hi = uint32_t(uint64_t(a.t) >> 32);
      r.tag = a.tag;
      r.len = a.len;
      r.node_port = uint32_t(a.node) | (uint32_t(a.port) << 16);
      r.kind_plane = uint32_t(a.kind) | (uint32_t(a.plane) << 8);
      if (a.kind == AT_SWITCH) at_switch++; else at_endpoint++;
      arq.pop();
    }
    next = std::min(arq.empty() ? NEVER : arq.top().t, txq.empty() ? NEVER : txq.top().t);
    return n;
  }

  std::string stats_text() const {
    std::string s;
    auto kv = [&](const std::string& k, uint64_t v) { s += k + "=" + std::to_string(v) + "\n"; };
    kv("link_frames", link_frames);
    kv("cross_frames", cross_frames);
    kv("drop.buffer", buffer_drops);
    kv("at_switch", at_switch);
    kv("at_endpoint", at_endpoint);
    for (uint32_t p = 0; p < P; p++) {
      for (uint32_t e = 0; e < E; e++) {
        std::string k = fmt("plane%u.e%u.", p, e);
        kv(k + "up_frames", up[p][e].frames);
        kv(k + "egress_frames", eg[p][e].frames);
        kv(k + "egress_drops", eg[p][e].drops);
        kv(k + "egress_peak_bytes", uint64_t(eg[p][e].peak));
      }
      if (cross)
        for (uint32_t q = 0; q < P; q++) {
          if (q == p) continue;
          std::string k = fmt("plane%u.x%u.", p, q);
          kv(k + "egress_frames", eg[p][E + q].frames);
          kv(k + "egress_drops", eg[p][E + q].drops);
          kv(k + "egress_peak_bytes", uint64_t(eg[p][E + q].peak));
        }
    }
    return s;
  }
};

}  // namespace nrfw

using nrfw::World;

extern "C" {

// Creates a frame world from key=value text: planes, endpoints, cross_links (0|1), link_gbps,
// nic_tx_ps, nic_rx_ps, cable_ps, switch_ps, cut_through (0|1), egress_buffer_bytes.
// On error returns null and writes the message to err.
void* nr_fw_create(const char* config, char* err, uint32_t err_cap) {
  auto* w = new World();
  std::string e = w->configure(config ? config : "");
  if (!e.empty()) {
    if (err && err_cap) std::snprintf(err, err_cap, "%s", e.c_str());
    delete w;
    return nullptr;
  }
  return w;
}

void nr_fw_destroy(void* h) { delete static_cast<World*>(h); }

const char* nr_fw_error(void* h) { return static_cast<World*>(h)->error.c_str(); }

// Takes n_sends send records, then advances the world and writes arrivals: out[0] is a header
// (words: safe_lo, safe_hi, count, next_lo, next_hi, 0), out[1..] up to cap records, in time
// order. Arrivals are delivered only before limit_ps. `safe` is the time up to which (inclusive)
// the caller may run its own events before calling again: all arrivals before it were delivered,
// and none can still appear before it. `next` is the earliest event still pending (INT64_MAX:
// none). Returns the count, or -1 (nr_fw_error says why; nothing was advanced if a send was bad).
int64_t nr_fw_run(void* h, const void* sends, uint32_t n_sends, int64_t limit_ps, void* out, uint32_t cap) {
  auto* w = static_cast<World*>(h);
  auto* o = static_cast<nrfw::Rec*>(out);
  if (cap < 1) { w->error = "nr_fw_run: out must hold the header"; return -1; }
  int64_t safe = limit_ps, next = nrfw::NEVER;
  int64_t n = w->run(static_cast<const nrfw::Rec*>(sends), n_sends, limit_ps, o + 1, cap - 1, safe, next);
  if (n < 0) return -1;
  o[0] = nrfw::Rec{uint32_t(uint64_t(safe)), uint32_t(uint64_t(safe) >> 32), uint32_t(n), uint32_t(uint64_t(next)),
                   uint32_t(uint64_t(next) >> 32), 0};
  return n;
}

// [link_frames, cross_frames, buffer_drops, at_switch, at_endpoint, lookahead_ps]
uint32_t nr_fw_counters(void* h, uint64_t* out, uint32_t n) {
  auto* w = static_cast<World*>(h);
  uint64_t r[6] = {w->link_frames, w->cross_frames, w->buffer_drops, w->at_switch, w->at_endpoint, uint64_t(w->lookahead)};
  uint32_t k = std::min<uint32_t>(n, 6);
  std::memcpy(out, r, k * sizeof(uint64_t));
  return k;
}

// The model's figures for a frame of len bytes on an idle network (ps), for cross-checking the
// TypeScript arithmetic: [wire, endpoint -> switch forwarding point, switch -> switch forwarding
// point, switch ready -> endpoint handed over].
uint32_t nr_fw_model(void* h, uint32_t len, int64_t* out, uint32_t n) {
  auto* w = static_cast<World*>(h);
  const auto& m = w->m;
  int64_t wire = m.wire_ps(std::max(len, nrfw::MIN_LEN));
  int64_t r[4] = {wire, m.nic_tx_ps + m.cable_ps + w->sw_ps(wire), m.cable_ps + w->sw_ps(wire), wire + m.cable_ps + m.nic_rx_ps};
  uint32_t k = std::min<uint32_t>(n, 4);
  std::memcpy(out, r, k * sizeof(int64_t));
  return k;
}

// "name=value\n" lines; returns the length, or -(size needed).
int64_t nr_fw_stats(void* h, char* buf, uint32_t cap) {
  std::string s = static_cast<World*>(h)->stats_text();
  if (s.size() + 1 > cap) return -int64_t(s.size() + 1);
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  return int64_t(s.size());
}

}  // extern "C"
