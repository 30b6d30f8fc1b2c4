// nicraft RTL testbenches: the shared cocotb-style machinery (C++, header only).
//
// Every testbench is one C ABI function per module,
//
//   int nr_tb_<module>_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap)
//
// that builds a Verilated model, drives it for `cycles` clock cycles from one seed (random frames,
// random valid gaps, random backpressure, optional random resets), checks every cycle against a
// reference model (a scoreboard) and returns 0, or 1 with a description of the first mismatch
// (cycle, expected, got) in err. cfg is "key=value key=value ..." (unknown keys are an error, rc 2).
// The per-cycle work stays in C++: one FFI call runs a whole test.
//
// Parameters: the build passes every RTL parameter both to Verilator (-G) and to the C++ compile
// (-DTB_P_<NAME>=value), so the testbench knows the widths and depths it was built with.
#pragma once

#include <verilated.h>
#include <verilated_fst_c.h>

#include "vl_hooks.h"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "rng.h"
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#define NR_TB_EXPORT extern "C" __attribute__((visibility("default")))

namespace tb {

// ---------------------------------------------------------------- randomness

/** The project's one C++ generator (native/rng.h): the same seed gives the same run. */
using Rng = nrsim::Rng;

/**
 * A two-state on/off pattern with a long-run on fraction `p` and burstiness `burst` (>= 1): each
 * cycle the state is kept with probability 1 - 1/burst, else redrawn on with probability p. burst 1
 * is independent per cycle; burst 16 gives runs about 16 times longer. p 1 is always on, p 0 never.
 */
struct OnOff {
  double p = 1.0, burst = 1.0;
  bool on = true;
  void init(Rng &r) { on = r.chance(p); }
  bool step(Rng &r) {
    if (p >= 1.0) return on = true;
    if (p <= 0.0) return on = false;
    if (burst <= 1.0 || r.chance(1.0 / burst)) on = r.chance(p);
    return on;
  }
};

// ---------------------------------------------------------------- errors and configuration

/** The first mismatch: thrown, caught by the C ABI wrapper, returned as text. */
struct Fail : std::runtime_error {
  explicit Fail(const std::string &m) : std::runtime_error(m) {}
};
struct BadConfig : std::runtime_error {
  explicit BadConfig(const std::string &m) : std::runtime_error(m) {}
};

inline std::string fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
inline std::string fmt(const char *f, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

/** "key=value ..." with defaults; every key given must be read by the testbench (typos fail). */
class Config {
 public:
  explicit Config(const char *text) {
    std::string s = text ? text : "";
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && (s[i] == ' ' || s[i] == ',' || s[i] == '\n' || s[i] == '\t')) i++;
      size_t j = i;
      while (j < s.size() && s[j] != ' ' && s[j] != ',' && s[j] != '\n' && s[j] != '\t') j++;
      if (j > i) {
        std::string kv = s.substr(i, j - i);
        size_t eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) throw BadConfig("config: expected key=value, got '" + kv + "'");
        kv_[kv.substr(0, eq)] = kv.substr(eq + 1);
      }
      i = j;
    }
  }
  double num(const std::string &k, double def) {
    auto it = kv_.find(k);
    if (it == kv_.end()) return def;
    used_.push_back(k);
    char *end = nullptr;
    double v = strtod(it->second.c_str(), &end);
    if (!end || *end) throw BadConfig("config: " + k + " is not a number: '" + it->second + "'");
    return v;
  }
  uint64_t u64(const std::string &k, uint64_t def) {
    auto it = kv_.find(k);
    if (it == kv_.end()) return def;
    used_.push_back(k);
    char *end = nullptr;
    uint64_t v = strtoull(it->second.c_str(), &end, 0);
    if (!end || *end) throw BadConfig("config: " + k + " is not an integer: '" + it->second + "'");
    return v;
  }
  std::string str(const std::string &k, const std::string &def) {
    auto it = kv_.find(k);
    if (it == kv_.end()) return def;
    used_.push_back(k);
    return it->second;
  }
  /** Call after reading every key: unknown keys are an error. */
  void done() const {
    for (auto &kv : kv_) {
      if (std::find(used_.begin(), used_.end(), kv.first) == used_.end()) {
        throw BadConfig("config: unknown key '" + kv.first + "'");
      }
    }
  }

 private:
  std::map<std::string, std::string> kv_;
  std::vector<std::string> used_;
};

// ---------------------------------------------------------------- signal access

