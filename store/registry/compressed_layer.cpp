#include "store/registry/compressed_layer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "store/base/error.h"
#include "store/layout.h"
#include "store/store.h"

namespace ubuild::store::registry {

namespace {

class HashingFileSink : public ByteSink {
 public:
  HashingFileSink(int fd, std::string what) : file_(fd, std::move(what)) {}
  void Write(const void* data, size_t len) override {
    hash.Update(data, len);
    size += len;
    file_.Write(data, len);
  }
  Sha256 hash;
  uint64_t size = 0;

 private:
  FdSink file_;
};

}  // namespace

CompressedLayer CompressedLayer::Make(Store& store, const Layer& layer, const LayerCompression& compression) {
  CompressedLayer c;
  const auto tmp = layout::LayerDbTmp(store.root());
  c.fd.reset(::open(tmp.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!c.fd.valid()) throw SysError("open(O_TMPFILE)", tmp.string(), errno);
  const std::string what = "layer " + layer.diff_id.str();
  HashingFileSink file(c.fd.get(), what);
  auto compressing = MakeCompressingSink(compression, file, what);
  store.layers().WriteTar(layer, *compressing);
  compressing->Finish();
  c.digest = file.hash.Final();
  c.size = file.size;
  return c;
}

size_t CompressedLayerReader::Read(void* data, size_t len) {
  for (;;) {
    ssize_t n = ::pread(fd_, data, len, offset_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SysError("pread", "compressed layer", errno);
    offset_ += n;
    return static_cast<size_t>(n);
  }
}

}  // namespace ubuild::store::registry
