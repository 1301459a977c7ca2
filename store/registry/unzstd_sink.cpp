#include "store/registry/unzstd_sink.h"

#include <zstd.h>

#include <vector>

#include "store/base/error.h"

namespace ubuild::store::registry {

struct UnzstdSink::Impl {
  ZSTD_DCtx* dctx = nullptr;
  std::vector<char> out = std::vector<char>(ZSTD_DStreamOutSize());
  bool at_frame_end = true;  // nothing yet, or the last call ended a frame
  bool any_input = false;
};

UnzstdSink::UnzstdSink(ByteSink& out, std::string what)
    : impl_(std::make_unique<Impl>()), out_(out), what_(std::move(what)) {
  impl_->dctx = ZSTD_createDCtx();
  if (impl_->dctx == nullptr) throw Error("cannot initialise zstd decompression (out of memory)", what_);
}

UnzstdSink::~UnzstdSink() { ZSTD_freeDCtx(impl_->dctx); }

void UnzstdSink::Write(const void* data, size_t len) {
  if (len == 0) return;
  impl_->any_input = true;
  ZSTD_inBuffer in{data, len, 0};
  // Until the input is used up and the decoder has nothing more to flush
  // (a full output buffer may hide more).
  for (;;) {
    ZSTD_outBuffer out{impl_->out.data(), impl_->out.size(), 0};
    size_t rc = ZSTD_decompressStream(impl_->dctx, &out, &in);
    if (ZSTD_isError(rc)) throw Error(std::string("corrupt zstd data: ") + ZSTD_getErrorName(rc), what_);
    if (out.pos > 0) out_.Write(impl_->out.data(), out.pos);
    // 0: a frame ended and is flushed (the next byte, if any, starts a
    // new one); asked again without input the decoder would want the next
    // frame's header.
    impl_->at_frame_end = rc == 0;
    if (in.pos == in.size && (rc == 0 || out.pos < out.size)) return;
  }
}

void UnzstdSink::Finish() {
  if (!impl_->any_input) throw Error("empty zstd data", what_);
  if (!impl_->at_frame_end) throw Error("truncated zstd data: the stream ends inside a frame", what_);
}

}  // namespace ubuild::store::registry
