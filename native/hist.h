// nicraft: an exact latency histogram in cycles (one bin per cycle below `bins`), shared by the
// simulated worlds (world_b2b.cpp, the fabric's traffic generators).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace nrsim {

struct CycleHist {
  static constexpr uint32_t DEFAULT_BINS = 1u << 16;
  std::vector<uint64_t> bins = std::vector<uint64_t>(DEFAULT_BINS, 0);
  uint64_t overflow = 0, count = 0, max = 0, min = UINT64_MAX, sum = 0;

  void add(uint64_t v) {
    if (v < bins.size()) bins[v]++; else overflow++;
    count++;
    sum += v;
    max = std::max(max, v);
    min = std::min(min, v);
  }
  // the smallest v such that at least a fraction q of the samples are <= v
  uint64_t pct(double q) const {
    if (!count) return 0;
    uint64_t need = uint64_t(double(count) * q + 0.999999);
    if (need == 0) need = 1;
    uint64_t acc = 0;
    for (uint32_t v = 0; v < bins.size(); v++) { acc += bins[v]; if (acc >= need) return v; }
    return max;
  }
};

}  // namespace nrsim
