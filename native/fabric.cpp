// nicraft: the cluster co-simulation world: N replica NICs (Verilated), P plane switches, client
// traffic generators and fault injectors, stepped in lockstep one NIC clock at a time. The
// network model is in fabric.h, faults in faults.h, clients in traffic.h; docs/network-model.md
// and docs/simulation.md describe them. TypeScript (sim/cluster.ts) drives it through this C ABI:
// one call advances many cycles; the NICs are reachable as NrSim handles (nr_cluster_nic) for
// CSRs, the log port and the host queues. Host commands must be posted (nr_csr_write,
// nr_csr_read_req, ...) and waited for by advancing the world: the synchronous nr_* helpers step
// one NIC alone and would break the lockstep.
#include <cctype>
#include <cstdarg>

#include "fabric.h"
#include "faults.h"
#include "traffic.h"
#include "link.h"

namespace nrfab {

using Bytes = std::shared_ptr<const std::vector<uint8_t>>;

enum : uint8_t { EV_SWITCH = 1, EV_ENDPOINT = 2 };

struct Ev {
  int64_t t;
  uint64_t seq;
  uint8_t kind;
  uint8_t plane;
  uint16_t src, dst;   // endpoints
  uint8_t user;        // 1: bad FCS
  uint8_t relayed;     // 1: came over a cross-link (a switch never relays it again)
  Bytes data;
};
struct EvLater {
  bool operator()(const Ev& a, const Ev& b) const { return a.t != b.t ? a.t > b.t : a.seq > b.seq; }
};

// The event queue: the events of the next RING cycles in one bucket per cycle (the cycle whose step
// takes them: the first with t <= cycle * period), later ones in a heap. A step takes its bucket's
// events in (t, seq) order, with the events it adds for itself (t <= now) merged in: the same order as
// one heap over all events, at a fraction of the cost (the heap held every frame in flight).
struct EvQueue {
  static constexpr uint64_t RING = 1024;   // cycles
  int64_t period = 4000;
  uint64_t cur = 0;                         // the cycle being (or next to be) stepped
  std::vector<std::vector<Ev>> ring = std::vector<std::vector<Ev>>(RING);
  std::priority_queue<Ev, std::vector<Ev>, EvLater> far;   // bucket >= cur + RING
  std::vector<Ev> now;                      // the current step's events: a heap (EvLater)
  bool started = false;

  uint64_t bucket(int64_t t) const { return t <= 0 ? 0 : uint64_t((t + period - 1) / period); }
  void push(Ev&& e) {
    uint64_t b = bucket(e.t);
    if (b <= cur) { now.push_back(std::move(e)); std::push_heap(now.begin(), now.end(), EvLater()); }
    else if (b - cur < RING) ring[b % RING].push_back(std::move(e));
    else far.push(std::move(e));
  }
  // Starts cycle c's step (c >= every earlier start): its bucket becomes the current heap.
  void begin(uint64_t c) {
    // buckets of cycles never stepped (none when the cycles advance one by one) are due now
    for (uint64_t b = started ? cur + 1 : cur; b < c && b < cur + RING; b++) {
      for (Ev& e : ring[b % RING]) now.push_back(std::move(e));
      ring[b % RING].clear();
    }
    started = true;
    cur = c;
    while (!far.empty() && bucket(far.top().t) < cur + RING) {
      Ev e = std::move(const_cast<Ev&>(far.top()));
      far.pop();
      push(std::move(e));   // now within the ring (or due)
    }
    std::vector<Ev>& r = ring[cur % RING];
    for (Ev& e : r) now.push_back(std::move(e));
    r.clear();
    std::make_heap(now.begin(), now.end(), EvLater());
  }
  bool due() const { return !now.empty(); }
  Ev pop() {
    std::pop_heap(now.begin(), now.end(), EvLater());
    Ev e = std::move(now.back());
    now.pop_back();
    return e;
  }
};

struct Port {                 // one endpoint's attachment to one plane
  int64_t up_busy = 0;        // the endpoint's uplink serializer is busy until
  // a NIC's MAC (cut-through): the frame whose beats it is taking started on the wire at tx_start;
  // tx_beats of them taken so far (tx_seen: the TX port's beat count when last looked at)
  int64_t tx_start = 0;
  uint64_t tx_beats = 0, tx_seen = 0;
  int64_t eg_busy = 0;        // the switch's egress port towards the endpoint is busy until
  std::deque<std::pair<int64_t, int64_t>> eg_q;   // (end of transmission, bytes) queued on egress
  int64_t eg_bytes = 0, eg_peak = 0;
  uint64_t up_frames = 0, eg_frames = 0, eg_drops = 0;
};

enum DropReason { D_BUFFER, D_PLANE_DOWN, D_LINK_DOWN, D_NODE_DOWN, D_PARTITION, D_FAULT, D_UNKNOWN_DST, D_COUNT };
static const char* drop_names[D_COUNT] = {"buffer", "plane_down", "link_down", "node_down", "partition", "fault_drop", "unknown_dst"};

struct World {
  uint32_t N = 3, P = 1, C = 1;
  uint32_t X = 0;           // external clients (driven from TypeScript): endpoints N+C .. N+C+X-1
  uint32_t node_base = 0;   // NIC node ids are node_base .. node_base+N-1 (MACs and header node fields)
  NetModel m;
  bool cross_links = false;                     // a cross-link between each pair of plane switches
  std::vector<std::vector<EgressLink>> xlinks;  // [from plane][to plane]
  uint64_t cross_frames = 0;
  uint64_t seed = 1;
  Rng rng_fault{1};
  std::vector<std::unique_ptr<NrSim>> nics;
  std::vector<uint8_t> crashed;
  std::vector<std::vector<Port>> ports;   // [plane][endpoint]
  std::vector<uint8_t> plane_up;
  EvQueue evq;
  uint64_t evseq = 0;
  uint64_t cycle = 0;
  std::vector<Fault> faults;        // sorted by `at`
  size_t fault_next = 0;
  struct Undo { uint64_t at; size_t fault; };
  std::vector<Undo> undos;
  // clients learn that a plane's links went down (or came back) this long after it happened
  uint64_t link_detect_cycles = 2500;
  struct Hint { uint64_t at; uint32_t plane; bool up; };
  std::vector<Hint> hints;
  Traffic traffic;
  EventLog log;
  uint64_t drops[D_COUNT] = {};
  uint64_t injected_drop = 0, injected_dup = 0, injected_delay = 0, injected_corrupt = 0;
  uint64_t frames_switched = 0, copies_delivered = 0;
  std::vector<uint64_t> committed, punted, punts_lost;
  std::vector<uint64_t> nic_tx;   // frames each NIC transmitted on any plane (a plane that is down drops them after)
  std::vector<std::deque<Frame>> host;   // punted frames (and committed, with keep_committed) per node
  std::vector<std::deque<Frame>> ext_in; // frames that reached each external client (user: bit0 bad FCS, bits 8.. plane)
  bool keep_committed = false;
  uint64_t host_keep_max = 100000;
  std::string error;
  bool log_injections = true;
  // a wire tap (off by default): the last tap_max frames that entered the fabric from any endpoint
  // (user: bits 0..15 the sender endpoint, bits 16.. the plane), for an attacker to replay or alter
  bool tap_on = false;
  size_t tap_max = 64;
  std::deque<Frame> tap;

