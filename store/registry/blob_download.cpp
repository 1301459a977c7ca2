#include "store/registry/blob_download.h"

#include "store/counted_stream.h"
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <optional>

#include "store/base/error.h"
#include "store/counted_stream.h"
#include "store/decompressing_source.h"
#include "store/registry/gunzip_sink.h"

namespace ubuild::store::registry {

namespace {

// The file's bytes and their digest.
class HashingFdSink : public ByteSink {
 public:
  HashingFdSink(int fd, std::string what) : file_(fd, std::move(what)) {}
  void Write(const void* data, size_t len) override {
    hash_.Update(data, len);
    file_.Write(data, len);
  }
  Digest Final() { return hash_.Final(); }

 private:
  FdSink file_;
  Sha256 hash_;
};

// The blob as it arrives: never more than the expected size, hashed, and
// written to the file — decompressed on the way when it is gzip, so the
// file then holds the layer tar itself. zstd is kept as it came.
class LayerFileSink : public ByteSink {
 public:
  LayerFileSink(int fd, const Descriptor& blob) : blob_(blob), file_(fd, "blob " + blob.digest.str()) {}
  void Write(const void* data, size_t len) override {
    if (received_ + len > blob_.size) {
      throw Error("the registry sent more than the " + std::to_string(blob_.size) + " bytes the manifest gives",
                  "blob " + blob_.digest.str());
    }
    hash_.Update(data, len);
    received_ += len;
    if (target_ != nullptr) return Forward(data, len);
    head_.append(static_cast<const char*>(data), len);
    if (head_.size() >= 4) Decide();
  }
  // After the digest check: a blob whose digest is wrong is reported as
  // that, not as the corrupt gzip it also is.
  void Finish() {
    if (target_ == nullptr) Decide();
    if (error_) std::rethrow_exception(error_);
    if (gunzip_) gunzip_->Finish();
  }
  uint64_t received() const { return received_; }
  Digest BlobDigest() { return hash_.Final(); }
  bool tar_in_file() const { return !zstd_; }
  Digest FileDigest() { return file_.Final(); }

 private:
  void Decide() {
    zstd_ = LooksZstd(head_.data(), head_.size());
    target_ = &file_;
    if (LooksGzipped(head_.data(), head_.size())) target_ = &gunzip_.emplace(file_, "blob " + blob_.digest.str());
    Forward(head_.data(), head_.size());
    head_.clear();
  }
  void Forward(const void* data, size_t len) {
    if (error_) return;
    try {
      target_->Write(data, len);
    } catch (const Error&) {
      error_ = std::current_exception();
    }
  }

  const Descriptor& blob_;
  HashingFdSink file_;
  std::optional<GunzipSink> gunzip_;
  ByteSink* target_ = nullptr;
  std::string head_;  // the first bytes, until the format is known
  bool zstd_ = false;
  std::exception_ptr error_;  // from decompressing or writing, kept for Finish
  Sha256 hash_;
  uint64_t received_ = 0;
};

class BoundedStringSink : public ByteSink {
 public:
  explicit BoundedStringSink(const Descriptor& blob) : blob_(blob) {}
  void Write(const void* data, size_t len) override {
    if (out.size() + len > blob_.size) {
      throw Error("the registry sent more than the " + std::to_string(blob_.size) + " bytes the manifest gives",
                  "blob " + blob_.digest.str());
    }
    out.append(static_cast<const char*>(data), len);
  }
  std::string out;

