// nicraft: one Verilated nicraft_nic with its port queues and host-command FIFO (see nic_shim.cpp
// for the C ABI). Shared by every C++ file of the simulation library (fabric, worlds).
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "Vnicraft_nic.h"
#include "verilated.h"
#if VM_TRACE
#include "verilated_fst_c.h"
#endif
#include "nicraft_wire.h"
#include "vl_hooks.h"

// The rising edge without the input-combinational region (Verilator 5.006's generated scheduler,
// see NrSim::posedge): with another Verilator version the shim calls eval() as usual.
#if defined(VERILATOR_VERSION_INTEGER) && VERILATOR_VERSION_INTEGER == 5006000 && !defined(NR_NO_FAST_POSEDGE)
#include "Vnicraft_nic___024root.h"
void Vnicraft_nic___024root___eval_triggers__act(Vnicraft_nic___024root* vlSelf);
void Vnicraft_nic___024root___eval_act(Vnicraft_nic___024root* vlSelf);
void Vnicraft_nic___024root___eval_nba(Vnicraft_nic___024root* vlSelf);
#define NR_FAST_POSEDGE 1
#else
#define NR_FAST_POSEDGE 0
#endif

#define NR_ABI_VERSION 1u

namespace nrshim {

template <typename T>
using Sig = std::remove_reference_t<T>;

// Widths follow from the port types Verilator generated, so one shim source serves every variant.
constexpr size_t DATA_BYTES = sizeof(Sig<decltype(Vnicraft_nic::s_axis_host_tx_tdata)>);
constexpr size_t PLANES = sizeof(Sig<decltype(Vnicraft_nic::s_axis_rx_tdata)>) / DATA_BYTES;
constexpr size_t KEEP_BYTES = DATA_BYTES / 8;  // bytes of tkeep per port
static_assert(DATA_BYTES % 8 == 0 && DATA_BYTES >= 8, "DATA_WIDTH must be a multiple of 64");
static_assert(PLANES >= 1 && PLANES <= 8, "PLANES must be 1..8");
static_assert(sizeof(Sig<decltype(Vnicraft_nic::s_axis_rx_tkeep)>) >= PLANES * KEEP_BYTES, "tkeep width");
constexpr size_t NPORTS = PLANES + 1;
constexpr size_t HOST = PLANES;
constexpr uint64_t CLK_PERIOD = 4000;           // trace time units (1 ps precision: 250 MHz)
constexpr size_t MAX_CAPTURE = 1u << 20;        // a captured frame longer than this is cut
constexpr uint32_t USER_TRUNCATED = 1u << 31;   // record user bit: capture was cut
constexpr uint64_t SYNC_LIMIT = 1000000;        // synchronous helpers give up after this many cycles
constexpr uint32_t MAX_LOG_BEATS = 255;
// Queues the caller grows: a push or a command beyond these is refused with a message (-1), not queued.
constexpr size_t MAX_PORT_FRAMES = 1u << 16;    // frames waiting on one input port
constexpr size_t MAX_HOST_CMDS = 1u << 18;      // host commands (beats) not yet presented to the NIC

template <typename T>
inline uint8_t* bytes(T& sig) { return reinterpret_cast<uint8_t*>(&sig); }  // little-endian host
inline void set_bit(uint8_t* p, size_t bit, bool v) {
  if (v) p[bit >> 3] |= uint8_t(1u << (bit & 7));
  else p[bit >> 3] &= uint8_t(~(1u << (bit & 7)));
}
inline bool get_bit(const uint8_t* p, size_t bit) { return (p[bit >> 3] >> (bit & 7)) & 1u; }

struct Frame {
  std::vector<uint8_t> data;
  uint32_t user = 0;
  uint64_t cycle = 0;
};

struct PortStats {
  uint64_t in_frames = 0, in_beats = 0, in_bytes = 0, out_frames = 0, out_beats = 0, out_bytes = 0;
};

struct InPort {
  std::deque<Frame> q;
  size_t off = 0;        // byte offset of the next beat in q.front()
  bool holding = false;  // a beat is presented and not yet taken: keep it stable
  double gap_p = 0.0;
};

struct OutPort {
  std::deque<Frame> q;
  Frame cur;
  bool in_frame = false;
  double ready_p = 1.0;
};

enum class Kind : uint8_t { CsrWrite, CsrRead, LogWrite, LogRead };

struct Cmd {
  Kind kind;
  uint32_t tag;
  uint32_t addr;   // CSR address or log index
  uint32_t value;  // CSR write value
  uint8_t beat = 0;
  uint16_t len = 0;
  bool last = true;                  // last request of its tag
  std::shared_ptr<std::vector<uint8_t>> data;  // log write payload (whole frame)
};

struct Result {
  int64_t status = 0;  // >= 0 done (CSR read value / log read length / 0), < 0 error
  std::vector<uint8_t> data;
  uint32_t beats_left = 0;
  bool done = false;
};

struct Outstanding {
  uint32_t tag;
  uint8_t beat;
};

// One simulated NIC: the Verilated model, its port queues and its host-command FIFO.
// Other C++ (fabric, worlds) may drive several directly: push to in[port].q, tick(), drain out[port].q.
struct NrSim {
  explicit NrSim(uint64_t seed = 1);
  ~NrSim();
  NrSim(const NrSim&) = delete;
  NrSim& operator=(const NrSim&) = delete;
  static constexpr size_t planes() { return PLANES; }
  void seed(uint64_t s) { rng = s ? (s * 0x9E3779B97F4A7C15ULL) | 1 : 0x9E3779B97F4A7C15ULL; }

  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vnicraft_nic> top;
#if VM_TRACE
  std::unique_ptr<VerilatedFstC> tfp;
#endif
  uint64_t cycle = 0;
  uint64_t rng = 0x9E3779B97F4A7C15ULL;
  InPort in[NPORTS];
  OutPort out[NPORTS];
  PortStats stats[NPORTS];
  std::deque<Cmd> cmds;
  std::deque<uint32_t> csr_wait;       // CSR reads issued, in order
  std::deque<Outstanding> log_wait;    // log reads issued, in order
  std::unordered_map<uint32_t, Result> results;  // tags of reads (and failed commands) not yet taken
  std::unordered_map<uint32_t, uint32_t> open_cmds;  // tag -> requests still to finish
  int64_t barrier = -1;                // tag of a log read whose beat 0 is awaited (issue stalls)
  uint32_t next_tag = 1;
  std::string error;
  // the model broke the host command protocol (a read answer nobody asked for): the shim's state no
  // longer matches the model's, so time stops (tick() fails) and nr_finished reports it
  bool fault = false;
  bool in_reset = false;

