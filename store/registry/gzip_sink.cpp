#include "store/registry/gzip_sink.h"

#include <libdeflate.h>

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

// One block as a whole gzip member: header, raw deflate, CRC-32, size.
std::string CompressMember(const std::string& input, int level, const std::string& what) {
  std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> c(libdeflate_alloc_compressor(level),
                                                                                    libdeflate_free_compressor);
  if (!c) throw Error("cannot initialise gzip compression (out of memory)", what);
  std::string out(sizeof kHeader + libdeflate_deflate_compress_bound(c.get(), input.size()) + kTrailerSize, '\0');
  std::copy(std::begin(kHeader), std::end(kHeader), out.begin());
  size_t n = libdeflate_deflate_compress(c.get(), input.data(), input.size(), out.data() + sizeof kHeader,
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
