// nicraft: the one seeded generator of the C++ side (the fabric, the back-to-back world, the module
// testbenches): xoshiro256** with its state expanded from the seed by splitmix64. The same seed gives
// the same run; fork() derives an independent stream for a named purpose. (TypeScript has its own
// one: ctrl/rand.ts.)
#pragma once

#include <cstdint>

namespace nrsim {

struct Rng {
  uint64_t s[4];

  static uint64_t splitmix(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  explicit Rng(uint64_t seed = 1) {
    uint64_t x = seed;
    for (auto& v : s) v = splitmix(x);
  }
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    const uint64_t r = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = rotl(s[3], 45);
    return r;
  }
  uint32_t u32() { return static_cast<uint32_t>(next() >> 32); }
  /** Uniform in [0, 1). */
  double u01() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  double unit() { return u01(); }
  /** Uniform in [0, n); 0 when n <= 1. */
  uint64_t below(uint64_t n) { return n <= 1 ? 0 : next() % n; }
  /** Uniform in [lo, hi]. */
  uint64_t range(uint64_t lo, uint64_t hi) { return hi <= lo ? lo : lo + below(hi - lo + 1); }
  bool chance(double p) { return p >= 1.0 || (p > 0.0 && u01() < p); }
  /** An independent stream for a named purpose. */
  Rng fork(uint64_t tag) { uint64_t x = next() ^ (tag * 0xD1B54A32D192ED03ULL); return Rng(splitmix(x)); }
};

}  // namespace nrsim