  double rand01() {
    rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27;
    return double((rng * 0x2545F4914F6CDD1DULL) >> 11) * (1.0 / 9007199254740992.0);
  }

  // ---- signal access --------------------------------------------------------------------------
  uint8_t* in_data(size_t p) { return p == HOST ? bytes(top->s_axis_host_tx_tdata) : bytes(top->s_axis_rx_tdata) + p * DATA_BYTES; }
  uint8_t* in_keep(size_t p) { return p == HOST ? bytes(top->s_axis_host_tx_tkeep) : bytes(top->s_axis_rx_tkeep) + p * KEEP_BYTES; }
  void in_ctl(size_t p, bool valid, bool last, bool user) {
    if (p == HOST) { top->s_axis_host_tx_tvalid = valid; top->s_axis_host_tx_tlast = last; return; }
    set_bit(bytes(top->s_axis_rx_tvalid), p, valid);
    set_bit(bytes(top->s_axis_rx_tlast), p, last);
    set_bit(bytes(top->s_axis_rx_tuser), p, user);
  }
  bool in_ready(size_t p) { return p == HOST ? top->s_axis_host_tx_tready : get_bit(bytes(top->s_axis_rx_tready), p); }
  bool in_valid(size_t p) { return p == HOST ? top->s_axis_host_tx_tvalid : get_bit(bytes(top->s_axis_rx_tvalid), p); }

