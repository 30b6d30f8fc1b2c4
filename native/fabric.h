// nicraft: the network model of the cluster co-simulation (docs/network-model.md).
//
// Time is kept in picoseconds (int64) so that serialization at the link rate is exact below a
// clock cycle; the NICs see whole cycles (the period, 4000 ps at 250 MHz).
//
// One hop, endpoint A -> plane switch -> endpoint B, for a frame of L bytes (FCS not included):
//   wire(L)   = (L + 4 FCS + 8 preamble/SFD + 12 IFG) * 8 / rate           serialization
//   s         = max(A's uplink free, frame ready)                            A's MAC starts sending
//   first bit at the switch      = s + txMac(A) + cable
//   forwarding may start at f    = first bit + switch        (cut-through, the default)
//                                = first bit + wire + switch (store-and-forward)
//   egress start e = max(egress port free, f); the egress port is busy until e + wire
//   B's MAC hands the frame over at e + wire + cable + rxMac(B)  (the whole frame, FCS checked)
//   a NIC sees it on its RX port from the first clock edge at or after that time.
// A NIC's TX port is back-pressured by its uplink: tready is high while the link will be free
// before the end of the next cycle (a MAC holding at most one frame ahead of the wire).
#pragma once
#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "hist.h"
#include "nicraft_wire.h"
#include "rng.h"
#include "nic_shim.h"

namespace nrfab {

// Every random choice of a world comes from its seed (native/rng.h).
using Rng = nrsim::Rng;

struct NetModel {
  int64_t period_ps = 4000;        // NIC clock (250 MHz)
  double link_gbps = 100.0;
  int64_t nic_tx_ps = 40000;       // NIC MAC + PCS + RS-FEC encode + PMA, transmit
  int64_t nic_rx_ps = 140000;      // NIC PMA + RS-FEC decode + PCS + MAC, receive
  int64_t client_tx_ps = 40000;
  int64_t client_rx_ps = 140000;
  int64_t cable_ps = 10000;        // 2 m of cable at ~5 ns/m
  int64_t switch_ps = 300000;      // port to port, first bit in to first bit out
  bool cut_through = true;
  int64_t egress_buffer_bytes = 262144;   // per egress port
  bool clients_in_group = false;   // clients listen to the replica group (commit snooping)

  // picoseconds on the wire for a frame of len bytes (without FCS)
  int64_t wire_ps(size_t len) const {
    return nr::wire_ps(len, link_gbps);  // spec/wire.yaml's Ethernet overhead
  }
  // one hop from handing a frame to the sender's MAC to the receiver's MAC handing it over
  int64_t hop_ps(size_t len, bool from_client, bool to_client) const {
    int64_t w = wire_ps(len);
    return (from_client ? client_tx_ps : nic_tx_ps) + cable_ps + switch_ps + (cut_through ? 0 : w) + w + cable_ps +
           (to_client ? client_rx_ps : nic_rx_ps);
  }
};

constexpr uint32_t HIST_CYCLES = 1u << 16;   // exact below this many cycles

using Hist = nrsim::CycleHist;

// The event log: one line per injected fault (and per state change of the world), in time order.
struct EventLog {
  std::deque<std::string> lines;
  uint64_t written = 0, suppressed = 0;
  uint64_t cap = 200000;
  void add(uint64_t cycle, const std::string& what) {
    if (written >= cap) { suppressed++; return; }
    char b[32];
    std::snprintf(b, sizeof b, "%llu ", (unsigned long long)cycle);
    lines.push_back(std::string(b) + what);
    written++;
  }
};

inline std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
inline std::string fmt(const char* f, ...) {
  char b[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(b, sizeof b, f, ap);
  va_end(ap);
  return b;
}

inline const char* type_name(uint8_t t) {
  switch (t) {
    case nr::TYPE_REQ: return "REQ";
    case nr::TYPE_APPEND: return "APPEND";
    case nr::TYPE_ACK: return "ACK";
    case nr::TYPE_NACK: return "NACK";
    case nr::TYPE_HEARTBEAT: return "HEARTBEAT";
    case nr::TYPE_REPLY: return "REPLY";
    case nr::TYPE_CONTROL: return "CONTROL";
    default: return "OTHER";
  }
}

// key=value configuration text (whitespace separated); unknown keys are an error of the caller.
struct Kv {
  std::map<std::string, std::string> m;
  static Kv parse(const std::string& line) {
    Kv kv;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace((unsigned char)line[i])) i++;
      size_t j = i;
      while (j < line.size() && !std::isspace((unsigned char)line[j])) j++;
      std::string tok = line.substr(i, j - i);
      size_t eq = tok.find('=');
      if (!tok.empty()) kv.m[eq == std::string::npos ? tok : tok.substr(0, eq)] = eq == std::string::npos ? "" : tok.substr(eq + 1);
      i = j;
    }
    return kv;
  }
  bool has(const std::string& k) const { return m.count(k) > 0; }
  std::string str(const std::string& k, const std::string& d = "") const { auto it = m.find(k); return it == m.end() ? d : it->second; }
  double num(const std::string& k, double d = 0) const { auto it = m.find(k); return it == m.end() ? d : std::strtod(it->second.c_str(), nullptr); }
  int64_t i64(const std::string& k, int64_t d = 0) const { auto it = m.find(k); return it == m.end() ? d : std::strtoll(it->second.c_str(), nullptr, 0); }
  uint64_t u64(const std::string& k, uint64_t d = 0) const { auto it = m.find(k); return it == m.end() ? d : std::strtoull(it->second.c_str(), nullptr, 0); }
};

// The link and switch model's keys (docs/network-model.md), read and checked in one place for the
// cluster fabric and the frame world. Returns "" or what is wrong, naming the key.
inline const char* const LINK_MODEL_KEYS[] = {"link_gbps", "nic_tx_ps", "nic_rx_ps", "client_tx_ps", "client_rx_ps",
                                             "cable_ps", "switch_ps", "cut_through", "egress_buffer_bytes"};
inline std::string parse_link_model(const Kv& kv, NetModel& m) {
  m.link_gbps = kv.num("link_gbps", m.link_gbps);
  m.nic_tx_ps = kv.i64("nic_tx_ps", m.nic_tx_ps);
  m.nic_rx_ps = kv.i64("nic_rx_ps", m.nic_rx_ps);
  m.client_tx_ps = kv.i64("client_tx_ps", m.nic_tx_ps);
  m.client_rx_ps = kv.i64("client_rx_ps", m.nic_rx_ps);
  m.cable_ps = kv.i64("cable_ps", m.cable_ps);
  m.switch_ps = kv.i64("switch_ps", m.switch_ps);
  m.cut_through = kv.i64("cut_through", 1) != 0;
  m.egress_buffer_bytes = kv.i64("egress_buffer_bytes", m.egress_buffer_bytes);
  if (!(m.link_gbps > 0)) return "link_gbps must be positive";
  if (m.nic_tx_ps < 0 || m.nic_rx_ps < 0 || m.client_tx_ps < 0 || m.client_rx_ps < 0 || m.cable_ps < 0 || m.switch_ps < 0)
    return "nic_tx_ps, nic_rx_ps, client_tx_ps, client_rx_ps, cable_ps and switch_ps must be >= 0";
  if (m.egress_buffer_bytes < int64_t(nr::MIN_FRAME_BYTES)) return "egress_buffer_bytes must hold one frame (>= 60)";
  return "";
}

}  // namespace nrfab
