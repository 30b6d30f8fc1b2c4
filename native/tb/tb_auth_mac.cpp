// Testbench of nicraft_auth_mac (the frame MAC engine of issue 16; docs/auth.md).
//
// Reference (independent of the RTL): AES-128 encryption with the given round keys (FIPS-197, checked
// at start against the standard's example, appendix C.1) and the Toeplitz hash, tag = hash xor the
// first 8 bytes of AES(nonce). Known answers: the FIPS-197 C.1 block through the engine itself (a zero
// hash key and a zero frame: the tag is the ciphertext's first 8 bytes), and a vector computed by the
// TypeScript implementation (ctrl/wire/auth.ts, test/wire/auth.test.ts checks the same numbers).
// Random stimulus: frames of 1..MAX_BEATS beats with random bytes and a random last tkeep, a random key
// context per frame (random keys, redrawn at each reset), input gaps (the engine has no ready: the
// callers give it a beat when they have one; valid_p and valid_burst shape the gaps), resets in mid-run.
// Keys: the round keys on their input, the hash keys written a word a cycle through the key port, in a
// random order, with random words for the contexts beyond KEYS (ignored).
// Every cycle: out_valid must be exactly LATENCY cycles after a frame's last beat, with its tag.
//
// cfg keys: seed cycles trace reset_p valid_p valid_burst
#include "tb_common.h"
#include "tb_auth_ref.h"

#include "Vtb_nicraft_auth_mac.h"

