#include "store/crc64.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ubuild::store {

namespace {

constexpr uint64_t kPolyLow = 0x1B;                // x^64 + x^4 + x^3 + x + 1, below x^64
constexpr uint64_t kPolyReflected = 0xD800000000000000ULL;  // the same, bit-reversed

// Slicing-by-8 tables: table[k][b] is the CRC of byte b followed by k zero
// bytes, so eight input bytes are folded per step.
struct Tables {
  std::array<std::array<uint64_t, 256>, 8> t{};
  Tables() {
    for (unsigned i = 0; i < 256; ++i) {
      uint64_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
      t[0][i] = c;
    }
    for (unsigned i = 0; i < 256; ++i) {
      for (int k = 1; k < 8; ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
    }
  }
};

const Tables& GetTables() {
  static const Tables tables;
  return tables;
}

// The register after `len` bytes, starting from `reg` (already inverted).
uint64_t TableUpdate(uint64_t reg, const unsigned char* p, size_t len) {
  const auto& t = GetTables().t;
  while (len >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);  // little-endian host (x86-64, aarch64)
    const uint64_t v = reg ^ w;
    reg = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^ t[4][(v >> 24) & 0xff] ^
          t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^ t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
    p += 8;
    len -= 8;
  }
  while (len-- > 0) reg = t[0][(reg ^ *p++) & 0xff] ^ (reg >> 8);
  return reg;
}

#if defined(__x86_64__)

// Carry-less folding (Intel's "Fast CRC Computation for Generic Polynomials
// Using PCLMULQDQ"), which runs several times faster than the tables on the
// layer payloads hashed at commit. In the bit-reflected layout a 16-byte
// block's low 64 bits hold the higher-degree half A and its high 64 bits the
// lower half B, so moving the block F bits further along the message is
//   A*x^(F+64) + B*x^F  =  clmul(A', (x^(F+63) mod P)') ^ clmul(B', (x^(F-1) mod P)')
// where ' is bit reversal; the exponents are one lower than the shift
// because the product of two reflected 64-bit values comes out one bit
// short of a reflected 128-bit one. The constants are derived here rather
// than copied, and the unit tests check this path against the tables.
uint64_t XPowModP(unsigned n) {
  uint64_t r = 1;
  for (unsigned i = 0; i < n; ++i) r = (r << 1) ^ ((r >> 63) ? kPolyLow : 0);
  return r;
}

uint64_t Reverse64(uint64_t v) {
  uint64_t r = 0;
  for (int i = 0; i < 64; ++i) r |= ((v >> i) & 1) << (63 - i);
  return r;
}

struct FoldConstants {
  uint64_t by512[2], by384[2], by256[2], by128[2];  // {for A (low half), for B (high half)}
  FoldConstants() {
    auto set = [](uint64_t* k, unsigned bits) {
      k[0] = Reverse64(XPowModP(bits + 63));
      k[1] = Reverse64(XPowModP(bits - 1));
    };
    set(by512, 512);
    set(by384, 384);
    set(by256, 256);
    set(by128, 128);
  }
};

const FoldConstants& GetFoldConstants() {
  static const FoldConstants k;
  return k;
}

__attribute__((target("pclmul,sse2"))) inline __m128i Fold(__m128i acc, __m128i k, __m128i next) {
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(acc, k, 0x00), _mm_clmulepi64_si128(acc, k, 0x11)), next);
}

__attribute__((target("pclmul,sse2"))) inline __m128i Load(const unsigned char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

__attribute__((target("pclmul,sse2"))) inline __m128i Constant(const uint64_t* k) {
  return _mm_set_epi64x(static_cast<long long>(k[1]), static_cast<long long>(k[0]));
}

// REQUIRES: len >= 64.
__attribute__((target("pclmul,sse2"))) uint64_t FoldUpdate(uint64_t reg, const unsigned char* p, size_t len) {
  const FoldConstants& c = GetFoldConstants();
  // The register's value folds in as the first eight message bytes, as in the table loop.
  __m128i x0 = _mm_xor_si128(Load(p), _mm_set_epi64x(0, static_cast<long long>(reg)));
  __m128i x1 = Load(p + 16), x2 = Load(p + 32), x3 = Load(p + 48);
  p += 64;
  len -= 64;
  const __m128i k512 = Constant(c.by512);
  while (len >= 64) {
    x0 = Fold(x0, k512, Load(p));
    x1 = Fold(x1, k512, Load(p + 16));
    x2 = Fold(x2, k512, Load(p + 32));
    x3 = Fold(x3, k512, Load(p + 48));
    p += 64;
    len -= 64;
  }
  __m128i acc = Fold(x0, Constant(c.by384), Fold(x1, Constant(c.by256), Fold(x2, Constant(c.by128), x3)));
  const __m128i k128 = Constant(c.by128);
  while (len >= 16) {
    acc = Fold(acc, k128, Load(p));
    p += 16;
    len -= 16;
  }
  // What is left is congruent to the message so far: its 16 bytes, then the
  // tail, through the tables from a zero register.
  unsigned char bytes[16];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(bytes), acc);
  return TableUpdate(TableUpdate(0, bytes, 16), p, len);
}

bool HavePclmul() {
  static const bool have = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
  return have;
}

#endif

}  // namespace

void Crc64Iso::Update(const void* data, size_t len) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  uint64_t reg = ~crc_;
#if defined(__x86_64__)
  if (len >= 64 && use_folding_ && HavePclmul()) {
    crc_ = ~FoldUpdate(reg, p, len);
    return;
  }
#endif
  crc_ = ~TableUpdate(reg, p, len);
}

std::string Crc64Iso::BigEndianBytes() const {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(crc_ >> (56 - 8 * i));
  return out;
}

}  // namespace ubuild::store