using Words = std::vector<uint32_t>;

inline unsigned words_for(unsigned bits) { return (bits + 31) / 32; }

template <class T, class = void>
struct SigIo;
template <class T>
struct SigIo<T, std::enable_if_t<std::is_integral<T>::value>> {
  static constexpr unsigned words = (sizeof(T) + 3) / 4;
  static void load(const T &s, uint32_t *w) {
    uint64_t v = static_cast<uint64_t>(s);
    w[0] = static_cast<uint32_t>(v);
    if (words > 1) w[1] = static_cast<uint32_t>(v >> 32);
  }
  static void store(T &s, const uint32_t *w) {
    uint64_t v = w[0];
    if (words > 1) v |= static_cast<uint64_t>(w[1]) << 32;
    s = static_cast<T>(v);
  }
};
template <std::size_t N>
struct SigIo<VlWide<N>> {
  static constexpr unsigned words = N;
  static void load(const VlWide<N> &s, uint32_t *w) { std::memcpy(w, s.data(), N * 4); }
  static void store(VlWide<N> &s, const uint32_t *w) { std::memcpy(s.data(), w, N * 4); }
};

inline bool get_bit(const uint32_t *w, unsigned i) { return (w[i / 32] >> (i % 32)) & 1u; }
inline void set_bit(uint32_t *w, unsigned i, bool v) {
  if (v) w[i / 32] |= 1u << (i % 32);
  else w[i / 32] &= ~(1u << (i % 32));
}
inline void copy_bits(uint32_t *dst, unsigned dlsb, const uint32_t *src, unsigned slsb, unsigned width) {
  if (dlsb % 32 == 0 && slsb % 32 == 0 && width % 32 == 0) {
    std::memcpy(dst + dlsb / 32, src + slsb / 32, width / 8);
    return;
  }
  for (unsigned i = 0; i < width; i++) set_bit(dst, dlsb + i, get_bit(src, slsb + i));
}

/** Writes width bits of src (from bit 0) into signal bits [lsb +: width]. */
template <class T>
void put(T &sig, unsigned lsb, unsigned width, const uint32_t *src) {
  uint32_t tmp[SigIo<T>::words];
  SigIo<T>::load(sig, tmp);
  copy_bits(tmp, lsb, src, 0, width);
  SigIo<T>::store(sig, tmp);
}
template <class T>
void put(T &sig, unsigned lsb, unsigned width, uint64_t v) {
  uint32_t w[2] = {static_cast<uint32_t>(v), static_cast<uint32_t>(v >> 32)};
  put(sig, lsb, width, w);
}
/** Reads signal bits [lsb +: width] into a word vector. */
template <class T>
Words get(const T &sig, unsigned lsb, unsigned width) {
  uint32_t tmp[SigIo<T>::words];
  SigIo<T>::load(sig, tmp);
  Words out(words_for(width), 0);
  copy_bits(out.data(), 0, tmp, lsb, width);
  return out;
}
template <class T>
uint64_t get64(const T &sig, unsigned lsb, unsigned width) {
  Words w = get(sig, lsb, width < 64 ? width : 64);
  uint64_t v = w[0];
  if (w.size() > 1) v |= static_cast<uint64_t>(w[1]) << 32;
  return v;
}

inline Words random_words(Rng &r, unsigned bits) {
  Words w(words_for(bits));
  for (auto &x : w) x = r.u32();
  if (bits % 32) w.back() &= (1u << (bits % 32)) - 1;
  return w;
}
inline Words ones(unsigned bits) {
  Words w(words_for(bits), 0xffffffffu);
  if (bits % 32) w.back() &= (1u << (bits % 32)) - 1;
  return w;
}
/** The lowest n bits set (a contiguous tkeep of n bytes). */
inline Words low_ones(unsigned bits, unsigned n) {
  Words w(words_for(bits), 0);
  for (unsigned i = 0; i < n && i < bits; i++) set_bit(w.data(), i, true);
  return w;
}
inline unsigned popcount(const Words &w) {
  unsigned n = 0;
  for (auto x : w) n += static_cast<unsigned>(__builtin_popcount(x));
  return n;
}
inline std::string hex(const Words &w) {
  std::string s;
  char b[12];
  for (size_t i = w.size(); i-- > 0;) {
    snprintf(b, sizeof b, "%08x", w[i]);
    s += b;
  }
  // keep messages short: the low end of wide words is usually enough to tell beats apart
  if (s.size() > 40) s = "..." + s.substr(s.size() - 32);
  return s;
}