  size_t E() const { return N + C + X; }
  bool is_client(size_t e) const { return e >= N; }
  std::string ep(size_t e) const { return is_client(e) ? fmt("c%zu", e - N) : fmt("n%zu", e); }

  void push_ev(Ev&& e) { e.seq = evseq++; evq.push(std::move(e)); }

  // ---- sending ------------------------------------------------------------------------------
  void send(size_t src, uint32_t p, Bytes data, int64_t ready_ps) {
    Port& pt = ports[p][src];
    int64_t w = m.wire_ps(data->size());
    int64_t s = std::max(pt.up_busy, ready_ps);
    pt.up_busy = s + w;
    send_at(src, p, std::move(data), s);
  }

  // A frame that starts on src's uplink of plane p at s (the uplink's busy time already set).
  void send_at(size_t src, uint32_t p, Bytes data, int64_t s) {
    Port& pt = ports[p][src];
    const int64_t w = m.wire_ps(data->size());
    pt.up_frames++;
    if (tap_on) {
      Frame f;
      f.data = *data;
      f.user = uint32_t(src) | (uint32_t(p) << 16);
      f.cycle = cycle;
      tap.push_back(std::move(f));
      if (tap.size() > tap_max) tap.pop_front();
    }
    int64_t first = s + (is_client(src) ? m.client_tx_ps : m.nic_tx_ps) + m.cable_ps;
    Ev e{};
    e.t = first + m.switch_ps + (m.cut_through ? 0 : w);
    e.kind = EV_SWITCH;
    e.plane = uint8_t(p);
    e.src = uint16_t(src);
    e.data = std::move(data);
    push_ev(std::move(e));
  }

  void drop(DropReason r) { drops[r]++; }

  std::string frame_desc(const std::vector<uint8_t>& d) const {
    if (d.size() < nr::HDR_BYTES) return "short";
    const uint8_t* p = d.data();
    return fmt("%s idx=%u seq=%u", type_name(nr::get_type(p)), nr::get_log_index(p), nr::get_seq(p));
  }

