// nicraft: the plain C++ loop for the cluster simulation-speed comparison (bench/cluster.ts, "simSpeed").
// Creates the same world as the TypeScript Cluster (the configuration text Cluster.configText),
// posts the CSR writes its hosts make at boot, and runs it in chunks of CHUNK cycles through the
// same shared library, with no host code in between. Prints {"cyclesPerSec": ..., "cyclesPerCpuSec": ...}
// (per wall-clock second and per CPU second of this process).
//   cluster_loop CONFIG_FILE CSR_FILE WARMUP_CYCLES CYCLES CHUNK
// CSR_FILE: one "node addr value" line per write, in order.
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

extern "C" {
void* nr_cluster_create(const char* config, char* err, uint32_t err_cap);
void nr_cluster_destroy(void* h);
uint64_t nr_cluster_run(void* h, uint64_t n);
void* nr_cluster_nic(void* h, uint32_t i);
const char* nr_cluster_error(void* h);
int64_t nr_csr_write(void* h, uint32_t addr, uint32_t value);
}

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: cluster_loop CONFIG_FILE CSR_FILE WARMUP_CYCLES CYCLES CHUNK\n");
    return 2;
  }
  std::ifstream cf(argv[1]);
  std::stringstream ss;
  ss << cf.rdbuf();
  std::string config = ss.str();
  char err[512] = {0};
  void* w = nr_cluster_create(config.c_str(), err, sizeof err);
  if (!w) {
    std::fprintf(stderr, "cluster_loop: %s\n", err);
    return 1;
  }
  std::ifstream csr(argv[2]);
  uint32_t node, addr, value;
  while (csr >> node >> addr >> value) nr_csr_write(nr_cluster_nic(w, node), addr, value);
  uint64_t warmup = std::strtoull(argv[3], nullptr, 10), cycles = std::strtoull(argv[4], nullptr, 10),
           chunk = std::strtoull(argv[5], nullptr, 10);
  nr_cluster_run(w, warmup);
  auto t0 = std::chrono::steady_clock::now();
  std::clock_t c0 = std::clock();
  for (uint64_t done = 0; done < cycles; done += chunk) nr_cluster_run(w, chunk < cycles - done ? chunk : cycles - done);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
  const char* e = nr_cluster_error(w);
  if (e && *e) {
    std::fprintf(stderr, "cluster_loop: %s\n", e);
    return 1;
  }
  std::printf("{\"cycles\": %llu, \"seconds\": %.6f, \"cpuSeconds\": %.6f, \"cyclesPerSec\": %.1f, \"cyclesPerCpuSec\": %.1f}\n",
              (unsigned long long)cycles, s, cpu, double(cycles) / s, double(cycles) / cpu);
  nr_cluster_destroy(w);
  return 0;
}
