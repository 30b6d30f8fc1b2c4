// nicraft: Verilator's messages captured per thread, and vl_fatal without abort (see vl_hooks.h).
#include <verilated.h>

#include <cstdarg>
#include <cstdio>
#include <string>

namespace {
constexpr size_t kCap = 64 * 1024;
thread_local std::string t_out;
void append(const char* s, size_t n) {
  t_out.append(s, n);
  if (t_out.size() > kCap) t_out.erase(0, t_out.size() - kCap);
}
}  // namespace

int nr_vl_printf(const char* fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) append(buf, static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : sizeof buf - 1);
  return n;
}

void vl_fatal(const char* filename, int linenum, const char* hier, const char* msg) VL_MT_UNSAFE {
  (void)hier;
  char buf[1024];
  int n = filename && filename[0] ? snprintf(buf, sizeof buf, "%%Error: %s:%d: %s\n", filename, linenum, msg)
                                  : snprintf(buf, sizeof buf, "%%Error: %s\n", msg);
  if (n > 0) append(buf, static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : sizeof buf - 1);
  Verilated::threadContextp()->gotError(true);
  Verilated::threadContextp()->gotFinish(true);
}

// $finish: the model is done (Verilator's own exits the process on a second $finish, e.g. when several
// modules' parameter checks fail in one elaboration)
void vl_finish(const char* filename, int linenum, const char* hier) VL_MT_UNSAFE {
  (void)hier;
  char buf[512];
  int n = snprintf(buf, sizeof buf, "- %s:%d: Verilog $finish\n", filename ? filename : "", linenum);
  if (n > 0) append(buf, static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : sizeof buf - 1);
  Verilated::threadContextp()->gotFinish(true);
}

namespace nrvl {
std::string describe(const std::string& text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string::npos) j = text.size();
    std::string line = text.substr(i, j - i);
    i = j + 1;
    if (!line.empty() && line[0] == '[') {
      size_t k = line.find("] ");
      if (k != std::string::npos) line.erase(0, k + 2);
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty()) continue;
    if (line.find("Verilog $stop") != std::string::npos && !out.empty()) continue;
    if (!out.empty()) out += " | ";
    out += line;
  }
  return out;
}

std::string take() {
  std::string s;
  s.swap(t_out);
  return s;
}
bool pending() { return !t_out.empty(); }
}  // namespace nrvl
