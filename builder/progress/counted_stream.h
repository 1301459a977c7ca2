#pragma once
// A byte sink or source that counts what passes through it into a
// ByteCounter, so `save` and `load` show their bytes without the archive
// code knowing about any display.
#include "store/base/progress_sink.h"
#include "store/byte_stream.h"

namespace ubuild::progress {

class CountedSink : public store::ByteSink {
 public:
  CountedSink(store::ByteSink& inner, ByteCounter& bytes) : inner_(inner), bytes_(bytes) {}
  void Write(const void* data, size_t len) override {
    inner_.Write(data, len);
    bytes_.Add(len);
  }

 private:
  store::ByteSink& inner_;
  ByteCounter& bytes_;
};

class CountedSource : public store::ByteSource {
 public:
  CountedSource(store::ByteSource& inner, ByteCounter& bytes) : inner_(inner), bytes_(bytes) {}
  size_t Read(void* data, size_t len) override {
    const size_t n = inner_.Read(data, len);
    bytes_.Add(n);
    return n;
  }

 private:
  store::ByteSource& inner_;
  ByteCounter& bytes_;
};

}  // namespace ubuild::progress
