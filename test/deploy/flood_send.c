// Sends prepared junk datagrams at a fixed rate with sendmmsg(2), for test/deploy/flood.test.ts.
// A separate small program, so that the flood costs the machine little CPU of its own (a Node
// process pays about 15-25 us per datagram; this about 2 us, mostly the kernel's loopback delivery).
//
//   flood_send FILE RATE MAX_SECONDS
//
// FILE (written by test/deploy/flooder.ts): u32 ntargets, then per target: u32 IPv4 address
// (host order), u16 port, u32 count, and count datagrams, each u8 kind, u16 length, bytes (all
// integers little-endian). Datagrams go round-robin over the targets, each from one of two
// sockets (127.0.0.1 and 127.0.0.2, ephemeral ports: never a member's endpoint). It prints
// "flooding" once it sends, and on SIGTERM or after MAX_SECONDS one JSON line: sent, seconds,
// sendErrors, and per target the datagrams sent by kind.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define KINDS 3
#define BATCH 64

struct dgram { uint8_t kind; uint16_t len; uint8_t *bytes; };
struct target { struct sockaddr_in addr; uint32_t count; struct dgram *d; uint64_t sent[KINDS]; };

static volatile sig_atomic_t stop_flag = 0;
static void on_term(int sig) { (void)sig; stop_flag = 1; }

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rd(FILE *f, void *p, size_t n) {
  if (fread(p, 1, n, f) != n) { fprintf(stderr, "flood_send: short spec file\n"); exit(2); }
}

static int bound_socket(const char *ip) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) return -1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = 0;
  inet_pton(AF_INET, ip, &a.sin_addr);
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) { close(s); return -1; }
  int sz = 4 << 20;
  setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
  return s;
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: flood_send FILE RATE MAX_SECONDS\n"); return 2; }
  double rate = atof(argv[2]), max_s = atof(argv[3]);
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 2; }
  uint32_t nt;
  rd(f, &nt, 4);
  if (nt == 0 || nt > 64) { fprintf(stderr, "flood_send: bad target count %u\n", nt); return 2; }
  struct target *t = calloc(nt, sizeof *t);
  for (uint32_t i = 0; i < nt; i++) {
    uint32_t ip; uint16_t port;
    rd(f, &ip, 4); rd(f, &port, 2); rd(f, &t[i].count, 4);
    if (t[i].count == 0) { fprintf(stderr, "flood_send: target %u has no datagrams\n", i); return 2; }
    t[i].addr.sin_family = AF_INET;
    t[i].addr.sin_addr.s_addr = htonl(ip);
    t[i].addr.sin_port = htons(port);
    t[i].d = calloc(t[i].count, sizeof(struct dgram));
    for (uint32_t k = 0; k < t[i].count; k++) {
      rd(f, &t[i].d[k].kind, 1);
      rd(f, &t[i].d[k].len, 2);
      if (t[i].d[k].kind >= KINDS) { fprintf(stderr, "flood_send: bad kind\n"); return 2; }
      t[i].d[k].bytes = malloc(t[i].d[k].len ? t[i].d[k].len : 1);
      rd(f, t[i].d[k].bytes, t[i].d[k].len);
    }
  }
  fclose(f);
  int socks[2] = { bound_socket("127.0.0.1"), bound_socket("127.0.0.2") };
  int nsocks = socks[1] >= 0 ? 2 : 1;
  if (socks[0] < 0) { perror("flood_send: socket"); return 2; }
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  printf("flooding\n");
  fflush(stdout);

  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  uint32_t which[BATCH];
  uint64_t sent = 0, errors = 0, k = 0;
  double t0 = now_s();
  while (!stop_flag) {
    double el = now_s() - t0;
    if (el >= max_s) break;
    int64_t due = (int64_t)(rate * el) - (int64_t)sent;
    if (due <= 0) { struct timespec ts = { 0, 200000 }; nanosleep(&ts, NULL); continue; }
    // one batch per source socket: the datagrams of this round that go out of that socket
    for (int s = 0; s < nsocks && due > 0; s++) {
      int n = 0;
      while (n < BATCH && due > 0) {
        uint32_t ti = (uint32_t)(k % nt);
        struct target *tg = &t[ti];
        struct dgram *d = &tg->d[(k / nt) % tg->count];
        iov[n].iov_base = d->bytes;
        iov[n].iov_len = d->len;
        memset(&msgs[n], 0, sizeof msgs[n]);
        msgs[n].msg_hdr.msg_name = &tg->addr;
        msgs[n].msg_hdr.msg_namelen = sizeof tg->addr;
        msgs[n].msg_hdr.msg_iov = &iov[n];
        msgs[n].msg_hdr.msg_iovlen = 1;
        which[n] = ti | ((uint32_t)d->kind << 24);
        n++; k++; due--;
      }
      int off = 0;
      while (off < n) {
        int r = sendmmsg(socks[s], msgs + off, (unsigned)(n - off), 0);
        if (r < 0) {
          if (errno == EINTR) { if (stop_flag) break; continue; }
          // a datagram the kernel refused to send: counted, skipped
          errors++;
          off++;
          continue;
        }
        for (int j = off; j < off + r; j++) t[which[j] & 0xffffff].sent[which[j] >> 24]++;
        sent += (uint64_t)r;
        off += r;
      }
    }
  }
  double secs = now_s() - t0;
  printf("{\"sent\":%llu,\"seconds\":%.3f,\"ratePerS\":%.1f,\"sendErrors\":%llu,\"perTarget\":[", (unsigned long long)sent, secs, (double)sent / secs, (unsigned long long)errors);
  for (uint32_t i = 0; i < nt; i++) {
    uint64_t tot = t[i].sent[0] + t[i].sent[1] + t[i].sent[2];
    printf("%s{\"port\":%u,\"sent\":%llu,\"byKind\":{\"random\":%llu,\"header\":%llu,\"impostor\":%llu}}", i ? "," : "", ntohs(t[i].addr.sin_port),
      (unsigned long long)tot, (unsigned long long)t[i].sent[0], (unsigned long long)t[i].sent[1], (unsigned long long)t[i].sent[2]);
  }
  printf("]}\n");
  fflush(stdout);
  return 0;
}
