// nicraft: an exact latency histogram in cycles, shared by the simulated worlds (world_b2b.cpp,
// the fabric's traffic generators). One dense bin per cycle below `bins.size()` (2^16 cycles,
// 262 us at 250 MHz); longer samples are kept exactly too, in a sparse map (value -> samples),
// so a percentile is never clamped to the dense range. `overflow` counts the samples in the
// sparse tail (for callers that copy out the dense bins only).
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

namespace nrsim {

struct CycleHist {
  static constexpr uint32_t DEFAULT_BINS = 1u << 16;
  std::vector<uint64_t> bins = std::vector<uint64_t>(DEFAULT_BINS, 0);
  std::map<uint64_t, uint64_t> tail;   // exact counts of the samples >= bins.size()
  uint64_t overflow = 0, count = 0, max = 0, min = UINT64_MAX, sum = 0;

  void add(uint64_t v) {
    if (v < bins.size()) bins[v]++;
    else { tail[v]++; overflow++; }
    count++;
    sum += v;
    max = std::max(max, v);
    min = std::min(min, v);
  }
  // the smallest v such that at least a fraction q of the samples are <= v (exact, tail included)
  uint64_t pct(double q) const {
    if (!count) return 0;
    uint64_t need = uint64_t(double(count) * q + 0.999999);
    if (need == 0) need = 1;
    uint64_t acc = 0;
    for (uint32_t v = 0; v < bins.size(); v++) { acc += bins[v]; if (acc >= need) return v; }
    for (const auto& [v, n] : tail) { acc += n; if (acc >= need) return v; }
    return max;   // unreachable: the counts add up to count
  }
  // samples of exactly v cycles (dense or tail)
  uint64_t at(uint64_t v) const {
    if (v < bins.size()) return bins[v];
    auto it = tail.find(v);
    return it == tail.end() ? 0 : it->second;
  }
};

}  // namespace nrsim
