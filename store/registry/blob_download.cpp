#include "store/registry/blob_download.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "store/base/error.h"
#include "store/decompressing_source.h"

namespace ubuild::store::registry {

namespace {

// Writes to the file while hashing, refusing bytes beyond the expected size.
class VerifyingFileSink : public ByteSink {
 public:
  VerifyingFileSink(int fd, const Descriptor& blob) : fd_(fd), blob_(blob) {}
  void Write(const void* data, size_t len) override {
    if (received_ + len > blob_.size) {
      throw Error("the registry sent more than the " + std::to_string(blob_.size) + " bytes the manifest gives",
                  "blob " + blob_.digest.str());
    }
    hash_.Update(data, len);
    received_ += len;
    FdSink(fd_, "blob " + blob_.digest.str()).Write(data, len);
  }
  uint64_t received() const { return received_; }
  Digest Final() { return hash_.Final(); }

 private:
  int fd_;
  const Descriptor& blob_;
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
    bool zstd = n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd;
    if (zstd || (n >= 2 && LooksGzipped(magic, static_cast<size_t>(n)))) decompressed_.emplace(file_, what);
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
                                     const Descriptor& blob, const std::filesystem::path& tmp_dir) {
  Fd fd = TemporaryFile(tmp_dir);
  VerifyingFileSink sink(fd.get(), blob);
  GetBlob(session, http, path, blob, &sink);
  CheckReceived(sink.received(), sink.Final(), blob);
  return DownloadedBlob(blob, std::move(fd));
}

void DownloadedBlob::CheckDiffId(const Digest& diff_id) const {
  TarOfBlob tar(fd_.get(), What());
  Sha256 hash;
  char buf[256 << 10];
  for (size_t n; (n = tar.Read(buf, sizeof buf)) > 0;) hash.Update(buf, n);
  Digest actual = hash.Final();
  if (actual != diff_id) {
    throw Error("the layer's uncompressed content hashes to " + actual.str() + ", but the image config's diff_id is " +
                    diff_id.str(),
                What());
  }
}

std::unique_ptr<ByteSource> DownloadedBlob::OpenTar() const { return std::make_unique<TarOfBlob>(fd_.get(), What()); }

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