// ---------------------------------------------------------------- bytes of a beat

/** A beat's bytes in wire order: byte k is tdata[8k+7:8k] (the nicraft header accessors' layout). */
using Bytes = std::vector<uint8_t>;
inline Words words_of(const Bytes &b, unsigned bits) {
  Words w(words_for(bits), 0);
  for (size_t k = 0; k < b.size() && k * 8 < bits; k++) w[k / 4] |= uint32_t(b[k]) << (8 * (k % 4));
  return w;
}
inline Bytes bytes_of(const Words &w, unsigned nbytes) {
  Bytes b(nbytes, 0);
  for (unsigned k = 0; k < nbytes && k / 4 < w.size(); k++) b[k] = uint8_t(w[k / 4] >> (8 * (k % 4)));
  return b;
}
/** Writes a byte beat into signal bits [0, bits). */
template <class T>
void put_bytes(T &sig, unsigned bits, const Bytes &b) { put(sig, 0, bits, words_of(b, bits).data()); }
/** Reads bits [lsb, lsb + 8 nbytes) of a signal as bytes. */
template <class T>
Bytes get_bytes(const T &sig, unsigned lsb, unsigned nbytes) { return bytes_of(get(sig, lsb, 8 * nbytes), nbytes); }
inline std::string hex_bytes(const Bytes &b, size_t n = 48) {
  std::string s;
  char x[4];
  for (size_t i = 0; i < b.size() && i < n; i++) {
    snprintf(x, sizeof x, "%02x", b[i]);
    s += x;
  }
  if (b.size() > n) s += "...";
  return s;
}

// ---------------------------------------------------------------- AXI-Stream beats and frames

struct Beat {
  Words data, keep;
  bool last = false;
  uint64_t user = 0;
  uint64_t frame = 0;  // the testbench's frame number (not on the wire)
  unsigned index = 0;  // beat within the frame
  bool operator==(const Beat &o) const { return data == o.data && keep == o.keep && last == o.last && user == o.user; }
  bool operator!=(const Beat &o) const { return !(*this == o); }
};

inline std::string show(const Beat &b, unsigned user_width = 0) {
  return fmt("{frame %" PRIu64 " beat %u last %d keep %s user %" PRIx64 " data %s}", b.frame, b.index,
             b.last ? 1 : 0, hex(b.keep).c_str(), user_width ? b.user : 0, hex(b.data).c_str());
}

/** Frame shape knobs, shared by the streaming testbenches. */
struct FrameGen {
  unsigned data_width = 512, keep_width = 64, user_width = 0;
  unsigned min_beats = 1, max_beats = 4;
  double long_p = 0.0;            // chance that a frame is drawn from [long_min, long_beats] instead
  unsigned long_min = 0;          // 0: max_beats + 1
  unsigned long_beats = 0;
  double random_keep_p = 0.0;     // chance that a last beat's tkeep is any bit pattern, not contiguous
  double user_p = 1.0;            // chance that a beat carries a random (non-zero possible) tuser
  uint64_t next_frame = 0;

  std::vector<Beat> frame(Rng &r) {
    const unsigned lmin = long_min ? long_min : max_beats + 1;
    unsigned n = (long_p > 0 && long_beats >= lmin && r.chance(long_p))
                     ? static_cast<unsigned>(r.range(lmin, long_beats))
                     : static_cast<unsigned>(r.range(min_beats, max_beats));
    std::vector<Beat> f(n);
    uint64_t id = next_frame++;
    for (unsigned i = 0; i < n; i++) {
      Beat &b = f[i];
      b.frame = id;
      b.index = i;
      b.last = i + 1 == n;
      b.data = random_words(r, data_width);
      // tag the low word with the frame and beat number: failures read better
      if (data_width >= 32) b.data[0] = static_cast<uint32_t>((id << 8) | (i & 0xff));
      if (!b.last) b.keep = ones(keep_width);
      else if (r.chance(random_keep_p)) b.keep = random_words(r, keep_width);
      else b.keep = low_ones(keep_width, static_cast<unsigned>(r.range(1, keep_width)));
      b.user = (user_width && r.chance(user_p)) ? (r.next() & (user_width >= 64 ? ~0ULL : ((1ULL << user_width) - 1))) : 0;
    }
    return f;
  }
};

