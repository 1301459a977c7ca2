#include "store/registry/zstd_sink.h"

#include <zstd.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "store/base/error.h"

namespace ubuild::store::registry {

struct ZstdSink::Impl {
  ZSTD_CCtx* cctx = nullptr;
  std::vector<char> out;
};

namespace {
void Check(size_t rc, const std::string& doing, const std::string& what) {
  if (ZSTD_isError(rc)) throw Error("zstd compression failed (" + doing + "): " + ZSTD_getErrorName(rc), what);
}
}  // namespace

ZstdSink::ZstdSink(ByteSink& out, int level, std::string what, int workers)
    : impl_(std::make_unique<Impl>()), out_(out), what_(std::move(what)) {
  impl_->cctx = ZSTD_createCCtx();
  if (impl_->cctx == nullptr) throw Error("cannot initialise zstd compression (out of memory)", what_);
  if (workers <= 0) workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Check(ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_compressionLevel, level), "level", what_);
  Check(ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_checksumFlag, 1), "checksum", what_);
  Check(ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_nbWorkers, workers), "workers", what_);
  impl_->out.resize(ZSTD_CStreamOutSize());
}

ZstdSink::~ZstdSink() { ZSTD_freeCCtx(impl_->cctx); }

void ZstdSink::Drain(const void* data, size_t len, bool end) {
  ZSTD_inBuffer in{data, len, 0};
  for (;;) {
    ZSTD_outBuffer o{impl_->out.data(), impl_->out.size(), 0};
    size_t left = ZSTD_compressStream2(impl_->cctx, &o, &in, end ? ZSTD_e_end : ZSTD_e_continue);
    Check(left, "stream", what_);
    out_.Write(impl_->out.data(), o.pos);
    if (end ? left == 0 : in.pos == in.size) return;
  }
}

void ZstdSink::Write(const void* data, size_t len) { Drain(data, len, false); }

void ZstdSink::Finish() { Drain(nullptr, 0, true); }

}  // namespace ubuild::store::registry
