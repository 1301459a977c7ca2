#pragma once
// Minimal byte sinks and sources so tar code can write to a file, a pipe,
// a hash or memory without knowing which.
#include <cstddef>
#include <string>

namespace ubuild::store {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void Write(const void* data, size_t len) = 0;  // throws ubuild::Error on failure
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual size_t Read(void* data, size_t len) = 0;  // 0 at end; throws on failure
};

class FdSink : public ByteSink {
 public:
  explicit FdSink(int fd, std::string name = {}) : fd_(fd), name_(std::move(name)) {}
  void Write(const void* data, size_t len) override;
 private:
  int fd_;
  std::string name_;
};

class FdSource : public ByteSource {
 public:
  explicit FdSource(int fd, std::string name = {}) : fd_(fd), name_(std::move(name)) {}
  size_t Read(void* data, size_t len) override;
 private:
  int fd_;
  std::string name_;
};

class StringSink : public ByteSink {
 public:
  void Write(const void* data, size_t len) override { out.append(static_cast<const char*>(data), len); }
  std::string out;
};

class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  size_t Read(void* data, size_t len) override;
 private:
  std::string data_;
  size_t pos_ = 0;
};

}  // namespace ubuild::store
