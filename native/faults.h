// nicraft: faults as data (docs/simulation.md). A fault is one line of key=value text:
//
//   kind=drop|duplicate|delay|corrupt  at=CYCLE [until=CYCLE] [plane=P] [from=MASK] [to=MASK]
//                                      [prob=F] [delay_ps=N] [jitter_ps=N]
//   kind=partition at=CYCLE [until=CYCLE] groups=0,1|2 [oneway=1] [plane=P]
//   kind=plane_down at=CYCLE [until=CYCLE] plane=P        (until: the plane comes back up)
//   kind=plane_up at=CYCLE plane=P
//   kind=crash at=CYCLE [until=CYCLE] node=N               (until: the node restarts)
//   kind=restart at=CYCLE node=N
//
// Endpoint masks: bit n < N is node n, bit N + c is client c; absent = every endpoint. A link
// fault acts on each copy a plane switch forwards from an endpoint in `from` to one in `to`
// (so `to` chooses the receiving link, `from` the sender). Partitions: frames between
// endpoints of different groups are dropped (oneway=1: only from the first group to the others);
// clients and nodes not named in any group are not affected.
#pragma once
#include "fabric.h"

namespace nrfab {

enum class FaultKind : uint8_t { Drop, Duplicate, Delay, Corrupt, Partition, PlaneDown, PlaneUp, Crash, Restart };

struct Fault {
  FaultKind kind;
  uint64_t at = 0, until = 0;   // until 0: forever (link faults, partitions) / no automatic undo
  int plane = -1;               // -1: every plane
  uint64_t from = ~0ULL, to = ~0ULL;
  double prob = 1.0;
  int64_t delay_ps = 0, jitter_ps = 0;
  int node = -1;
  std::vector<int> group_of;    // endpoint -> group (-1: none)
  bool oneway = false;
  std::string text;             // the line as given, for the log

  bool active(uint64_t cycle) const { return cycle >= at && (until == 0 || cycle < until); }
  bool on_plane(int p) const { return plane < 0 || plane == p; }
  bool link_match(int p, int src, int dst) const {
    return on_plane(p) && ((from >> src) & 1) && ((to >> dst) & 1);
  }
  bool blocks(int p, int src, int dst) const {
    if (!on_plane(p) || src >= int(group_of.size()) || dst >= int(group_of.size())) return false;
    int a = group_of[src], b = group_of[dst];
    if (a < 0 || b < 0 || a == b) return false;
    return oneway ? a == 0 : true;
  }
};

// Parses one fault line; returns an error message ("" when good).
inline std::string parse_fault(const std::string& line, size_t endpoints, Fault& f) {
  Kv kv = Kv::parse(line);
  static const std::map<std::string, FaultKind> kinds = {
    {"drop", FaultKind::Drop}, {"duplicate", FaultKind::Duplicate}, {"delay", FaultKind::Delay},
    {"corrupt", FaultKind::Corrupt}, {"partition", FaultKind::Partition}, {"plane_down", FaultKind::PlaneDown},
    {"plane_up", FaultKind::PlaneUp}, {"crash", FaultKind::Crash}, {"restart", FaultKind::Restart}};
  auto it = kinds.find(kv.str("kind"));
  if (it == kinds.end()) return "fault: unknown kind '" + kv.str("kind") + "'";
  f.kind = it->second;
  f.at = kv.u64("at");
  f.until = kv.u64("until");
  f.plane = int(kv.i64("plane", -1));
  f.from = kv.has("from") ? kv.u64("from") : ~0ULL;
  f.to = kv.has("to") ? kv.u64("to") : ~0ULL;
  f.prob = kv.num("prob", 1.0);
  f.delay_ps = kv.i64("delay_ps");
  f.jitter_ps = kv.i64("jitter_ps");
  f.node = int(kv.i64("node", -1));
  f.oneway = kv.i64("oneway") != 0;
  f.text = line;
  if (f.kind == FaultKind::Partition) {
    f.group_of.assign(endpoints, -1);
    std::string g = kv.str("groups");
    int gi = 0;
    size_t i = 0;
    while (i <= g.size()) {
      size_t j = g.find('|', i);
      if (j == std::string::npos) j = g.size();
      std::string part = g.substr(i, j - i);
      size_t k = 0;
      while (k < part.size()) {
        size_t c = part.find(',', k);
        if (c == std::string::npos) c = part.size();
        long e = std::strtol(part.substr(k, c - k).c_str(), nullptr, 10);
        if (e < 0 || size_t(e) >= endpoints) return "fault: partition endpoint out of range";
        f.group_of[size_t(e)] = gi;
        k = c + 1;
      }
      gi++;
      i = j + 1;
    }
    if (gi < 2) return "fault: a partition needs at least two groups (groups=0|1,2)";
  }
  if ((f.kind == FaultKind::Crash || f.kind == FaultKind::Restart) && f.node < 0) return "fault: crash/restart needs node=";
  if ((f.kind == FaultKind::PlaneDown || f.kind == FaultKind::PlaneUp) && f.plane < 0) return "fault: plane_down/up needs plane=";
  if (f.prob < 0 || f.prob > 1) return "fault: prob must be in [0,1]";
  return "";
}

}  // namespace nrfab
