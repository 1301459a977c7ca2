#include "store/registry/gunzip_sink.h"

#include <zlib.h>

#include "store/base/error.h"

namespace ubuild::store::registry {

namespace {
constexpr size_t kOutBuffer = 256 << 10;
constexpr int kGzipOnly = 15 + 16;
}  // namespace

struct GunzipSink::Impl {
  z_stream z{};
  bool at_member_end = false;  // the last inflate ended a member
  unsigned char out[kOutBuffer];
};

GunzipSink::GunzipSink(ByteSink& out, std::string what, bool check_crc)
    : impl_(std::make_unique<Impl>()), out_(out), what_(std::move(what)) {
  if (inflateInit2(&impl_->z, kGzipOnly) != Z_OK) throw Error("cannot initialise gzip decompression", what_);
  // inflateReset, between members, keeps this.
  if (!check_crc && inflateValidate(&impl_->z, 0) != Z_OK) throw Error("cannot initialise gzip decompression", what_);
}

GunzipSink::~GunzipSink() { inflateEnd(&impl_->z); }

void GunzipSink::Write(const void* data, size_t len) {
  z_stream& z = impl_->z;
  z.next_in = static_cast<Bytef*>(const_cast<void*>(data));
  z.avail_in = static_cast<uInt>(len);
  while (z.avail_in > 0) {
    if (impl_->at_member_end) {
      // Another member follows the one that ended.
      inflateReset(&z);
      impl_->at_member_end = false;
    }
    z.next_out = impl_->out;
    z.avail_out = kOutBuffer;
    int rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      throw Error(std::string("corrupt gzip data: ") + (z.msg != nullptr ? z.msg : "inflate failed"), what_);
    }
    out_.Write(impl_->out, kOutBuffer - z.avail_out);
    if (rc == Z_STREAM_END) impl_->at_member_end = true;
    if (rc == Z_BUF_ERROR && z.avail_out != 0) break;  // needs more input
  }
}

void GunzipSink::Finish() {
  if (!impl_->at_member_end) throw Error("truncated gzip data: the stream ends inside a member", what_);
}

}  // namespace ubuild::store::registry
