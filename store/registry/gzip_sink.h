#pragma once
// gzip compression into another sink on every core. The input is cut into
// 1 MiB blocks and each is compressed on its own thread (libdeflate, level
// 6 unless told) into a gzip member of its own; the members are written in input order.
// A file of several members is one gzip file (RFC 1952 §2.2) that gzip,
// Go's compress/gzip (Docker, containerd, skopeo, podman), zlib and
// libarchive read as one stream. libdeflate compresses whole buffers only —
// it has no sync flush to join raw deflate blocks as pigz does — and that
// is what makes it two to four times faster than zlib at the same level.
// A block that a level-1 try on four 16 KiB slices cannot shrink by 1/32
// (random or already-compressed data) is written as stored deflate blocks
// without the match search, which would find nothing and cost most of
// the time of pushing such a layer.
// The bytes depend on the input (and the libdeflate version) alone — not
// on the thread count or on how the input was written — and each header
// has no name and a zero mtime, so the same layer tar always gives the same
// blob and a reproducible build pushes a reproducible manifest digest.
#include <cstdint>
#include <deque>
#include <future>
#include <string>

#include "store/byte_stream.h"

namespace ubuild::store::registry {

class GzipSink : public ByteSink {
 public:
  static constexpr int kDefaultLevel = 6;
  GzipSink(ByteSink& out, std::string what, int level = kDefaultLevel);
  ~GzipSink() override;
  void Write(const void* data, size_t len) override;
  void Finish();  // the last member (the only one, empty, for an empty input)

 private:
  void StartMember();
  void WriteOldest();

  ByteSink& out_;
  std::string what_;
  int level_;
  size_t max_in_flight_;
  std::string block_;  // input not yet handed to a worker
  bool started_ = false;  // a member has been handed to a worker
  std::deque<std::future<std::string>> in_flight_;  // compressed members, in input order
};

}  // namespace ubuild::store::registry
