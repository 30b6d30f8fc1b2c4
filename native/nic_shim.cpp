// nicraft: C ABI around one Verilated nicraft_nic, for the TypeScript binding (native/binding.ts, koffi).
//
// Every instance owns its own VerilatedContext and model, its port queues and its host-command FIFO.
// Time advances only in nr_step/nr_reset (and in the synchronous helpers, which step until done).
// Data crosses the boundary in bulk: nr_push_frames/nr_pull_frames move packed records
//   { u32 len; u32 user; u64 cycle; u8 bytes[len]; zero padding to a multiple of 8 }
// Ports: 0..P-1 are the network planes (RX in, TX out), P is the host (host TX in, host RX out).
//
// One clock cycle (drive(), then the falling half, the sample point, then the rising edge):
//   inputs for the cycle are set; clk=0, eval  -> outputs settle; handshakes sampled here
//   clk=1, eval -> registers update.  With a trace open, both halves are dumped.
#include "nic_shim.h"

namespace nrshim {

NrSim::NrSim(uint64_t s) {
  ctx.reset(new VerilatedContext);
  ctx->fatalOnError(false);
  ctx->fatalOnVpiError(false);
#if VM_TRACE
  ctx->traceEverOn(true);
#endif
  // Verilator keeps one context per thread (Verilated::threadContextp), used by $stop, a failed
  // assertion and the scopes' registration: with several models in a thread it must name this
  // model's context whenever this model is built, evaluated or destroyed
  Verilated::threadContextp(ctx.get());
  top.reset(new Vnicraft_nic(ctx.get(), "nic"));
  seed(s);
  top->clk = 0;
  top->rst = 1;
  top->eval();
}

NrSim::~NrSim() {
#if VM_TRACE
  if (tfp) { tfp->close(); tfp.reset(); }
#endif
  Verilated::threadContextp(ctx.get());
  if (top) top->final();
  top.reset();
  ctx.reset();
  Verilated::threadContextp(nullptr);
}

static inline size_t pad8(size_t n) { return (n + 7) & ~size_t(7); }

int64_t pack_frames(std::deque<Frame>& q, uint8_t* buf, uint32_t cap) {
  size_t off = 0;
  while (!q.empty()) {
    Frame& f = q.front();
    size_t rec = 16 + pad8(f.data.size());
    if (off + rec > cap) {
      if (off == 0) return -int64_t(rec);
      break;
    }
    uint32_t len = uint32_t(f.data.size());
    std::memcpy(buf + off, &len, 4); std::memcpy(buf + off + 4, &f.user, 4); std::memcpy(buf + off + 8, &f.cycle, 8);
    std::memcpy(buf + off + 16, f.data.data(), len);
    if (rec - 16 > len) std::memset(buf + off + 16 + len, 0, rec - 16 - len);
    off += rec;
    q.pop_front();
  }
  return int64_t(off);
}

}  // namespace nrshim

using nrshim::pad8;
using nrshim::NPORTS;
using nrshim::PLANES;
using nrshim::DATA_BYTES;
using nrshim::Result;
using nrshim::PortStats;