  // A frame's forwarding decision at plane p's switch, at time t.
  void forward(const Ev& ev) {
    uint32_t p = ev.plane;
    const std::vector<uint8_t>& d = *ev.data;
    if (!plane_up[p]) { drop(D_PLANE_DOWN); return; }
    frames_switched++;
    uint64_t dst_mac = d.size() >= 6 ? nr::get_dst_mac(d.data()) : 0;
    auto to_one = [&](size_t dst) { if (dst != ev.src) egress(ev, dst); };
    if (dst_mac == nr::MAC_GROUP) {
      for (size_t n = 0; n < N; n++) to_one(n);
      if (m.clients_in_group)
        for (size_t c = 0; c < C; c++) to_one(N + c);
      if (cross_links && !ev.relayed) relay(ev);
    } else if ((dst_mac & ~0xFFULL) == nr::MAC_NODE_PREFIX && (dst_mac & 0xFF) >= node_base && (dst_mac & 0xFF) - node_base < N) {
      to_one(size_t((dst_mac & 0xFF) - node_base));
    } else if ((dst_mac & ~0xFFFFFFULL) == nr::MAC_CLIENT_PREFIX && (dst_mac & 0xFFFFFF) >= 1 && (dst_mac & 0xFFFFFF) <= C + X) {
      to_one(N + size_t(dst_mac & 0xFFFFFF) - 1);
    } else {
      drop(D_UNKNOWN_DST);
    }
  }

  // Cross-links (off by default; docs/network-model.md): plane p's switch relays a replica-group
  // frame it got from an endpoint to every other plane's switch over the cross-link p -> q (an
  // egress port of p with the link model and buffer of any other), and switch q forwards it as its
  // own, except back to its sender, and never relays it again.
  void relay(const Ev& ev) {
    uint32_t p = ev.plane;
    int64_t len = int64_t(ev.data->size()), w = m.wire_ps(ev.data->size());
    for (uint32_t q = 0; q < P; q++) {
      if (q == p) continue;
      int64_t s = xlinks[p][q].offer(ev.t, len, w, m.egress_buffer_bytes);
      if (s < 0) { drop(D_BUFFER); continue; }
      cross_frames++;
      Ev e{};
      e.t = s + m.cable_ps + m.switch_ps + (m.cut_through ? 0 : w);
      e.kind = EV_SWITCH;
      e.plane = uint8_t(q);
      e.src = ev.src;
      e.user = ev.user;
      e.relayed = 1;
      e.data = ev.data;
      push_ev(std::move(e));
    }
  }

  void egress(const Ev& ev, size_t dst) {
    uint32_t p = ev.plane;
    size_t src = ev.src;
    uint64_t now = cycle;
    Bytes corrupted;   // a corrupted copy of the frame, if a fault makes one
    const Bytes* bytes = &ev.data;
    uint8_t user = ev.user;
    int copies = 1;
    int64_t extra = 0;
    for (auto& f : faults) {
      if (!f.active(now)) continue;
      if (f.kind == FaultKind::Partition) {
        if (f.blocks(int(p), int(src), int(dst))) { drop(D_PARTITION); return; }
        continue;
      }
      if (f.kind > FaultKind::Corrupt || !f.link_match(int(p), int(src), int(dst))) continue;
      if (f.prob < 1.0 && rng_fault.u01() >= f.prob) continue;
      switch (f.kind) {
        case FaultKind::Drop:
          injected_drop++;
          drop(D_FAULT);
          if (log_injections) log.add(now, fmt("inject drop plane=%u %s->%s %s", p, ep(src).c_str(), ep(dst).c_str(), frame_desc(**bytes).c_str()));
          return;
        case FaultKind::Duplicate:
          injected_dup++;
          copies = 2;
          if (log_injections) log.add(now, fmt("inject duplicate plane=%u %s->%s %s", p, ep(src).c_str(), ep(dst).c_str(), frame_desc(**bytes).c_str()));
          break;
        case FaultKind::Delay: {
          int64_t j = f.jitter_ps > 0 ? int64_t(rng_fault.below(uint64_t(f.jitter_ps) + 1)) : 0;
          extra += f.delay_ps + j;
          injected_delay++;
          if (log_injections) log.add(now, fmt("inject delay plane=%u %s->%s %s ps=%lld", p, ep(src).c_str(), ep(dst).c_str(), frame_desc(**bytes).c_str(), (long long)(f.delay_ps + j)));
          break;
        }
        case FaultKind::Corrupt: {
          auto c = std::make_shared<std::vector<uint8_t>>(**bytes);
          size_t bit = size_t(rng_fault.below(c->size() * 8));
          (*c)[bit / 8] ^= uint8_t(1u << (bit % 8));
          corrupted = c;
          bytes = &corrupted;
          user = 1;
          injected_corrupt++;
          if (log_injections) log.add(now, fmt("inject corrupt plane=%u %s->%s %s bit=%zu", p, ep(src).c_str(), ep(dst).c_str(), frame_desc(**bytes).c_str(), bit));
          break;
        }
        default: break;
      }
    }
    const Bytes& data = *bytes;
    Port& q = ports[p][dst];
    int64_t len = int64_t(data->size());
    int64_t w = m.wire_ps(data->size());
    for (int k = 0; k < copies; k++) {
      while (!q.eg_q.empty() && q.eg_q.front().first <= ev.t) { q.eg_bytes -= q.eg_q.front().second; q.eg_q.pop_front(); }
      if (q.eg_bytes + len > m.egress_buffer_bytes) { q.eg_drops++; drop(D_BUFFER); continue; }
      int64_t e = std::max(q.eg_busy, ev.t);
      q.eg_busy = e + w;
      q.eg_q.emplace_back(e + w, len);
      q.eg_bytes += len;
      q.eg_peak = std::max(q.eg_peak, q.eg_bytes);
      q.eg_frames++;
      Ev a{};
      a.t = e + w + m.cable_ps + (is_client(dst) ? m.client_rx_ps : m.nic_rx_ps) + extra;
      a.kind = EV_ENDPOINT;
      a.plane = uint8_t(p);
      a.src = uint16_t(src);
      a.dst = uint16_t(dst);
      a.user = user;
      a.data = data;
      push_ev(std::move(a));
    }
  }

