// nicraft RTL testbenches: the frame MAC's reference (docs/auth.md), shared by the testbenches of
// nicraft_auth_mac, nicraft_rx_auth and nicraft_tx_sign. Written from the specifications, not from the
// RTL: AES-128 encryption with given round keys (FIPS-197; the S-box computed from its definition),
// the key schedule, the Toeplitz hash, and the nicraft frame fields the authentication reads and writes.
#pragma once

#include "tb_common.h"

namespace tbauth {

using Bytes = tb::Bytes;

inline uint8_t SBOX[256];
inline void init_sbox() {
  auto mul = [](unsigned a, unsigned b) {
    unsigned p = 0;
    for (int i = 0; i < 8; i++) {
      if (b & 1) p ^= a;
      a = (a << 1) ^ ((a & 0x80) ? 0x11b : 0);
      b >>= 1;
    }
    return p & 0xff;
  };
  for (unsigned x = 0; x < 256; x++) {
    unsigned inv = 0;
    for (unsigned y = 1; y < 256 && x; y++)
      if (mul(x, y) == 1) { inv = y; break; }
    unsigned r = inv;
    for (int i = 1; i < 5; i++) r ^= ((inv << i) | (inv >> (8 - i))) & 0xff;
    SBOX[x] = static_cast<uint8_t>(r ^ 0x63);
  }
}

inline uint8_t xt(uint8_t x) { return static_cast<uint8_t>((x << 1) ^ ((x & 0x80) ? 0x1b : 0)); }

/** The FIPS-197 key schedule: 176 bytes, round r at [16r, 16r+16). */
inline Bytes expand(const Bytes &key) {
  Bytes w(176);
  std::copy(key.begin(), key.end(), w.begin());
  uint8_t rcon = 1;
  for (unsigned i = 16; i < 176; i += 4) {
    uint8_t t[4] = {w[i - 4], w[i - 3], w[i - 2], w[i - 1]};
    if (i % 16 == 0) {
      const uint8_t t0 = t[0];
      t[0] = SBOX[t[1]] ^ rcon;
      t[1] = SBOX[t[2]];
      t[2] = SBOX[t[3]];
      t[3] = SBOX[t0];
      rcon = xt(rcon);
    }
    for (unsigned j = 0; j < 4; j++) w[i + j] = w[i - 16 + j] ^ t[j];
  }
  return w;
}

inline Bytes aes(const Bytes &rk, const Bytes &in) {
  Bytes s(16);
  for (unsigned i = 0; i < 16; i++) s[i] = in[i] ^ rk[i];
  for (unsigned r = 1; r <= 10; r++) {
    Bytes t(16);
    for (unsigned c = 0; c < 4; c++)
      for (unsigned q = 0; q < 4; q++) t[q + 4 * c] = SBOX[s[q + 4 * ((c + q) % 4)]];
    if (r < 10) {
      for (unsigned c = 0; c < 4; c++) {
        const uint8_t a0 = t[4 * c], a1 = t[4 * c + 1], a2 = t[4 * c + 2], a3 = t[4 * c + 3];
        t[4 * c] = xt(a0) ^ xt(a1) ^ a1 ^ a2 ^ a3;
        t[4 * c + 1] = a0 ^ xt(a1) ^ xt(a2) ^ a2 ^ a3;
        t[4 * c + 2] = a0 ^ a1 ^ xt(a2) ^ xt(a3) ^ a3;
        t[4 * c + 3] = xt(a0) ^ a0 ^ a1 ^ a2 ^ xt(a3);
      }
    }
    for (unsigned i = 0; i < 16; i++) s[i] = t[i] ^ rk[16 * r + i];
  }
  return s;
}

/** One key context: the round keys and the Toeplitz hash key (MAX_BEATS*512+63 bits). */
struct Key {
  Bytes rk;  // 176 bytes of round keys
  Bytes hk;  // hash key, ceil(bits/8) bytes
};

inline bool hk_bit(const Bytes &hk, unsigned p) { return (hk[p >> 3] >> (p & 7)) & 1; }

inline Bytes random_bytes(tb::Rng &rng, size_t n) {
  Bytes b(n);
  for (auto &x : b) x = static_cast<uint8_t>(rng.below(256));
  return b;
}

inline Key random_key(tb::Rng &rng, unsigned max_beats) {
  Key k;
  k.rk = expand(random_bytes(rng, 16));
  k.hk = random_bytes(rng, (max_beats * 512 + 63 + 7) / 8);
  return k;
}

/** `n` random key contexts (random_key each, in order). */
inline std::vector<Key> random_keys(tb::Rng &rng, unsigned n, unsigned max_beats) {
  std::vector<Key> keys;
  for (unsigned c = 0; c < n; c++) keys.push_back(random_key(rng, max_beats));
  return keys;
}

/**
 * tag = T_K(frame) xor AES(nonce)[0..7]; frame bit n (bit n%8 of byte n/8) uses key bits n+t. Beats at
 * or beyond max_beats use the last beat's key window (docs/auth.md: the engine hashes an oversize
 * frame's extra beats so). max_beats 0: no limit.
 */
inline uint64_t tag_of(const Key &k, const Bytes &frame, const Bytes &nonce, unsigned max_beats = 0) {
  uint64_t h = 0;
  for (unsigned n = 0; n < frame.size() * 8; n++) {
    if (!((frame[n >> 3] >> (n & 7)) & 1)) continue;
    unsigned p = n;
    if (max_beats && n / 512 >= max_beats) p = (max_beats - 1) * 512 + n % 512;
    for (unsigned t = 0; t < 64; t++)
      if (hk_bit(k.hk, p + t)) h ^= 1ull << t;
  }
  const Bytes pd = aes(k.rk, nonce);
  uint64_t pad = 0;
  for (unsigned q = 0; q < 8; q++) pad |= uint64_t(pd[q]) << (8 * q);
  return h ^ pad;
}

inline Bytes hex_bytes(const char *s) {
  Bytes b;
  for (; s[0] && s[1]; s += 2) b.push_back(static_cast<uint8_t>(std::stoul(std::string(s, 2), nullptr, 16)));
  return b;
}

/** Loads key contexts' round keys into an engine's round_keys input (the hash keys: write_hash_keys). */
template <class RK>
void load_round_keys(RK &round_keys, const std::vector<Key> &keys) {
  for (unsigned k = 0; k < keys.size(); k++) tb::put(round_keys, k * 11 * 128, 11 * 128, tb::words_of(keys[k].rk, 11 * 128).data());
}

/**
 * Writes every context's hash key through an engine's hk_wr port, one word a cycle (the host's
 * AUTH_KEY_DATA writes, as nicraft_auth_csr passes them on), in a random order: `idle` sets the
 * engine's other inputs to nothing for those cycles, h runs them (settle, edge). Contexts 0..3 are
 * written; those beyond keys.size() with random words the engine must ignore. Returns the cycles.
 */
template <class H, class Top, class Idle>
uint64_t write_hash_keys(H &h, Top *t, const std::vector<Key> &keys, unsigned max_beats, tb::Rng &rng, Idle idle) {
  std::vector<std::pair<unsigned, unsigned>> order;  // (context, word)
  std::vector<tb::Words> words;
  const unsigned tk_bits = max_beats * 512 + 63, used = tk_bits % 32;
  // contexts beyond the engine's (keys.size() < 4) get random words, which it must ignore; so must it
  // the last word's bits beyond the key, random here too (word w: key bits [32w +: 32])
  for (unsigned k = 0; k < 4; k++) {
    tb::Words w(tb::words_for(tk_bits));
    if (k < keys.size()) {
      w = tb::words_of(keys[k].hk, tk_bits);
      if (used) w.back() = (w.back() & ((1u << used) - 1)) | (static_cast<uint32_t>(rng.next()) << used);
    } else {
      for (auto &x : w) x = static_cast<uint32_t>(rng.next());
    }
    words.push_back(w);
    for (unsigned i = 0; i < w.size(); i++) order.emplace_back(k, i);
  }
  for (size_t i = order.size(); i > 1; i--) std::swap(order[i - 1], order[rng.below(i)]);
  for (const auto &[k, w] : order) {
    idle();
    t->hk_wr = 1;
    t->hk_wr_ctx = k;
    t->hk_wr_word = w;
    t->hk_wr_data = words[k][w];
    h.settle();
    h.edge();
  }
  t->hk_wr = 0;
  return order.size();
}

// ---------------------------------------------------------------- the frame fields (spec/wire.yaml)
constexpr unsigned HDR = 60, OFF_TYPE = 15, OFF_SRC = 19, OFF_CLIENT = 34, OFF_KID = 44, OFF_RSVD = 45, OFF_PN = 46, OFF_ICV = 52;
constexpr uint8_t TYPE_REQ = 1, TYPE_REPLY = 6;

/**
 * A frame the authentication does not cover (the engines pass it unchecked): half of them another
 * ethertype (up to max_beats beats), half the nicraft ethertype on fewer bytes than a header.
 */
inline Bytes uncovered_frame(tb::Rng &rng, unsigned max_beats) {
  const bool short_frame = rng.chance(0.5);
  Bytes f = random_bytes(rng, short_frame ? rng.range(14, HDR - 1) : rng.range(14, max_beats * 64));
  if (short_frame) { f[12] = 0x88; f[13] = 0xB5; }
  else if (f[12] == 0x88 && f[13] == 0xB5) f[13] = 0;
  return f;
}

/** A nicraft frame the authentication covers: the ethertype and a whole header. */
inline bool authenticated(const Bytes &f) { return f.size() >= HDR && f[12] == 0x88 && f[13] == 0xB5; }
/** Key class: 1 (client key) for REQ and REPLY, 0 (node key) for every other type. */
inline unsigned key_class(const Bytes &f) { return f[OFF_TYPE] == TYPE_REQ || f[OFF_TYPE] == TYPE_REPLY ? 1 : 0; }
inline unsigned key_ctx(const Bytes &f) { return 2 * key_class(f) + (f[OFF_KID] & 1); }
inline uint64_t pn_of(const Bytes &f) {
  uint64_t v = 0;
  for (unsigned i = 0; i < 6; i++) v = (v << 8) | f[OFF_PN + i];
  return v;
}
inline void set_pn(Bytes &f, uint64_t pn) {
  for (unsigned i = 0; i < 6; i++) f[OFF_PN + i] = static_cast<uint8_t>(pn >> (8 * (5 - i)));
}
/** The 16-byte nonce: class, key id byte, src_node, 0, client_id (4), packet number (6), 0, 0. */
inline Bytes nonce_of(const Bytes &f) {
  Bytes n(16, 0);
  n[0] = static_cast<uint8_t>(key_class(f));
  n[1] = f[OFF_KID];
  n[2] = f[OFF_SRC];
  for (unsigned i = 0; i < 4; i++) n[4 + i] = f[OFF_CLIENT + i];
  for (unsigned i = 0; i < 6; i++) n[8 + i] = f[OFF_PN + i];
  return n;
}
/** The frame's tag under its key context (ICV bytes zero). */
inline uint64_t frame_tag(const std::vector<Key> &keys, const Bytes &f, unsigned max_beats) {
  Bytes z = f;
  for (unsigned i = 0; i < 8; i++) z[OFF_ICV + i] = 0;
  return tag_of(keys[key_ctx(f)], z, nonce_of(f), max_beats);
}
inline uint64_t icv_of(const Bytes &f) {
  uint64_t v = 0;
  for (unsigned i = 0; i < 8; i++) v |= uint64_t(f[OFF_ICV + i]) << (8 * i);
  return v;
}
/** ICV byte q is tag bits [8q+7:8q] (tag bit t at frame bit 8*52 + t). */
inline void set_icv(Bytes &f, uint64_t tag) {
  for (unsigned i = 0; i < 8; i++) f[OFF_ICV + i] = static_cast<uint8_t>(tag >> (8 * i));
}

}  // namespace tbauth
