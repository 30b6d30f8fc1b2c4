// nicraft: the plain C++ loop for the simulation-speed comparison in bench/nic.ts.
// Runs the same back-to-back world (native/world_b2b.cpp) through the same library the
// TypeScript binding uses, with the same chunking, and prints {"cyclesPerSec": ...}.
//   bench_loop MODE FOLLOWERS ACK_COUNT WARMUP_CYCLES CYCLES CHUNK
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

struct NrB2bConfig {
  uint32_t mode, followers, ack_count, ack_delay, hb_interval, payload_bytes, nic_reply, keep_host;
  uint64_t max_requests, seed;
  uint32_t offer_every;
};
extern "C" {
void* nr_b2b_create(const NrB2bConfig* cfg);
void nr_b2b_destroy(void* h);
uint64_t nr_b2b_run(void* h, uint64_t cycles);
void nr_b2b_measure(void* h);
}

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: bench_loop MODE FOLLOWERS ACK_COUNT WARMUP_CYCLES CYCLES CHUNK\n");
    return 2;
  }
  NrB2bConfig cfg{};
  cfg.mode = uint32_t(std::atoi(argv[1]));
  cfg.followers = uint32_t(std::atoi(argv[2]));
  cfg.ack_count = uint32_t(std::atoi(argv[3]));
  cfg.ack_delay = 16;
  cfg.hb_interval = 1000;
  cfg.payload_bytes = 4;   // a one-beat REQ (64 - 60-byte header), as sim/b2b.ts B2B_PAYLOAD_BYTES
  cfg.seed = 1;
  uint64_t warmup = std::strtoull(argv[4], nullptr, 10), cycles = std::strtoull(argv[5], nullptr, 10),
           chunk = std::strtoull(argv[6], nullptr, 10);
  void* w = nr_b2b_create(&cfg);
  nr_b2b_run(w, warmup);
  nr_b2b_measure(w);
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t done = 0; done < cycles; done += chunk) nr_b2b_run(w, chunk);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("{\"cycles\": %llu, \"seconds\": %.6f, \"cyclesPerSec\": %.1f}\n", (unsigned long long)cycles, s, double(cycles) / s);
  nr_b2b_destroy(w);
  return 0;
}