  const uint8_t* out_data(size_t p) { return p == HOST ? bytes(top->m_axis_host_rx_tdata) : bytes(top->m_axis_tx_tdata) + p * DATA_BYTES; }
  const uint8_t* out_keep(size_t p) { return p == HOST ? bytes(top->m_axis_host_rx_tkeep) : bytes(top->m_axis_tx_tkeep) + p * KEEP_BYTES; }
  bool out_valid(size_t p) { return p == HOST ? top->m_axis_host_rx_tvalid : get_bit(bytes(top->m_axis_tx_tvalid), p); }
  bool out_last(size_t p) { return p == HOST ? top->m_axis_host_rx_tlast : get_bit(bytes(top->m_axis_tx_tlast), p); }
  uint32_t out_user(size_t p) { return p == HOST ? top->m_axis_host_rx_tuser : 0; }
  void set_out_ready(size_t p, bool r) {
    if (p == HOST) top->m_axis_host_rx_tready = r;
    else set_bit(bytes(top->m_axis_tx_tready), p, r);
  }
  bool out_ready(size_t p) { return p == HOST ? top->m_axis_host_rx_tready : get_bit(bytes(top->m_axis_tx_tready), p); }

  // ---- one cycle ------------------------------------------------------------------------------
  void drive_inputs() {
    for (size_t p = 0; p < NPORTS; p++) {
      InPort& ip = in[p];
      bool present = false;
      if (in_reset) {
        present = false;
      } else if (ip.holding) {
        present = true;
      } else if (!ip.q.empty() && ip.q.front().cycle <= cycle) {
        present = !(ip.gap_p > 0.0 && rand01() < ip.gap_p);
      }
      if (!present) { in_ctl(p, false, false, false); continue; }
      const Frame& f = ip.q.front();
      size_t n = f.data.size() - ip.off;
      bool last = n <= DATA_BYTES;
      if (!last) n = DATA_BYTES;
      if (!ip.holding) {
        uint8_t* d = in_data(p);
        std::memcpy(d, f.data.data() + ip.off, n);
        if (n < DATA_BYTES) std::memset(d + n, 0, DATA_BYTES - n);
        uint8_t* k = in_keep(p);
        std::memset(k, 0, KEEP_BYTES);
        std::memset(k, 0xFF, n / 8);
        if (n % 8) k[n / 8] = uint8_t((1u << (n % 8)) - 1);
      }
      ip.holding = true;
      in_ctl(p, true, last, f.user & 1u);
    }
    for (size_t p = 0; p < NPORTS; p++) {
      double r = out[p].ready_p;
      set_out_ready(p, !in_reset && (r >= 1.0 || (r > 0.0 && rand01() < r)));
    }
    // host command port: at most one command per cycle
    top->csr_wr_en = 0;
    top->csr_rd_en = 0;
    top->log_req_valid = 0;
    if (in_reset || cmds.empty() || barrier >= 0) return;
    Cmd& c = cmds.front();
    switch (c.kind) {
      case Kind::CsrWrite:
        top->csr_wr_en = 1; top->csr_addr = uint16_t(c.addr); top->csr_wr_data = c.value;
        break;
      case Kind::CsrRead:
        top->csr_rd_en = 1; top->csr_addr = uint16_t(c.addr);
        break;
      case Kind::LogWrite:
      case Kind::LogRead: {
        top->log_req_valid = 1;
        top->log_req_write = c.kind == Kind::LogWrite;
        top->log_req_index = c.addr;
        top->log_req_beat = c.beat;
        top->log_req_len = c.len;
        uint8_t* d = bytes(top->log_req_data);
        std::memset(d, 0, DATA_BYTES);
        if (c.kind == Kind::LogWrite && c.data) {
          size_t off = size_t(c.beat) * DATA_BYTES;
          if (off < c.data->size()) std::memcpy(d, c.data->data() + off, std::min(DATA_BYTES, c.data->size() - off));
        }
        break;
      }
    }
  }

  void finish_req(uint32_t tag) {
    auto it = open_cmds.find(tag);
    if (it == open_cmds.end()) return;
    if (--it->second == 0) open_cmds.erase(it);
  }