namespace {

constexpr unsigned DW = TB_P_DATA_WIDTH;
constexpr unsigned MAXB = TB_P_MAX_BEATS;
constexpr unsigned KEYS = TB_P_KEYS;
constexpr unsigned LATENCY = 13;
constexpr unsigned TK_BITS = MAXB * 512 + 63;
static_assert(DW == 512, "64-byte beats");

const char *const kStats[] = {"cycles", "frames", "tags", "multi_beat", "gap_cycles", "resets", "kat"};
enum { S_CYCLES, S_FRAMES, S_TAGS, S_MULTI, S_GAPS, S_RESETS, S_KAT, S_N };
static_assert(sizeof kStats / sizeof kStats[0] == S_N, "stat names");

using Top = Vtb_nicraft_auth_mac;
using Bytes = tb::Bytes;

using tbauth::Key;
using tbauth::aes;
using tbauth::expand;
using tbauth::hex_bytes;
using tbauth::init_sbox;
using tbauth::tag_of;

// ---------------------------------------------------------------- driving the engine
struct Frame {
  Bytes bytes, nonce;
  unsigned key = 0;
};

void run(tb::Config &cfg, tb::Stats &st) {
  tb::RunKnobs k;
  k.read(cfg);
  tb::Rng rng(k.seed);
  tb::OnOff valid;
  valid.p = cfg.num("valid_p", 0.8);
  valid.burst = cfg.num("valid_burst", 4);
  cfg.done();
  init_sbox();

  // the reference against FIPS-197 appendix C.1
  const Bytes fips_key = hex_bytes("000102030405060708090a0b0c0d0e0f");
  const Bytes fips_ct = hex_bytes("69c4e0d86a7b0430d8cdb78070b4c55a");
  if (aes(expand(fips_key), hex_bytes("00112233445566778899aabbccddeeff")) != fips_ct) throw tb::Fail("reference AES fails FIPS-197 C.1");

  tb::Harness<Top> h(k.trace);
  Top *t = h.top();
  const unsigned hk_bytes = (TK_BITS + 7) / 8;
  auto random_keys = [&]() { return tbauth::random_keys(rng, KEYS, MAXB); };
  // new keys: the round keys on their input, the hash keys written through the key port (cycles with
  // no beat; the callers load keys only with no tag due)
  uint64_t key_cycles = 0;   // cycles spent writing hash keys (not counted in `cycles`)
  auto load_keys = [&](const std::vector<Key> &ks) {
    tbauth::load_round_keys(t->round_keys, ks);
    key_cycles += tbauth::write_hash_keys(h, t, ks, MAXB, rng, [&]() { t->rst = 0; t->in_valid = 0; t->in_first = 0; t->in_last = 0; });
  };

  // known answers first: (1) FIPS-197 C.1 with a zero hash key and a zero frame; (2) the TypeScript vector
  struct Kat { Key key; Frame f; uint64_t want; };
  std::vector<Kat> kats;
  {
    Kat a;
    a.key.rk = expand(fips_key);
    a.key.hk.assign(hk_bytes, 0);
    a.f.bytes.assign(64, 0);
    a.f.nonce = hex_bytes("00112233445566778899aabbccddeeff");
    a.want = 0;
    for (unsigned q = 0; q < 8; q++) a.want |= uint64_t(fips_ct[q]) << (8 * q);
    kats.push_back(a);
    if (MAXB == 5) {
      Kat b;
      b.key.rk = expand(fips_key);
      b.key.hk.resize(hk_bytes);
      for (unsigned i = 0; i < hk_bytes; i++) b.key.hk[i] = static_cast<uint8_t>(i * 37 + 11);
      b.f.bytes.resize(100);
      for (unsigned i = 0; i < 100; i++) b.f.bytes[i] = static_cast<uint8_t>(i * 7 + 3);
      b.f.nonce.resize(16);
      for (unsigned i = 0; i < 16; i++) b.f.nonce[i] = static_cast<uint8_t>(0xf0 + i);
      const Bytes want = hex_bytes("bd3c7d3f464634a2");  // ctrl/wire/auth.ts
      b.want = 0;
      for (unsigned q = 0; q < 8; q++) b.want |= uint64_t(want[q]) << (8 * q);
      kats.push_back(b);
    }
  }

  std::vector<Key> keys = random_keys();
  // the frame being sent, and the tags due: cycle -> tag
  Frame cur;
  unsigned cur_beat = 0, cur_beats = 0;
  bool in_frame = false;
  std::map<uint64_t, uint64_t> due;
  size_t kat_next = 0;
  bool kat_mode = true;
  tb::Resets resets(4);
  const uint64_t end = k.cycles + resets.left;
  while (h.cycle() < end + key_cycles) {
    uint64_t cyc = h.cycle();
    const bool rst = resets.step(rng, k.reset_p);
    st[S_RESETS] = resets.count;
    t->rst = rst;
    // ---- stimulus: keys change only at a reset (the engine's contract: keys are stable while frames are in it)
    bool drive = false, last = false;
    if (!rst) {
      if (!in_frame) {
        if (kat_mode && kat_next < kats.size() && due.empty()) {
          std::vector<Key> kk(KEYS, kats[kat_next].key);
          keys = kk;
          load_keys(keys);
          cyc = h.cycle();
          cur = kats[kat_next].f;
          cur.key = 0;
          in_frame = true;
        } else if (kat_mode && kat_next >= kats.size() && due.empty()) {
          kat_mode = false;
          keys = random_keys();
          load_keys(keys);
          cyc = h.cycle();
        } else if (!kat_mode && valid.step(rng)) {
          const unsigned nb = static_cast<unsigned>(rng.range(1, MAXB));
          const unsigned len = (nb - 1) * 64 + static_cast<unsigned>(rng.range(1, 64));
          cur.bytes.resize(len);
          for (auto &b : cur.bytes) b = static_cast<uint8_t>(rng.below(256));
          cur.nonce.resize(16);
          for (auto &b : cur.nonce) b = static_cast<uint8_t>(rng.below(256));
          cur.key = static_cast<unsigned>(rng.below(KEYS));
          in_frame = true;
        }
        if (in_frame) {
          cur_beat = 0;
          cur_beats = static_cast<unsigned>((cur.bytes.size() + 63) / 64);
        }
      }
      if (in_frame && (cur_beat == 0 || kat_mode || valid.step(rng))) drive = true;
    }
    if (!drive) st[S_GAPS]++;
    Bytes beat(64, 0);
    uint64_t keep = 0;
    if (drive) {
      // bytes beyond the frame are random on the bus: tkeep must mask them
      for (unsigned i = 0; i < 64; i++) {
        const unsigned p = cur_beat * 64 + i;
        if (p < cur.bytes.size()) {
          beat[i] = cur.bytes[p];
          keep |= 1ull << i;
        } else {
          beat[i] = static_cast<uint8_t>(rng.below(256));
        }
      }
      last = cur_beat + 1 == cur_beats;
    }
    t->in_valid = drive;
    t->in_first = drive && cur_beat == 0;
    t->in_last = last;
    tb::put_bytes(t->in_data, DW, beat);
    tb::put(t->in_keep, 0, 64, keep);
    tb::put_bytes(t->in_nonce, 128, drive && cur_beat == 0 ? cur.nonce : Bytes(16, static_cast<uint8_t>(rng.below(256))));
    t->in_key = drive && cur_beat == 0 ? cur.key : static_cast<unsigned>(rng.below(4)) % KEYS;
    h.settle();
    // ---- outputs
    if (!rst) {
      auto it = due.find(cyc);
      const bool want = it != due.end();
      if (static_cast<bool>(t->out_valid) != want) {
        throw tb::Fail(tb::fmt("cycle %" PRIu64 ": out_valid %u, expected %u", cyc, static_cast<unsigned>(t->out_valid), want ? 1u : 0u));
      }
      if (want) {
        const uint64_t got = tb::get64(t->out_tag, 0, 64);
        if (got != it->second) {
          throw tb::Fail(tb::fmt("cycle %" PRIu64 ": tag %016" PRIx64 ", expected %016" PRIx64, cyc, got, it->second));
        }
        st[S_TAGS]++;
        if (kat_mode) st[S_KAT]++;
        due.erase(it);
      }
    }
    h.edge();
    if (rst) {
      due.clear();
      in_frame = false;
      if (!kat_mode) {
        keys = random_keys();
        load_keys(keys);
      } else {
        kat_next = 0;
      }
      resets.done();
      continue;
    }
    if (drive) {
      if (last) {
        due[cyc + LATENCY] = tag_of(keys[cur.key], cur.bytes, cur.nonce);
        st[S_FRAMES]++;
        if (cur_beats > 1) st[S_MULTI]++;
        in_frame = false;
        if (kat_mode) kat_next++;
      } else {
        cur_beat++;
      }
    }
    st[S_CYCLES]++;
  }
  if (st[S_KAT] < kats.size()) throw tb::Fail(tb::fmt("only %" PRIu64 " of %zu known answers checked", st[S_KAT], kats.size()));
}

const std::string kNames = tb::join_names(kStats, S_N);
const std::string kParams = tb::fmt("DATA_WIDTH=%u,MAX_BEATS=%u,KEYS=%u", DW, MAXB, KEYS);

}  // namespace

NR_TB_EXPORT const char *nr_tb_auth_mac_stat_names() { return kNames.c_str(); }
NR_TB_EXPORT const char *nr_tb_auth_mac_params() { return kParams.c_str(); }
NR_TB_EXPORT int nr_tb_auth_mac_run(const char *cfg, uint64_t *stats, uint32_t n_stats, char *err, uint32_t err_cap) {
  return tb::run_tb(cfg, kStats, S_N, stats, n_stats, err, err_cap, run);
}