extern "C" {

uint32_t nr_abi_version(void) { return NR_ABI_VERSION; }

void* nr_create(uint64_t seed) {
  try {
    return new NrSim(seed);
  } catch (...) {
    return nullptr;
  }
}

void nr_destroy(void* h) { delete static_cast<NrSim*>(h); }

uint32_t nr_planes(void* h) { (void)h; return uint32_t(PLANES); }
uint32_t nr_data_bytes(void* h) { (void)h; return uint32_t(DATA_BYTES); }
const char* nr_last_error(void* h) { return static_cast<NrSim*>(h)->error.c_str(); }
void nr_clear_error(void* h) { static_cast<NrSim*>(h)->error.clear(); }

void nr_reset(void* h, uint32_t cycles) { static_cast<NrSim*>(h)->reset(cycles); }
uint64_t nr_step(void* h, uint64_t n) { return static_cast<NrSim*>(h)->step(n); }
uint64_t nr_cycle(void* h) { return static_cast<NrSim*>(h)->cycle; }
// 1 when time cannot go on: the model executed $finish/$stop, or broke the host command protocol (see nr_last_error)
int32_t nr_finished(void* h) { auto* s = static_cast<NrSim*>(h); return s->ctx->gotFinish() || s->fault ? 1 : 0; }

// Queues frames for an input port. Returns the number of frames taken, or -1 (malformed) or -6 (the
// port's queue would exceed MAX_PORT_FRAMES); nothing is taken then.
int64_t nr_push_frames(void* h, uint32_t port, const uint8_t* buf, uint32_t nbytes) {
  auto* s = static_cast<NrSim*>(h);
  if (port >= NPORTS) { s->error = "push: no such port"; return -1; }
  std::vector<Frame> frames;
  size_t off = 0;
  while (off < nbytes) {
    if (nbytes - off < 16) { s->error = "push: truncated record header"; return -1; }
    uint32_t len, user; uint64_t cyc;
    std::memcpy(&len, buf + off, 4); std::memcpy(&user, buf + off + 4, 4); std::memcpy(&cyc, buf + off + 8, 8);
    off += 16;
    if (len == 0) { s->error = "push: empty frame"; return -1; }
    if (len > nbytes - off) { s->error = "push: record longer than the buffer"; return -1; }
    Frame f;
    f.data.assign(buf + off, buf + off + len);
    f.user = user;
    f.cycle = cyc;
    frames.push_back(std::move(f));
    off += pad8(len);
  }
  if (s->in[port].q.size() + frames.size() > nrshim::MAX_PORT_FRAMES) {
    s->error = "push: port " + std::to_string(port) + " queue full: " + std::to_string(s->in[port].q.size()) + " frames waiting, " +
               std::to_string(frames.size()) + " more pushed (limit " + std::to_string(nrshim::MAX_PORT_FRAMES) + "); step the NIC";
    return -6;
  }
  for (auto& f : frames) s->in[port].q.push_back(std::move(f));
  return int64_t(frames.size());
}

// Writes whole records of captured frames. Returns bytes written (0: none waiting), or
// -(record size) when the first waiting record does not fit in cap.
int64_t nr_pull_frames(void* h, uint32_t port, uint8_t* buf, uint32_t cap) {
  auto* s = static_cast<NrSim*>(h);
  if (port >= NPORTS) { s->error = "pull: no such port"; return -1; }
  return pack_frames(s->out[port].q, buf, cap);
}

uint32_t nr_pending_in(void* h, uint32_t port) {
  auto* s = static_cast<NrSim*>(h);
  return port < NPORTS ? uint32_t(s->in[port].q.size()) : 0;
}
uint32_t nr_pending_out(void* h, uint32_t port) {
  auto* s = static_cast<NrSim*>(h);
  return port < NPORTS ? uint32_t(s->out[port].q.size()) : 0;
}
void nr_set_ready_prob(void* h, uint32_t port, double p) {
  auto* s = static_cast<NrSim*>(h);
  if (port < NPORTS) s->out[port].ready_p = p;
}
void nr_set_gap_prob(void* h, uint32_t port, double p) {
  auto* s = static_cast<NrSim*>(h);
  if (port < NPORTS) s->in[port].gap_p = p;
}
void nr_seed(void* h, uint64_t seed) { static_cast<NrSim*>(h)->seed(seed); }

// ---- host commands (executed in order during step, one per cycle) -------------------------------
int64_t nr_csr_write(void* h, uint32_t addr, uint32_t value) {
  return static_cast<NrSim*>(h)->enqueue_csr_write(addr, value);
}
int64_t nr_csr_read_req(void* h, uint32_t addr) { return static_cast<NrSim*>(h)->enqueue_csr_read(addr); }
int64_t nr_log_write_req(void* h, uint32_t index, const uint8_t* frame, uint32_t len) {
  return static_cast<NrSim*>(h)->enqueue_log_write(index, frame, len);
}
int64_t nr_log_read_req(void* h, uint32_t index) { return static_cast<NrSim*>(h)->enqueue_log_read(index); }

// -1 pending, -2 unknown tag (or already taken), -3 out too small (kept), -5 dropped by reset
// (-6 from the enqueue calls: the host command queue is full);
// otherwise: CSR read -> the value; log read -> bytes written to out; writes -> 0.
int64_t nr_cmd_result(void* h, uint32_t tag, uint8_t* out, uint32_t cap) {
  auto* s = static_cast<NrSim*>(h);
  auto it = s->results.find(tag);
  if (it == s->results.end()) {
    if (!s->done(tag)) return -1;
    return (tag != 0 && tag < s->next_tag) ? 0 : -2;
  }
  Result& r = it->second;
  if (!r.done) return -1;
  if (!r.data.empty()) {
    if (r.data.size() > cap) return -3;
    std::memcpy(out, r.data.data(), r.data.size());
  }
  int64_t st = r.status;
  s->results.erase(it);
  return st;
}
uint32_t nr_cmd_pending(void* h) { return uint32_t(static_cast<NrSim*>(h)->open_cmds.size()); }

// ---- synchronous helpers: step until the command is done --------------------------------------
int64_t nr_csr_read(void* h, uint32_t addr) {
  auto* s = static_cast<NrSim*>(h);
  int64_t q = nr_csr_read_req(h, addr);
  if (q < 0) return q;
  uint32_t t = uint32_t(q);
  if (!s->wait(t)) { s->results.erase(t); return -4; }
  return nr_cmd_result(h, t, nullptr, 0);
}
// Reads n registers, pipelined (one request per cycle). Returns 0, or -4 on timeout.
int64_t nr_csr_read_block(void* h, const uint32_t* addrs, uint32_t n, uint32_t* out) {
  auto* s = static_cast<NrSim*>(h);
  std::vector<uint32_t> tags(n);
  if (s->cmds_full(n)) return -6;
  for (uint32_t i = 0; i < n; i++) tags[i] = uint32_t(nr_csr_read_req(h, addrs[i]));
  int64_t rc = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (!s->wait(tags[i])) { rc = -4; break; }
  }
  for (uint32_t i = 0; i < n; i++) {
    int64_t v = rc == 0 ? nr_cmd_result(h, tags[i], nullptr, 0) : -4;
    if (v < 0) { rc = v; s->results.erase(tags[i]); }
    else out[i] = uint32_t(v);
  }
  return rc;
}
int64_t nr_csr_write_sync(void* h, uint32_t addr, uint32_t value) {
  auto* s = static_cast<NrSim*>(h);
  int64_t q = nr_csr_write(h, addr, value);
  if (q < 0) return q;
  return s->wait(uint32_t(q)) ? 0 : -4;
}
int64_t nr_log_write(void* h, uint32_t index, const uint8_t* frame, uint32_t len) {
  auto* s = static_cast<NrSim*>(h);
  int64_t t = nr_log_write_req(h, index, frame, len);
  if (t < 0) return t;
  return s->wait(uint32_t(t)) ? 0 : -4;
}
int64_t nr_log_read(void* h, uint32_t index, uint8_t* out, uint32_t cap) {
  auto* s = static_cast<NrSim*>(h);
  int64_t q = nr_log_read_req(h, index);
  if (q < 0) return q;
  uint32_t t = uint32_t(q);
  if (!s->wait(t)) { s->results.erase(t); return -4; }
  int64_t r = nr_cmd_result(h, t, out, cap);
  if (r == -3) s->results.erase(t);
  return r;
}