  void arrive(Ev& ev) {
    size_t dst = ev.dst;
    copies_delivered++;
    if (is_client(dst)) {
      if (dst - N < C) {
        traffic.receive(uint32_t(dst - N), ev.data->data(), ev.data->size(), ev.user, cycle);
      } else {
        Frame f;
        f.data = *ev.data;
        f.user = ev.user;
        f.cycle = cycle;
        f.user |= uint32_t(ev.plane) << 8;
        ext_in[dst - N - C].push_back(std::move(f));
      }
      return;
    }
    if (crashed[dst]) { drop(D_NODE_DOWN); return; }
    if (!plane_up[ev.plane]) { drop(D_LINK_DOWN); return; }
    Frame f;
    // the last holder of the bytes (a frame's last copy to arrive) takes them, the others copy
    if (ev.data.use_count() == 1) f.data = std::move(const_cast<std::vector<uint8_t>&>(*ev.data));
    else f.data = *ev.data;
    f.user = ev.user;
    f.cycle = cycle;
    nics[dst]->in[ev.plane].q.push_back(std::move(f));
  }

  // ---- faults -----------------------------------------------------------------------------------
  void crash(size_t n) {
    if (n >= N || crashed[n]) return;
    NrSim& s = *nics[n];
    s.fail_all(-5);
    for (size_t p = 0; p < nrshim::NPORTS; p++) {
      s.in[p].q.clear(); s.in[p].off = 0; s.in[p].holding = false;
      s.out[p].q.clear(); s.out[p].in_frame = false; s.out[p].cur = Frame();
    }
    host[n].clear();
    s.in_reset = true;
    s.top->rst = 1;
    crashed[n] = 1;
  }
  void restart(size_t n) {
    if (n >= N || !crashed[n]) return;
    NrSim& s = *nics[n];
    s.top->rst = 0;
    s.in_reset = false;
    crashed[n] = 0;
  }

  void apply(const Fault& f, bool undo) {
    switch (f.kind) {
      case FaultKind::PlaneDown:
      case FaultKind::PlaneUp: {
        bool up = (f.kind == FaultKind::PlaneUp) != undo;
        if (size_t(f.plane) < P) plane_up[size_t(f.plane)] = up;
        log.add(cycle, fmt("%s plane=%d", up ? "plane_up" : "plane_down", f.plane));
        hints.push_back({cycle + link_detect_cycles, uint32_t(f.plane), up});
        break;
      }
      case FaultKind::Crash:
      case FaultKind::Restart: {
        bool down = (f.kind == FaultKind::Crash) != undo;
        if (down) crash(size_t(f.node)); else restart(size_t(f.node));
        log.add(cycle, fmt("%s node=%d", down ? "crash" : "restart", f.node));
        break;
      }
      default:
        log.add(cycle, fmt("%s %s", undo ? "fault_end" : "fault_start", f.text.c_str()));
        break;
    }
  }

  void run_faults() {
    while (fault_next < faults.size() && faults[fault_next].at <= cycle) {
      Fault& f = faults[fault_next];
      apply(f, false);
      if (f.until > f.at) undos.push_back({f.until, fault_next});
      fault_next++;
    }
    for (size_t i = 0; i < hints.size();) {
      if (hints[i].at <= cycle) {
        if (hints[i].plane < P) traffic.plane_hint[hints[i].plane] = hints[i].up ? 1 : 0;
        log.add(cycle, fmt("clients: link %s on plane %u", hints[i].up ? "up" : "down", hints[i].plane));
        hints.erase(hints.begin() + long(i));
      } else {
        i++;
      }
    }
    for (size_t i = 0; i < undos.size();) {
      if (undos[i].at <= cycle) { apply(faults[undos[i].fault], true); undos.erase(undos.begin() + long(i)); }
      else i++;
    }
  }