  void sample() {
    // network and host streams
    for (size_t p = 0; p < NPORTS; p++) {
      InPort& ip = in[p];
      if (ip.holding && in_valid(p) && in_ready(p)) {
        Frame& f = ip.q.front();
        size_t n = std::min(DATA_BYTES, f.data.size() - ip.off);
        ip.off += n;
        ip.holding = false;
        stats[p].in_beats++;
        if (ip.off >= f.data.size()) {
          stats[p].in_frames++;
          stats[p].in_bytes += f.data.size();
          ip.q.pop_front();
          ip.off = 0;
        }
      }
      OutPort& op = out[p];
      if (out_ready(p) && out_valid(p)) {
        if (!op.in_frame) { op.cur = Frame(); op.in_frame = true; }
        const uint8_t* d = out_data(p);
        const uint8_t* k = out_keep(p);
        if (op.cur.user == 0) op.cur.user = out_user(p);
        static const std::array<uint8_t, KEEP_BYTES> kAllKept = [] {
          std::array<uint8_t, KEEP_BYTES> a{};
          a.fill(0xFF);
          return a;
        }();
        const bool full = std::memcmp(k, kAllKept.data(), KEEP_BYTES) == 0;
        // the kept bytes as a contiguous prefix (every beat but a frame's last, and the last one
        // too as the NIC sends them): appended at once; anything else byte by byte
        size_t prefix = full ? DATA_BYTES : 0;
        if (!full && KEEP_BYTES == 8) {
          uint64_t kv;
          std::memcpy(&kv, k, 8);
          if ((kv & (kv + 1)) == 0) prefix = size_t(__builtin_popcountll(kv));
        }
        if (op.cur.data.empty()) op.cur.data.reserve(DATA_BYTES);
        if ((full || prefix > 0) && op.cur.data.size() + prefix <= MAX_CAPTURE) {
          op.cur.data.insert(op.cur.data.end(), d, d + prefix);
        } else {
          for (size_t i = 0; i < DATA_BYTES; i++) {
            if (!get_bit(k, i)) continue;
            if (op.cur.data.size() < MAX_CAPTURE) op.cur.data.push_back(d[i]);
            else op.cur.user |= USER_TRUNCATED;
          }
        }
        stats[p].out_beats++;
        if (out_last(p)) {
          op.cur.cycle = cycle;
          stats[p].out_frames++;
          stats[p].out_bytes += op.cur.data.size();
          op.q.push_back(std::move(op.cur));
          op.cur = Frame();
          op.in_frame = false;
        }
      }
    }
    if (in_reset) return;
    // the command presented this cycle (first: a response may queue commands at the front)
    if (top->csr_wr_en) { finish_req(cmds.front().tag); cmds.pop_front(); }
    else if (top->csr_rd_en) { csr_wait.push_back(cmds.front().tag); cmds.pop_front(); }
    else if (top->log_req_valid && top->log_req_ready) {
      Cmd& c = cmds.front();
      if (c.kind == Kind::LogRead) {
        log_wait.push_back({c.tag, c.beat});
        if (c.beat == 0) barrier = c.tag;
      } else {
        finish_req(c.tag);
      }
      cmds.pop_front();
    }
    // responses (issued on earlier cycles)
    if (top->csr_rd_valid && csr_wait.empty()) protocol_fault("a CSR read answer with no CSR read outstanding");
    if (top->log_rsp_valid && log_wait.empty()) protocol_fault("a log port read answer with no log read outstanding");
    if (top->csr_rd_valid && !csr_wait.empty()) {
      uint32_t tag = csr_wait.front();
      csr_wait.pop_front();
      Result& r = results[tag];
      r.status = int64_t(uint32_t(top->csr_rd_data));
      r.done = true;
      finish_req(tag);
    }
    if (top->log_rsp_valid && !log_wait.empty()) {
      Outstanding o = log_wait.front();
      log_wait.pop_front();
      Result& r = results[o.tag];
      const uint8_t* d = bytes(top->log_rsp_data);
      if (o.beat == 0) {
        uint32_t len = top->log_rsp_len;
        uint32_t beats = len == 0 ? 1 : uint32_t((len + DATA_BYTES - 1) / DATA_BYTES);
        if (beats > MAX_LOG_BEATS) { beats = MAX_LOG_BEATS; len = uint32_t(beats * DATA_BYTES); }
        r.data.assign(len, 0);
        r.beats_left = beats;
        // the remaining beats go first, before any later command
        for (uint32_t b = beats - 1; b >= 1; b--) {
          Cmd c{Kind::LogRead, o.tag, 0, 0};
          c.addr = read_index[o.tag];
          c.beat = uint8_t(b);
          c.last = b == beats - 1;
          cmds.push_front(c);
        }
        if (beats > 1) open_cmds[o.tag] += beats - 1;
        if (barrier == int64_t(o.tag)) barrier = -1;
      }
      size_t off = size_t(o.beat) * DATA_BYTES;
      if (off < r.data.size()) std::memcpy(r.data.data() + off, d, std::min(DATA_BYTES, r.data.size() - off));
      if (r.beats_left > 0 && --r.beats_left == 0) {
        r.status = int64_t(r.data.size());
        r.done = true;
        read_index.erase(o.tag);
      }
      finish_req(o.tag);
    }
  }