// ---- waveforms and coverage -------------------------------------------------------------------
int32_t nr_trace_open(void* h, const char* path) {
  auto* s = static_cast<NrSim*>(h);
#if VM_TRACE
  if (s->tfp) { s->tfp->close(); s->tfp.reset(); }
  s->tfp.reset(new VerilatedFstC);
  s->top->trace(s->tfp.get(), 99);
  s->tfp->open(path);
  if (!s->tfp->isOpen()) { s->tfp.reset(); s->error = std::string("cannot open trace file ") + path; return -1; }
  return 0;
#else
  (void)path;
  s->error = "library built without tracing";
  return -1;
#endif
}
void nr_trace_close(void* h) {
#if VM_TRACE
  auto* s = static_cast<NrSim*>(h);
  if (s->tfp) { s->tfp->close(); s->tfp.reset(); }
#else
  (void)h;
#endif
}
int32_t nr_coverage_write(void* h, const char* path) {
  auto* s = static_cast<NrSim*>(h);
#if VM_COVERAGE
  s->ctx->coveragep()->write(path);
  return 0;
#else
  (void)path;
  s->error = "library built without --coverage";
  return -1;
#endif
}
int32_t nr_has_coverage(void) { return VM_COVERAGE ? 1 : 0; }

// out: [0] cycle, [1] ports, [2] fields per port (8), then per port:
//   in_frames, in_beats, in_bytes, in_queued, out_frames, out_beats, out_bytes, out_queued
uint32_t nr_stats(void* h, uint64_t* out, uint32_t n) {
  auto* s = static_cast<NrSim*>(h);
  std::vector<uint64_t> v{s->cycle, NPORTS, 8};
  for (size_t p = 0; p < NPORTS; p++) {
    const PortStats& st = s->stats[p];
    v.insert(v.end(), {st.in_frames, st.in_beats, st.in_bytes, uint64_t(s->in[p].q.size()),
                       st.out_frames, st.out_beats, st.out_bytes, uint64_t(s->out[p].q.size())});
  }
  uint32_t m = std::min<uint32_t>(n, uint32_t(v.size()));
  std::memcpy(out, v.data(), m * sizeof(uint64_t));
  return m;
}

}  // extern "C"