  // ---- one cycle ---------------------------------------------------------------------------------
  void step() {
    const int64_t now_ps = int64_t(cycle) * m.period_ps;
    run_faults();
    evq.begin(cycle);
    while (evq.due()) {
      Ev ev = evq.pop();
      if (ev.kind == EV_SWITCH) forward(ev); else arrive(ev);
    }
    traffic.generate(cycle, [&](uint32_t ci, uint32_t p, std::vector<uint8_t>&& f, uint32_t, bool) {
      send(N + ci, p, std::make_shared<const std::vector<uint8_t>>(std::move(f)), now_ps + m.period_ps);
    });
    // A NIC's MAC is cut-through and holds nothing ahead of the wire: a frame starts on the wire at
    // the end of the cycle its first beat was taken (or when the wire is free), and the MAC takes a
    // beat only while the wire will have sent everything taken before by the end of the next cycle,
    // so tready paces the 512-bit beats to the line rate, inside frames too (docs/network-model.md).
    const int64_t horizon = now_ps + 2 * m.period_ps;
    for (size_t i = 0; i < N; i++) {
      NrSim& s = *nics[i];
      for (uint32_t p = 0; p < P; p++) {
        bool ready = !plane_up[p] || ports[p][i].up_busy < horizon;
        s.out[p].ready_p = ready ? 1.0 : 0.0;
      }
    }
    for (auto& s : nics) s->tick();
    const int64_t end_ps = now_ps + m.period_ps;   // the end of this cycle
    for (size_t i = 0; i < N; i++) {
      NrSim& s = *nics[i];
      for (uint32_t p = 0; p < P; p++) {
        Port& pt = ports[p][i];
        auto& q = s.out[p].q;
        // a beat taken this cycle (at most one): a first beat starts the frame on the wire, every
        // beat but the last holds the wire for its 64 bytes (the last: the rest of the frame, below)
        const uint64_t beats = s.stats[p].out_beats;
        if (beats != pt.tx_seen) {
          pt.tx_seen = beats;
          if (plane_up[p]) {
            if (pt.tx_beats == 0) pt.tx_start = std::max(pt.up_busy, end_ps);
            pt.tx_beats++;
            pt.up_busy = pt.tx_start + m.wire_ps(pt.tx_beats * nrshim::DATA_BYTES);
          }
        }
        while (!q.empty()) {
          Frame f = std::move(q.front());
          q.pop_front();
          nic_tx[i]++;
          if (!plane_up[p]) { pt.tx_beats = 0; drop(D_LINK_DOWN); continue; }
          // the frame's last bit leaves no earlier than the wire allows after its last beat
          const int64_t w = m.wire_ps(f.data.size());
          const int64_t st = std::max(pt.tx_beats ? pt.tx_start : std::max(pt.up_busy, end_ps), end_ps - w);
          pt.tx_beats = 0;
          pt.up_busy = st + w;
          send_at(i, p, std::make_shared<const std::vector<uint8_t>>(std::move(f.data)), st);
        }
        if (!s.out[p].in_frame) pt.tx_beats = 0;   // (a NIC reset drops a frame it had begun)
      }
      auto& hq = s.out[nrshim::HOST].q;
      while (!hq.empty()) {
        Frame f = std::move(hq.front());
        hq.pop_front();
        bool committed_frame = (f.user & 0xFF) == nr::HOST_COMMITTED;
        if (committed_frame) committed[i]++; else punted[i]++;
        if (committed_frame && !keep_committed) continue;
        if (host[i].size() >= host_keep_max) { punts_lost[i]++; continue; }
        host[i].push_back(std::move(f));
      }
    }
    cycle++;
  }

  std::string configure(const std::string& text) {
    Kv kv = Kv::parse(text);
    N = uint32_t(kv.u64("replicas", 3));
    C = uint32_t(kv.u64("clients", 1));
    seed = kv.u64("seed", 1);
    P = uint32_t(nrshim::PLANES);
    if (kv.has("planes") && kv.u64("planes") != P)
      return fmt("this library was built with PLANES=%u, the scenario asks for %llu", P, (unsigned long long)kv.u64("planes"));
    if (N < 1 || N > 8) return "replicas must be 1..8";
    if (C < 1 || N + C > 0xFFFF) return "clients must be at least 1";
    m.period_ps = kv.i64("period_ps", m.period_ps);
    if (m.period_ps <= 0) return "period_ps must be positive";
    evq.period = m.period_ps;
    if (std::string e = parse_link_model(kv, m); !e.empty()) return e;
    m.clients_in_group = kv.i64("clients_in_group", 0) != 0;
    cross_links = kv.i64("cross_links", 0) != 0;
    keep_committed = kv.i64("keep_committed", 0) != 0;
    log_injections = kv.i64("log_injections", 1) != 0;
    log.cap = kv.u64("log_cap", 200000);
    TrafficCfg& t = traffic.cfg;
    t.closed = kv.str("mode", "open") == "closed";
    t.rate = kv.num("rate", 0);
    t.outstanding = uint32_t(kv.u64("outstanding", 1));
    t.payload = uint32_t(kv.u64("payload", 16));
    t.start = kv.u64("start", 0);
    t.stop = kv.u64("stop", 0);
    t.max_requests = kv.u64("max_requests", 0);
    t.nic_reply = kv.i64("nic_reply", 1) != 0;
    t.snoop = kv.i64("snoop", 0) != 0;
    t.follower_reply = kv.i64("follower_reply", 0) != 0;
    t.fixed_plane = int(kv.i64("fixed_plane", -1));
    t.duplicate = kv.i64("duplicate", 0) != 0;
    t.retry_cycles = kv.u64("retry_cycles", 0);
    t.retry_rate = kv.num("retry_rate", 0);
    t.avoid_cycles = kv.u64("avoid_cycles", 25000);
    t.measure_from = kv.u64("measure_from", 0);
    t.bucket_cycles = std::max<uint64_t>(1, kv.u64("bucket_cycles", 2500));
    link_detect_cycles = kv.u64("link_detect_cycles", 2500);
    X = uint32_t(kv.u64("ext_clients", 0));
    node_base = uint32_t(kv.u64("node_base", 0));
    if (node_base + N > 255) return "node_base + replicas must be at most 255";
    if (N + C + X > 0xFFFF) return "too many endpoints";
    ext_in.assign(X, {});
    traffic.leader = uint32_t(kv.u64("leader", node_base));
    traffic.init(C, P, N);

    Rng root(seed);
    rng_fault = root.fork(1);
    ports.assign(P, std::vector<Port>(E()));
    xlinks.assign(P, std::vector<EgressLink>(P));
    plane_up.assign(P, 1);
    crashed.assign(N, 0);
    committed.assign(N, 0);
    punted.assign(N, 0);
    punts_lost.assign(N, 0);
    nic_tx.assign(N, 0);
    host.resize(N);
    for (size_t i = 0; i < N; i++) {
      nics.emplace_back(new NrSim(root.next()));
      nics.back()->reset(4);
    }
    cycle = 0;
    for (auto& s : nics) cycle = std::max(cycle, s->cycle);
    for (auto& s : nics) while (s->cycle < cycle) s->tick();
    return "";
  }

