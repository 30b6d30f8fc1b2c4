// nicraft: hooks into Verilator's runtime, force-included (g++ -include) into every file of the
// simulation library and of the testbench libraries, Verilator's own runtime included.
//
// Verilator prints its messages with VL_PRINTF: a failed immediate assertion's $error (file, line,
// instance and our message), $stop, $finish and fatal errors. Here VL_PRINTF appends to a per-thread
// buffer instead (native/vl_capture.cpp), which the shim and the testbenches turn into the error
// they report (nrvl::take()). VL_USER_FATAL replaces Verilator's vl_fatal, which would abort the
// whole process (node with it): ours records the message and stops the model like $stop does
// (gotError, gotFinish); the caller sees it after eval and reports an error instead.
#pragma once
#ifdef __cplusplus
#include <string>

int nr_vl_printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
#define VL_PRINTF nr_vl_printf
#define VL_USER_FATAL 1
#define VL_USER_FINISH 1

namespace nrvl {
/** Text Verilator printed on this thread since the last take(), at most 64 KiB (the tail is kept). */
std::string take();
/** True when something was printed since the last take(). */
bool pending();
/**
 * One line from captured text: its non-empty lines joined with " | ", Verilator's "[time] "
 * prefixes and the "%Error: ...: Verilog $stop" echo of an assertion dropped.
 */
std::string describe(const std::string& text);
}  // namespace nrvl
#endif
