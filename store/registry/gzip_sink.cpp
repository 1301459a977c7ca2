#include "store/registry/gzip_sink.h"

#include <zlib.h>

#include "store/base/error.h"

namespace ubuild::store::registry {

namespace {
constexpr size_t kOutBuffer = 256 << 10;
constexpr int kGzipWindowBits = 15 + 16;  // zlib's way of asking for a gzip wrapper
constexpr int kMemLevel = 8;
}  // namespace

struct GzipSink::Impl {
  z_stream z{};
  unsigned char out[kOutBuffer];
};

GzipSink::GzipSink(ByteSink& out, std::string what) : impl_(std::make_unique<Impl>()), out_(out), what_(std::move(what)) {
  if (deflateInit2(&impl_->z, 6, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error("cannot initialise gzip compression", what_);
  }
}

GzipSink::~GzipSink() { deflateEnd(&impl_->z); }

void GzipSink::Deflate(int flush) {
  z_stream& z = impl_->z;
  do {
    z.next_out = impl_->out;
    z.avail_out = kOutBuffer;
    int rc = deflate(&z, flush);
    if (rc == Z_STREAM_ERROR) throw Error("gzip compression failed", what_);
    out_.Write(impl_->out, kOutBuffer - z.avail_out);
    if (rc == Z_STREAM_END) return;
  } while (z.avail_out == 0 || (flush == Z_FINISH));
}

void GzipSink::Write(const void* data, size_t len) {
  z_stream& z = impl_->z;
  z.next_in = static_cast<Bytef*>(const_cast<void*>(data));
  z.avail_in = static_cast<uInt>(len);
  Deflate(Z_NO_FLUSH);
}

void GzipSink::Finish() { Deflate(Z_FINISH); }

}  // namespace ubuild::store::registry