 private:
  const Descriptor& blob_;
};

// Reads the file from an offset of its own, leaving the fd's offset alone.
class PreadSource : public ByteSource {
 public:
  explicit PreadSource(int fd, std::string what) : fd_(fd), what_(std::move(what)) {}
  size_t Read(void* data, size_t len) override {
    for (;;) {
      ssize_t n = ::pread(fd_, data, len, offset_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw SysError("pread", what_, errno);
      offset_ += n;
      return static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
  std::string what_;
  off_t offset_ = 0;
};

// The file and, when it is compressed, the decompressor over it.
class TarOfBlob : public ByteSource {
 public:
  TarOfBlob(int fd, const std::string& what) : file_(fd, what) {
    unsigned char magic[4] = {};
    ssize_t n = ::pread(fd, magic, sizeof magic, 0);
    size_t len = n > 0 ? static_cast<size_t>(n) : 0;
    if (LooksZstd(magic, len) || LooksGzipped(magic, len)) decompressed_.emplace(file_, what);
  }
  size_t Read(void* data, size_t len) override {
    return decompressed_ ? decompressed_->Read(data, len) : file_.Read(data, len);
  }

 private:
  PreadSource file_;
  std::optional<DecompressingSource> decompressed_;
};

Fd TemporaryFile(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd.valid()) throw SysError("open(O_TMPFILE)", dir.string(), errno);
  return fd;
}

HttpResponse GetBlob(RegistrySession& session, HttpClient& http, const std::string& path, const Descriptor& blob,
                     ByteSink* sink) {
  HttpRequest get;
  get.url = "/v2/" + path + "/blobs/" + blob.digest.str();
  get.sink = sink;
  HttpResponse r = session.Send(http, get);
  if (r.status != 200) {
    throw Error("cannot fetch blob " + blob.digest.str() + ": " + RegistrySession::ErrorText(r), session.domain() + "/" + path);
  }
  return r;
}

void CheckReceived(uint64_t received, const Digest& actual, const Descriptor& blob) {
  if (received != blob.size) {
    throw Error("truncated blob: received " + std::to_string(received) + " of " + std::to_string(blob.size) + " bytes",
                "blob " + blob.digest.str());
  }
  if (actual != blob.digest) {
    throw Error("the blob's bytes hash to " + actual.str() + ", not to its digest", "blob " + blob.digest.str());
  }
}

}  // namespace

DownloadedBlob DownloadedBlob::Fetch(RegistrySession& session, HttpClient& http, const std::string& path,
                                     const Descriptor& blob, const std::filesystem::path& tmp_dir,
                                     ByteCounter* received) {
  Fd fd = TemporaryFile(tmp_dir);
  LayerFileSink sink(fd.get(), blob);
  if (received) {
    CountedSink counted(sink, *received);
    GetBlob(session, http, path, blob, &counted);
  } else {
    GetBlob(session, http, path, blob, &sink);
  }
  CheckReceived(sink.received(), sink.BlobDigest(), blob);
  sink.Finish();
  DownloadedBlob downloaded(blob, std::move(fd));
  if (sink.tar_in_file()) downloaded.tar_digest_ = sink.FileDigest();
  return downloaded;
}

void DownloadedBlob::CheckDiffId(const Digest& diff_id) const {
  Digest actual;
  if (tar_digest_) {
    actual = *tar_digest_;
  } else {
    TarOfBlob tar(fd_.get(), What());
    Sha256 hash;
    char buf[256 << 10];
    for (size_t n; (n = tar.Read(buf, sizeof buf)) > 0;) hash.Update(buf, n);
    actual = hash.Final();
  }
  if (actual != diff_id) {
    throw Error("the layer's uncompressed content hashes to " + actual.str() + ", but the image config's diff_id is " +
                    diff_id.str(),
                What());
  }
}

std::unique_ptr<ByteSource> DownloadedBlob::OpenTar() const {
  if (tar_digest_) return std::make_unique<PreadSource>(fd_.get(), What());
  return std::make_unique<TarOfBlob>(fd_.get(), What());
}

std::string FetchSmallBlob(RegistrySession& session, HttpClient& http, const std::string& path, const Descriptor& blob) {
  if (blob.size > kMaxManifestBytes) {
    throw Error("config blob of " + std::to_string(blob.size) + " bytes is larger than ubuild accepts", "blob " + blob.digest.str());
  }
  BoundedStringSink sink(blob);
  GetBlob(session, http, path, blob, &sink);
  CheckReceived(sink.out.size(), Sha256Of(sink.out), blob);
  return std::move(sink.out);
}

}  // namespace ubuild::store::registry