/**
 * An AXI-Stream source: frames from a FrameGen, offered when its OnOff pattern is on. Once tvalid is
 * high it stays high with the same beat until the handshake (the AXI-Stream rule). With in_gaps 0
 * a frame, once started, is offered back to back (a MAC); with 1 gaps may fall inside frames too.
 */
struct Source {
  FrameGen gen;
  OnOff pattern;
  bool in_gaps = true;
  std::vector<Beat> cur;
  size_t pos = 0;
  bool valid = false;

  /** Decides tvalid for this cycle. */
  void drive(Rng &r) {
    bool on = pattern.step(r);
    if (valid) return;
    if (pos >= cur.size()) {
      cur = gen.frame(r);
      pos = 0;
    }
    valid = on || (!in_gaps && pos > 0);
  }
  const Beat &beat() const { return cur[pos]; }
  /** The beat was taken at this edge. */
  void accepted() {
    valid = false;
    pos++;
  }
  /** Reset: the frame in progress is abandoned. */
  void abandon() {
    valid = false;
    cur.clear();
    pos = 0;
  }
};

/**
 * The reset schedule of a streaming testbench: `initial` cycles of reset at the start, then, with
 * chance p per cycle, a reset of 1..3 cycles in mid-run (counted in `count`). step() gives this
 * cycle's rst; after the edge of a reset cycle, call done().
 */
struct Resets {
  unsigned left;
  uint64_t count = 0;
  explicit Resets(unsigned initial) : left(initial) {}
  bool step(Rng &rng, double p) {
    if (left == 0 && p > 0 && rng.chance(p)) {
      left = static_cast<unsigned>(rng.range(1, 3));
      count++;
    }
    return left > 0;
  }
  void done() { left--; }
};

/** Common run knobs of the streaming testbenches. */
struct RunKnobs {
  uint64_t seed = 1, cycles = 100000;
  double reset_p = 0.0;  // chance per cycle of a reset (1..3 cycles) in mid-run
  std::string trace;     // FST path, empty for none
  void read(Config &c) {
    seed = c.u64("seed", seed);
    cycles = c.u64("cycles", cycles);
    reset_p = c.num("reset_p", reset_p);
    trace = c.str("trace", trace);
  }
};

// ---------------------------------------------------------------- the clock

/**
 * Opens the FST waveform a run asked for (`trace` in its config). The model has trace() only when the
 * library was built with tracing (native/build-tb.ts: TbVariant trace, or NICRAFT_TB_TRACE=1); without
 * it a run that asks for a waveform fails, saying how to get one.
 */
template <class M>
void open_trace(M *top, std::unique_ptr<VerilatedFstC> &tfp, const std::string &path) {
  if (path.empty()) return;
#if NR_TB_TRACE
  tfp.reset(new VerilatedFstC);
  top->trace(tfp.get(), 99);
  tfp->open(path.c_str());
#else
  (void)top;
  (void)tfp;
  throw Fail(fmt("a waveform (%s) was asked for, but this testbench library was built without tracing: "
                 "build it with trace: true in its TbVariant, or with NICRAFT_TB_TRACE=1", path.c_str()));
#endif
}

