#include "store/registry/gzip_sink.h"

#include <libdeflate.h>

#include <cstring>
#include <memory>
#include <thread>

#include "store/base/error.h"

namespace ubuild::store::registry {

namespace {

constexpr size_t kBlockSize = 1 << 20;
// RFC 1952: magic, deflate, no flags, mtime 0, no extra flags, OS 3 (Unix).
constexpr unsigned char kHeader[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
constexpr size_t kTrailerSize = 8;

void PutLittleEndian(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Incompressible input (random data, already-compressed files) costs
// libdeflate's match search at full price and still ends as stored
// blocks; a level-1 try on a few slices of the block tells such a block
// for a fraction of that. Only when no slice gains 1/32 is the block
// stored. The verdict depends on the block's bytes alone, so the output
// stays a function of the input.
constexpr size_t kProbeSlices = 4;
constexpr size_t kProbeSlice = 16 << 10;
constexpr size_t kMaxStored = 65535;  // the largest stored deflate block (RFC 1951 §3.2.4)

bool LooksIncompressible(const std::string& input, const std::string& what) {
  if (input.size() < kProbeSlices * kProbeSlice) return false;
  std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> c(libdeflate_alloc_compressor(1),
                                                                                    libdeflate_free_compressor);
  if (!c) throw Error("cannot initialise gzip compression (out of memory)", what);
  std::string out(kProbeSlice - kProbeSlice / 32, '\0');
  for (size_t i = 0; i < kProbeSlices; ++i) {
    const char* slice = input.data() + i * (input.size() - kProbeSlice) / (kProbeSlices - 1);
    // 0: the slice does not fit in 31/32 of its size.
    if (libdeflate_deflate_compress(c.get(), slice, kProbeSlice, out.data(), out.size()) != 0) return false;
  }
  return true;
}

// Raw deflate of `input` as stored blocks, the last one final.
size_t StoreDeflate(const std::string& input, char* out) {
  char* p = out;
  size_t at = 0;
  do {
    const size_t n = std::min(kMaxStored, input.size() - at);
    const bool last = at + n == input.size();
    *p++ = static_cast<char>(last ? 1 : 0);  // BFINAL, BTYPE 00; stored blocks start byte-aligned
    const uint16_t len = static_cast<uint16_t>(n);
    const uint16_t nlen = static_cast<uint16_t>(~len);
    *p++ = static_cast<char>(len & 0xff);
    *p++ = static_cast<char>(len >> 8);
    *p++ = static_cast<char>(nlen & 0xff);
    *p++ = static_cast<char>(nlen >> 8);
    std::memcpy(p, input.data() + at, n);
    p += n;
    at += n;
  } while (at < input.size());
  return static_cast<size_t>(p - out);
}

// One block as a whole gzip member: header, raw deflate, CRC-32, size.
std::string CompressMember(const std::string& input, int level, const std::string& what) {
  const bool store = level > 0 && LooksIncompressible(input, what);
  std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> c(
      store ? nullptr : libdeflate_alloc_compressor(level), libdeflate_free_compressor);
  if (!store && !c) throw Error("cannot initialise gzip compression (out of memory)", what);
  const size_t bound = store ? input.size() + (input.size() / kMaxStored + 1) * 5
                             : libdeflate_deflate_compress_bound(c.get(), input.size());
  std::string out(sizeof kHeader + bound + kTrailerSize, '\0');
  std::copy(std::begin(kHeader), std::end(kHeader), out.begin());
  size_t n = store ? StoreDeflate(input, out.data() + sizeof kHeader)
                   : libdeflate_deflate_compress(c.get(), input.data(), input.size(), out.data() + sizeof kHeader,
                                                 out.size() - sizeof kHeader - kTrailerSize);
  if (n == 0) throw Error("gzip compression failed", what);
  char* trailer = out.data() + sizeof kHeader + n;
  PutLittleEndian(trailer, libdeflate_crc32(0, input.data(), input.size()));
  PutLittleEndian(trailer + 4, static_cast<uint32_t>(input.size()));
  out.resize(sizeof kHeader + n + kTrailerSize);
  return out;
}

}  // namespace

GzipSink::GzipSink(ByteSink& out, std::string what, int level)
    : out_(out), what_(std::move(what)), level_(level), max_in_flight_(std::max(2u, std::thread::hardware_concurrency()) * 2) {
  block_.reserve(kBlockSize);
}

GzipSink::~GzipSink() {
  // Workers still running own copies of their input; wait for them.
  for (auto& f : in_flight_) {
    if (f.valid()) f.wait();
  }
}

void GzipSink::Write(const void* data, size_t len) {
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    size_t n = std::min(len, kBlockSize - block_.size());
    block_.append(p, n);
    p += n;
    len -= n;
    if (block_.size() == kBlockSize) StartMember();
  }
}

void GzipSink::StartMember() {
  in_flight_.push_back(std::async(std::launch::async, [input = std::move(block_), level = level_, what = what_] {
    return CompressMember(input, level, what);
  }));
  started_ = true;
  block_.clear();
  block_.reserve(kBlockSize);
  while (in_flight_.size() > max_in_flight_) WriteOldest();
}

void GzipSink::WriteOldest() {
  std::string piece = in_flight_.front().get();
  in_flight_.pop_front();
  out_.Write(piece.data(), piece.size());
}

void GzipSink::Finish() {
  if (!block_.empty() || !started_) StartMember();
  while (!in_flight_.empty()) WriteOldest();
}

}  // namespace ubuild::store::registry