  std::string add_fault(const std::string& line) {
    Fault f;
    std::string err = parse_fault(line, E(), f);
    if (!err.empty()) return err;
    if ((f.kind == FaultKind::Crash || f.kind == FaultKind::Restart) && size_t(f.node) >= N) return "fault: node out of range";
    if ((f.kind == FaultKind::PlaneDown || f.kind == FaultKind::PlaneUp) && size_t(f.plane) >= P) return "fault: plane out of range";
    if (f.at < cycle) f.at = cycle;
    // stable insertion by time (faults given in any order; equal times keep their order)
    size_t pos = faults.size();
    while (pos > fault_next && faults[pos - 1].at > f.at) pos--;
    faults.insert(faults.begin() + long(pos), f);
    for (auto& u : undos) if (u.fault >= pos) u.fault++;
    return "";
  }

  std::string stats_text() const {
    std::string s;
    auto kv = [&](const std::string& k, uint64_t v) { s += k + "=" + std::to_string(v) + "\n"; };
    kv("cycle", cycle);
    kv("offered", traffic.offered);
    kv("sends", traffic.sends);
    kv("copies", traffic.copies);
    kv("retries", traffic.retries);
    kv("retries_deferred", traffic.retries_deferred);
    kv("completed", traffic.completed);
    kv("completed_measured", traffic.completed_measured);
    kv("completed_in_window", traffic.completed_in_window);
    kv("dup_replies", traffic.dup_replies);
    kv("stray_replies", traffic.stray);
    kv("outstanding", traffic.outstanding());
    kv("frames_switched", frames_switched);
    kv("copies_delivered", copies_delivered);
    kv("cross_frames", cross_frames);
    for (size_t c = 0; c < traffic.clients.size(); c++) {
      kv(fmt("client%zu.inflight", c), traffic.clients[c].inflight);
      kv(fmt("client%zu.max_inflight", c), traffic.clients[c].max_inflight);
    }
    for (int r = 0; r < D_COUNT; r++) kv(std::string("drop.") + drop_names[r], drops[r]);
    kv("inject.drop", injected_drop);
    kv("inject.duplicate", injected_dup);
    kv("inject.delay", injected_delay);
    kv("inject.corrupt", injected_corrupt);
    kv("log.lines", log.written);
    kv("log.suppressed", log.suppressed);
    for (size_t i = 0; i < N; i++) {
      kv(fmt("node%zu.committed", i), committed[i]);
      kv(fmt("node%zu.punted", i), punted[i]);
      kv(fmt("node%zu.punts_lost", i), punts_lost[i]);
      kv(fmt("node%zu.tx_frames", i), nic_tx[i]);
      kv(fmt("node%zu.crashed", i), crashed[i]);
    }
    for (size_t p = 0; p < P; p++) {
      kv(fmt("plane%zu.up", p), plane_up[p]);
      for (size_t e = 0; e < E(); e++) {
        const Port& q = ports[p][e];
        std::string k = fmt("plane%zu.%s.", p, ep(e).c_str());
        kv(k + "up_frames", q.up_frames);
        kv(k + "egress_frames", q.eg_frames);
        kv(k + "egress_drops", q.eg_drops);
        kv(k + "egress_peak_bytes", uint64_t(q.eg_peak));
      }
      for (size_t q = 0; cross_links && q < P; q++) {
        if (q == p) continue;
        const EgressLink& x = xlinks[p][q];
        std::string k = fmt("plane%zu.x%zu.", p, q);
        kv(k + "egress_frames", x.frames);
        kv(k + "egress_drops", x.drops);
        kv(k + "egress_peak_bytes", uint64_t(x.peak));
      }
    }
    return s;
  }
};

}  // namespace nrfab