/** Owns the context, the model and the optional FST trace; steps one cycle at a time. */
template <class M>
class Harness {
 public:
  explicit Harness(const std::string &trace_path) : ctx_(new VerilatedContext) {
    nrvl::take();  // nothing printed before this model is its business
    ctx_->commandArgs(0, static_cast<const char **>(nullptr));
    ctx_->fatalOnError(false);
    if (!trace_path.empty()) ctx_->traceEverOn(true);
    // Verilator's per-thread context ($stop, assertions, scopes) must be this run's
    Verilated::threadContextp(ctx_.get());
    top_.reset(new M{ctx_.get(), "tb"});
    open_trace(top_.get(), tfp_, trace_path);
    top_->clk = 0;
    top_->rst = 1;
  }
  ~Harness() {
    Verilated::threadContextp(ctx_.get());
    if (tfp_) tfp_->close();
    top_->final();
    top_.reset();
    ctx_.reset();
    Verilated::threadContextp(nullptr);
  }
  M *top() { return top_.get(); }
  uint64_t cycle() const { return cycle_; }
  /** Inputs for this cycle are set: evaluate the combinational outputs (before the edge). */
  void settle() {
    top_->clk = 0;
    top_->eval();
    if (tfp_) tfp_->dump(cycle_ * 10);
    check_stop();
  }
  /** The rising edge: registers take their next values (and the RTL's assertions are checked). */
  void edge() {
    top_->clk = 1;
    top_->eval();
    if (tfp_) tfp_->dump(cycle_ * 10 + 5);
    check_stop();
    cycle_++;
  }
  /**
   * The model stopped (a failed assertion, $stop, $finish of a parameter check, a fatal error): a
   * Fail naming the cycle and what Verilator printed (module, file, line, condition).
   */
  void check_stop() {
    if (!ctx_->gotFinish()) return;
    std::string what = nrvl::describe(nrvl::take());
    throw Fail(fmt("cycle %" PRIu64 ": the model stopped: %s", cycle_,
                   what.empty() ? "$finish (a parameter check failed?)" : what.c_str()));
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<M> top_;
  std::unique_ptr<VerilatedFstC> tfp_;
  uint64_t cycle_ = 0;
};

/** The same for a combinational module (no clk, no rst): eval() settles the outputs of an input vector. */
template <class M>
class CombHarness {
 public:
  explicit CombHarness(const std::string &trace_path) : ctx_(new VerilatedContext) {
    nrvl::take();
    ctx_->commandArgs(0, static_cast<const char **>(nullptr));
    ctx_->fatalOnError(false);
    if (!trace_path.empty()) ctx_->traceEverOn(true);
    Verilated::threadContextp(ctx_.get());
    top_.reset(new M{ctx_.get(), "tb"});
    open_trace(top_.get(), tfp_, trace_path);
  }
  ~CombHarness() {
    Verilated::threadContextp(ctx_.get());
    if (tfp_) tfp_->close();
    top_->final();
    top_.reset();
    ctx_.reset();
    Verilated::threadContextp(nullptr);
  }
  M *top() { return top_.get(); }
  uint64_t cycle() const { return n_; }
  /** Evaluates the current inputs (one "cycle" of the test: n counts them). */
  void eval() {
    top_->eval();
    if (tfp_) tfp_->dump(n_ * 10);
    if (ctx_->gotFinish()) {
      std::string what = nrvl::describe(nrvl::take());
      throw Fail(fmt("vector %" PRIu64 ": the model stopped: %s", n_, what.empty() ? "$finish" : what.c_str()));
    }
  }
  void next() { n_++; }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<M> top_;
  std::unique_ptr<VerilatedFstC> tfp_;
  uint64_t n_ = 0;
};

// ---------------------------------------------------------------- statistics and the C ABI

/** Named counters, returned in declaration order (the names come from nr_tb_<module>_stat_names). */
struct Stats {
  const char *const *names;
  unsigned n;
  std::vector<uint64_t> v;
  Stats(const char *const *names_, unsigned n_) : names(names_), n(n_), v(n_, 0) {}
  uint64_t &operator[](unsigned i) { return v[i]; }
};

inline void copy_err(char *err, uint32_t cap, const std::string &m) {
  if (!err || cap == 0) return;
  size_t n = std::min<size_t>(m.size(), cap - 1);
  std::memcpy(err, m.data(), n);
  err[n] = 0;
}

/** Runs body(Config&, Stats&) and maps its outcome to the C ABI: 0 pass, 1 mismatch, 2 bad config, 3 crash. */
template <class F>
int run_tb(const char *cfg_text, const char *const *names, unsigned n_names, uint64_t *stats, uint32_t n_stats,
           char *err, uint32_t err_cap, F body) {
  Stats st(names, n_names);
  int rc = 0;
  copy_err(err, err_cap, "");
  try {
    Config cfg(cfg_text);
    body(cfg, st);
  } catch (const Fail &e) {
    rc = 1;
    copy_err(err, err_cap, e.what());
  } catch (const BadConfig &e) {
    rc = 2;
    copy_err(err, err_cap, e.what());
  } catch (const std::exception &e) {
    rc = 3;
    copy_err(err, err_cap, std::string("exception: ") + e.what());
  }
  if (stats) {
    for (uint32_t i = 0; i < n_stats && i < n_names; i++) stats[i] = st.v[i];
  }
  return rc;
}

/** "A,B,C" from a name table (static storage, for nr_tb_<module>_stat_names). */
inline std::string join_names(const char *const *names, unsigned n) {
  std::string s;
  for (unsigned i = 0; i < n; i++) {
    if (i) s += ",";
    s += names[i];
  }
  return s;
}

}  // namespace tb

#define TB_STR2(x) #x
#define TB_STR(x) TB_STR2(x)