  void protocol_fault(const char* what) {
    if (!fault) error = std::string("host command port, cycle ") + std::to_string(cycle) + ": " + what;
    fault = true;
  }

  bool tick() {
    if (fault) return false;
    drive_inputs();
    Verilated::threadContextp(ctx.get());   // this model's context (see NrSim::NrSim)
    top->clk = 0;
    top->eval();
#if VM_TRACE
    if (tfp) tfp->dump(cycle * CLK_PERIOD);
#endif
    sample();
    top->clk = 1;
    posedge();
#if VM_TRACE
    if (tfp) tfp->dump(cycle * CLK_PERIOD + CLK_PERIOD / 2);
#endif
    cycle++;
    ctx->time(cycle * CLK_PERIOD);
    if (ctx->gotFinish()) {
      stopped(cycle - 1);
      return false;
    }
    return true;
  }

  // The clock's rising edge. eval() would first run the model's input-combinational region again,
  // although no input changed since the clk=0 eval settled it (Verilator reruns it on every eval):
  // a third of the logic that depends on the inputs (the CSR and log ports, the TX tready) and
  // several per cent of the simulation time. With Verilator 5.006 the edge runs only the rest of its
  // _eval (the active and NBA regions, the same loops and the same functions); the result is the same
  // state, only sooner. With a waveform open, or another Verilator version, eval() as usual.
  void posedge() {
#if NR_FAST_POSEDGE
#if VM_TRACE
    if (tfp) { top->eval(); return; }
#endif
    Vnicraft_nic___024root* r = top->rootp;
    uint32_t nba_iter = 0;
    bool nba_more = true;
    while (nba_more) {
      nba_more = false;
      r->__VnbaTriggered.clear();
      r->__VactIterCount = 0;
      r->__VactContinue = 1;
      while (r->__VactContinue) {
        r->__VactContinue = 0;
        Vnicraft_nic___024root___eval_triggers__act(r);
        if (r->__VactTriggered.any()) {
          r->__VactContinue = 1;
          if (VL_UNLIKELY(r->__VactIterCount > 100)) VL_FATAL_MT(__FILE__, __LINE__, "", "Active region did not converge.");
          r->__VactIterCount++;
          r->__VnbaTriggered.set(r->__VactTriggered);
          Vnicraft_nic___024root___eval_act(r);
        }
      }
      if (r->__VnbaTriggered.any()) {
        nba_more = true;
        if (VL_UNLIKELY(nba_iter > 100)) VL_FATAL_MT(__FILE__, __LINE__, "", "NBA region did not converge.");
        nba_iter++;
        Vnicraft_nic___024root___eval_nba(r);
      }
    }
#else
    top->eval();
#endif
  }

  // The model stopped in `at` (a failed assertion, $stop, $finish or a fatal error): the error says
  // where and why, from what Verilator printed (native/vl_hooks.h). Reported once.
  void stopped(uint64_t at) {
    if (stop_reported) return;
    stop_reported = true;
    std::string what = nrvl::describe(nrvl::take());
    if (what.empty()) what = "the model executed $finish/$stop or a fatal error";
    error = "the RTL stopped in cycle " + std::to_string(at) + ": " + what;
  }
  bool stop_reported = false;

  uint64_t step(uint64_t n) {
    for (uint64_t i = 0; i < n; i++)
      if (!tick()) break;
    return cycle;
  }