using nrfab::World;

static int64_t copy_text(const std::string& s, char* buf, uint32_t cap) {
  if (s.size() + 1 > cap) return -int64_t(s.size() + 1);
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  return int64_t(s.size());
}

extern "C" {

// Creates a world from key=value text (docs/simulation.md lists the keys). On error returns null
// and writes the message to err.
void* nr_cluster_create(const char* config, char* err, uint32_t err_cap) {
  auto* w = new World();
  std::string e;
  try {
    e = w->configure(config ? config : "");
  } catch (const std::exception& x) {
    e = x.what();
  }
  if (!e.empty()) {
    if (err && err_cap) { std::snprintf(err, err_cap, "%s", e.c_str()); }
    delete w;
    return nullptr;
  }
  return w;
}

void nr_cluster_destroy(void* h) { delete static_cast<World*>(h); }

uint32_t nr_cluster_planes(void* h) { return static_cast<World*>(h)->P; }
uint32_t nr_cluster_nodes(void* h) { return static_cast<World*>(h)->N; }
uint64_t nr_cluster_cycle(void* h) { return static_cast<World*>(h)->cycle; }
void* nr_cluster_nic(void* h, uint32_t i) {
  auto* w = static_cast<World*>(h);
  return i < w->N ? w->nics[i].get() : nullptr;
}

// One fault line (faults.h). Returns 0, or -1 with the message in err.
int32_t nr_cluster_add_fault(void* h, const char* line, char* err, uint32_t err_cap) {
  std::string e = static_cast<World*>(h)->add_fault(line ? line : "");
  if (e.empty()) return 0;
  if (err && err_cap) std::snprintf(err, err_cap, "%s", e.c_str());
  return -1;
}

// Advances n cycles. Returns the cycle after; stops early (and sets the error) if a NIC finished.
uint64_t nr_cluster_run(void* h, uint64_t n) {
  auto* w = static_cast<World*>(h);
  for (uint64_t k = 0; k < n; k++) {
    w->step();
    for (size_t i = 0; i < w->nics.size(); i++) {
      auto& s = w->nics[i];
      if (s->ctx->gotFinish()) {
        s->stopped(s->cycle ? s->cycle - 1 : 0);
        w->error = "node " + std::to_string(i) + ": " + s->error;
        return w->cycle;
      }
      if (s->fault) { w->error = "NIC " + std::to_string(i) + ": " + s->error; return w->cycle; }
    }
  }
  return w->cycle;
}

const char* nr_cluster_error(void* h) { return static_cast<World*>(h)->error.c_str(); }

void nr_cluster_set_leader(void* h, uint32_t node) {
  auto& t = static_cast<World*>(h)->traffic;
  if (t.leader == node) return;
  t.leader = node;
  // commit snooping follows the new leader's log: the indexes queued from the old leader's APPENDs
  // may hold other entries in the new leader's log, so those requests complete only when retried
  for (auto& c : t.clients) { c.snoop.clear(); c.snoop_last = 0; }
}
// The runtime's view of usable planes (bit p): clients send only on these (when any).
void nr_cluster_set_plane_hint(void* h, uint32_t mask) {
  auto* w = static_cast<World*>(h);
  bool any = false;
  for (uint32_t p = 0; p < w->P; p++) any = any || ((mask >> p) & 1);
  for (uint32_t p = 0; p < w->P; p++) w->traffic.plane_hint[p] = any ? ((mask >> p) & 1) : 1;
}
// Stops offering new requests from now (retries of outstanding ones continue).
void nr_cluster_stop_traffic(void* h) {
  auto* w = static_cast<World*>(h);
  w->traffic.cfg.stop = std::max<uint64_t>(w->cycle, 1);
  if (w->traffic.cfg.start >= w->traffic.cfg.stop) w->traffic.cfg.start = w->traffic.cfg.stop;
  for (auto& c : w->traffic.clients) c.want = 0;
}
uint32_t nr_cluster_crashed(void* h, uint32_t node) {
  auto* w = static_cast<World*>(h);
  return node < w->N ? w->crashed[node] : 0;
}

// "name=value\n" lines; returns the length, or -(size needed).
int64_t nr_cluster_stats(void* h, char* buf, uint32_t cap) { return copy_text(static_cast<World*>(h)->stats_text(), buf, cap); }

// Takes event log lines ("cycle text\n" each) that fit; returns bytes (0: none), or -(size needed).
int64_t nr_cluster_events(void* h, char* buf, uint32_t cap) {
  auto* w = static_cast<World*>(h);
  size_t off = 0;
  while (!w->log.lines.empty()) {
    const std::string& l = w->log.lines.front();
    if (off + l.size() + 1 > cap) {
      if (off == 0) return -int64_t(l.size() + 1);
      break;
    }
    std::memcpy(buf + off, l.data(), l.size());
    buf[off + l.size()] = '\n';
    off += l.size() + 1;
    w->log.lines.pop_front();
  }
  return int64_t(off);
}

// Adds a line to the event log (host software events, e.g. the runtime's notices).
void nr_cluster_log(void* h, const char* text) {
  auto* w = static_cast<World*>(h);
  w->log.add(w->cycle, text ? text : "");
}

// Client latency: [count, p50, p99, p999, max, overflow, min, sum] in cycles.
uint32_t nr_cluster_latency(void* h, uint64_t* out, uint32_t n) {
  auto* w = static_cast<World*>(h);
  const nrfab::Hist& hs = w->traffic.hist;
  uint64_t r[8] = {hs.count, hs.pct(0.5), hs.pct(0.99), hs.pct(0.999), hs.max, hs.overflow, hs.count ? hs.min : 0, hs.sum};
  uint32_t k = std::min<uint32_t>(n, 8);
  std::memcpy(out, r, k * sizeof(uint64_t));
  return k;
}
// The exact histogram: out[v] = samples of v cycles, v < n (the sparse tail above the dense bins
// included); returns min(n, max + 1), the entries written.
uint32_t nr_cluster_histogram(void* h, uint64_t* out, uint32_t n) {
  auto* w = static_cast<World*>(h);
  const nrfab::Hist& hs = w->traffic.hist;
  uint32_t k = uint32_t(std::min<uint64_t>(n, hs.count ? hs.max + 1 : 0));
  uint32_t dense = std::min<uint32_t>(k, uint32_t(hs.bins.size()));
  std::memcpy(out, hs.bins.data(), dense * sizeof(uint64_t));
  for (uint32_t v = dense; v < k; v++) out[v] = 0;
  for (const auto& [v, c] : hs.tail) if (v < k) out[v] = c;
  return k;
}
// Completions per time bucket (bucket_cycles each), from cycle 0.
uint32_t nr_cluster_buckets(void* h, uint64_t* out, uint32_t n) {
  auto* w = static_cast<World*>(h);
  uint32_t k = std::min<uint32_t>(n, uint32_t(w->traffic.buckets.size()));
  std::memcpy(out, w->traffic.buckets.data(), k * sizeof(uint64_t));
  return uint32_t(w->traffic.buckets.size());
}

// Host RX frames of node i kept for the host software, packed as nr_pull_frames packs them.
int64_t nr_cluster_pull_host(void* h, uint32_t i, uint8_t* buf, uint32_t cap) {
  auto* w = static_cast<World*>(h);
  if (i >= w->N) return -1;
  return pack_frames(w->host[i], buf, cap);
}

// External client k sends a frame on a plane (its MAC gets it at the current cycle).
int32_t nr_cluster_ext_send(void* h, uint32_t k, uint32_t plane, const uint8_t* data, uint32_t len) {
  auto* w = static_cast<World*>(h);
  if (k >= w->X || plane >= w->P || len < 14) return -1;
  w->send(w->N + w->C + k, plane, std::make_shared<const std::vector<uint8_t>>(data, data + len),
          int64_t(w->cycle) * w->m.period_ps);
  return 0;
}
// Frames that reached external client k, packed as nr_cluster_pull_host packs them.
int64_t nr_cluster_ext_poll(void* h, uint32_t k, uint8_t* buf, uint32_t cap) {
  auto* w = static_cast<World*>(h);
  if (k >= w->X) return -1;
  return pack_frames(w->ext_in[k], buf, cap);
}

// An attacker on the link into node i's NIC on a plane: the frame reaches the NIC's input now (no
// switch, no faults). 0: queued; 1: the node or the plane's links are down; -1: bad arguments.
int32_t nr_cluster_inject_rx(void* h, uint32_t i, uint32_t plane, const uint8_t* data, uint32_t len) {
  auto* w = static_cast<World*>(h);
  if (i >= w->N || plane >= w->P || len < 14) return -1;
  if (w->crashed[i] || !w->plane_up[plane]) return 1;
  Frame f;
  f.data.assign(data, data + len);
  f.cycle = w->cycle;
  w->nics[i]->in[plane].q.push_back(std::move(f));
  return 0;
}
// The wire tap: on (keeping the last `keep` frames) or off (and emptied).
void nr_cluster_tap(void* h, uint32_t keep) {
  auto* w = static_cast<World*>(h);
  w->tap_on = keep > 0;
  w->tap_max = keep;
  if (!w->tap_on) w->tap.clear();
}
// The frames the tap holds (packed as nr_cluster_pull_host packs them), emptied.
int64_t nr_cluster_tap_poll(void* h, uint8_t* buf, uint32_t cap) { return pack_frames(static_cast<World*>(h)->tap, buf, cap); }

// The least latency the model allows for one hop of a frame of len bytes (ps).
int64_t nr_cluster_hop_ps(void* h, uint32_t len, uint32_t from_client, uint32_t to_client) {
  return static_cast<World*>(h)->m.hop_ps(len, from_client != 0, to_client != 0);
}

}  // extern "C"
