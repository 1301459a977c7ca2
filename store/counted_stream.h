#pragma once
// A byte sink or source that counts what passes through it into a
// ByteCounter, so `save`, `load`, pull and push show their bytes without
// the archive or transfer code knowing about any display.
#include "store/base/progress_sink.h"
#include "store/byte_stream.h"

namespace ubuild::store {

class CountedSink : public ByteSink {
 public:
  CountedSink(ByteSink& inner, ByteCounter& bytes) : inner_(inner), bytes_(bytes) {}
  void Write(const void* data, size_t len) override {
    inner_.Write(data, len);
    bytes_.Add(len);
  }

 private:
  ByteSink& inner_;
  ByteCounter& bytes_;
};

class CountedSource : public ByteSource {
 public:
  CountedSource(ByteSource& inner, ByteCounter& bytes) : inner_(inner), bytes_(bytes) {}
  size_t Read(void* data, size_t len) override {
    const size_t n = inner_.Read(data, len);
    bytes_.Add(n);
    return n;
  }

 private:
  ByteSource& inner_;
  ByteCounter& bytes_;
};

}  // namespace ubuild::store
