#include "store/registry/gzip_sink.h"

#include <zlib.h>

#include <thread>

#include "store/base/error.h"

namespace ubuild::store::registry {

namespace {

constexpr size_t kBlockSize = 1 << 20;
constexpr size_t kDictionarySize = 32 << 10;  // deflate's window
constexpr int kLevel = 6;
constexpr int kRawDeflate = -15;  // no zlib or gzip wrapper: the member's header is written here
constexpr int kMemLevel = 8;
// RFC 1952: magic, deflate, no flags, mtime 0, no extra flags, OS 3 (Unix).
constexpr unsigned char kHeader[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};

// One block deflated on its own; a sync flush ends it on a byte boundary so
// the next block's bytes can follow it directly.
std::string DeflateBlock(const std::string& input, const std::string& dictionary, bool last, const std::string& what) {
  z_stream z{};
  if (deflateInit2(&z, kLevel, Z_DEFLATED, kRawDeflate, kMemLevel, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error("cannot initialise gzip compression", what);
  }
  std::string out;
  try {
    if (!dictionary.empty() &&
        deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dictionary.data()), static_cast<uInt>(dictionary.size())) != Z_OK) {
      throw Error("gzip compression failed (dictionary)", what);
    }
    out.resize(deflateBound(&z, input.size()) + 16);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    z.avail_in = static_cast<uInt>(input.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
    if (rc != (last ? Z_STREAM_END : Z_OK) || z.avail_in != 0) throw Error("gzip compression failed", what);
    out.resize(out.size() - z.avail_out);
  } catch (...) {
    deflateEnd(&z);
    throw;
  }
  deflateEnd(&z);
  return out;
}

void PutLittleEndian(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

GzipSink::GzipSink(ByteSink& out, std::string what)
    : out_(out), what_(std::move(what)), max_in_flight_(std::max(2u, std::thread::hardware_concurrency()) * 2) {
  crc_ = static_cast<uint32_t>(crc32(0, nullptr, 0));
  out_.Write(kHeader, sizeof kHeader);
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
  crc_ = static_cast<uint32_t>(crc32_z(crc_, reinterpret_cast<const Bytef*>(p), len));
  size_ += len;
  while (len > 0) {
    size_t n = std::min(len, kBlockSize - block_.size());
    block_.append(p, n);
    p += n;
    len -= n;
    if (block_.size() == kBlockSize) StartBlock(false);
  }
}

void GzipSink::StartBlock(bool last) {
  std::string input = std::move(block_);
  std::string dictionary = dictionary_;
  if (input.size() >= kDictionarySize) {
    dictionary_ = input.substr(input.size() - kDictionarySize);
  } else {
    dictionary_ = (dictionary_ + input).substr(std::max(dictionary_.size() + input.size(), kDictionarySize) - kDictionarySize);
  }
  in_flight_.push_back(std::async(std::launch::async, [input = std::move(input), dictionary = std::move(dictionary), last,
                                                      what = what_] { return DeflateBlock(input, dictionary, last, what); }));
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
  StartBlock(true);
  while (!in_flight_.empty()) WriteOldest();
  std::string trailer;
  PutLittleEndian(trailer, crc_);
  PutLittleEndian(trailer, static_cast<uint32_t>(size_));
  out_.Write(trailer.data(), trailer.size());
}

}  // namespace ubuild::store::registry