  void fail_all(int64_t status) {
    for (auto& kv : open_cmds) {
      Result& r = results[kv.first];
      r.status = status;
      r.done = true;
      r.data.clear();
    }
    open_cmds.clear();
    cmds.clear();
    csr_wait.clear();
    log_wait.clear();
    read_index.clear();
    barrier = -1;
  }

  void reset(uint32_t n) {
    fail_all(-5);
    for (size_t p = 0; p < NPORTS; p++) {
      in[p].q.clear(); in[p].off = 0; in[p].holding = false;
      out[p].q.clear(); out[p].in_frame = false; out[p].cur = Frame();
    }
    in_reset = true;
    top->rst = 1;
    step(n ? n : 1);
    top->rst = 0;
    in_reset = false;
  }

  uint32_t new_tag(uint32_t requests) {
    uint32_t t = next_tag++;
    if (next_tag == 0 || next_tag > 0x7FFFFFFF) next_tag = 1;
    open_cmds[t] = requests;
    return t;
  }

  bool done(uint32_t tag) { return open_cmds.find(tag) == open_cmds.end(); }

  // step until `tag` completes; false on timeout or $finish
  bool wait(uint32_t tag) {
    for (uint64_t i = 0; i < SYNC_LIMIT && !done(tag); i++)
      if (!tick()) return false;
    if (!done(tag)) { error = "timed out waiting for a host command (is the port ready?)"; return false; }
    return true;
  }

  std::unordered_map<uint32_t, uint32_t> read_index;  // log read tag -> slot index

  // host commands, executed in order during tick() (one per cycle); return the command's tag
  bool cmds_full(size_t more) {
    if (cmds.size() + more <= MAX_HOST_CMDS) return false;
    error = "host command queue full: " + std::to_string(cmds.size()) + " commands not yet presented (limit " + std::to_string(MAX_HOST_CMDS) + "); step the NIC";
    return true;
  }

  // -6: the command queue is full (see error)
  int64_t enqueue_csr_write(uint32_t addr, uint32_t value) {
    if (cmds_full(1)) return -6;
    uint32_t t = new_tag(1);
    cmds.push_back(Cmd{Kind::CsrWrite, t, addr, value});
    return t;
  }
  int64_t enqueue_csr_read(uint32_t addr) {
    if (cmds_full(1)) return -6;
    uint32_t t = new_tag(1);
    results[t] = Result();
    cmds.push_back(Cmd{Kind::CsrRead, t, addr, 0});
    return t;
  }
  // < 0: too long
  int64_t enqueue_log_write(uint32_t index, const uint8_t* frame, uint32_t len) {
    if (len > 0xFFFF) { error = "log write: frame longer than 65535 bytes"; return -1; }
    uint32_t beats = len == 0 ? 1 : uint32_t((len + DATA_BYTES - 1) / DATA_BYTES);
    if (beats > MAX_LOG_BEATS) { error = "log write: too many beats"; return -1; }
    if (cmds_full(beats)) return -6;
    auto data = std::make_shared<std::vector<uint8_t>>(frame, frame + len);
    uint32_t t = new_tag(beats);
    for (uint32_t b = 0; b < beats; b++) {
      Cmd c{Kind::LogWrite, t, index, 0};
      c.beat = uint8_t(b);
      c.len = uint16_t(len);
      c.last = b == beats - 1;
      c.data = data;
      cmds.push_back(c);
    }
    return t;
  }
  int64_t enqueue_log_read(uint32_t index) {
    if (cmds_full(1)) return -6;
    uint32_t t = new_tag(1);
    results[t] = Result();
    read_index[t] = index;
    cmds.push_back(Cmd{Kind::LogRead, t, index, 0});
    return t;
  }
};

// Packs frames as records { u32 len; u32 user; u64 cycle; bytes padded to 8 }, popping what fits.
// Returns bytes written, or -(record size) when the first record does not fit in cap.
int64_t pack_frames(std::deque<Frame>& q, uint8_t* buf, uint32_t cap);

}  // namespace nrshim

using nrshim::Frame;
using nrshim::NrSim;
using nrshim::pack_frames;
