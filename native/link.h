// nicraft: one direction of a link out of a port: a serializer at the link rate behind a finite
// buffer (docs/network-model.md, "Buffers"). The fabric's cross-links (fabric.cpp) and the frame
// world (frame_world.cpp) use it; it is the same arithmetic as the fabric's switch egress ports.
//
//   offer(t, len, w): a frame of len bytes taking w ps on the wire is ready at t. Frames that
//   finished transmitting by t leave the buffer; if the frame does not fit (buffer bytes = frames
//   waiting or in transmission), it is dropped and counted; else it starts at
//   e = max(link free, t) and the link is busy until e + w.
#pragma once
#include <algorithm>
#include <cstdint>
#include <deque>
#include <utility>

namespace nrfab {

struct EgressLink {
  int64_t busy = 0;                               // the serializer is busy until
  std::deque<std::pair<int64_t, int64_t>> q;      // (end of transmission, bytes) in the buffer
  int64_t bytes = 0, peak = 0;
  uint64_t frames = 0, drops = 0;

  // Returns the start of transmission, or -1 when the frame was dropped (buffer full).
  // cap_bytes <= 0: no limit (a MAC's own uplink: the sender waits, nothing is dropped).
  int64_t offer(int64_t t, int64_t len, int64_t w, int64_t cap_bytes) {
    while (!q.empty() && q.front().first <= t) { bytes -= q.front().second; q.pop_front(); }
    if (cap_bytes > 0 && bytes + len > cap_bytes) { drops++; return -1; }
    int64_t e = std::max(busy, t);
    busy = e + w;
    if (cap_bytes > 0) {
      q.emplace_back(e + w, len);
      bytes += len;
      peak = std::max(peak, bytes);
    }
    frames++;
    return e;
  }
};

}  // namespace nrfab
