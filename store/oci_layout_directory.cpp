#include "store/oci_layout_directory.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "store/base/error.h"

namespace ubuild::store {

namespace {

// Configs, manifests and indexes are JSON of kilobytes; a larger one is no
// layout ubuild wrote or read.
constexpr uint64_t kMaxMetadataSize = 64 << 20;

// A source that owns its file.
class OwnedFdSource : public ByteSource {
 public:
  OwnedFdSource(Fd fd, std::string name) : fd_(std::move(fd)), source_(fd_.get(), std::move(name)) {}
  size_t Read(void* data, size_t len) override { return source_.Read(data, len); }

 private:
  Fd fd_;
  FdSource source_;
};

}  // namespace

OciLayoutDirectory::OciLayoutDirectory(const std::filesystem::path& dir)
    : dir_(dir), dir_fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
  if (!dir_fd_.valid()) throw SysError("open", dir.string(), errno);
}

Fd OciLayoutDirectory::OpenFile(const std::string& path) const {
  struct open_how how {};
  // O_NONBLOCK: opening a FIFO must not wait for a writer (regular files ignore it).
  how.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd;
  do {
    fd = ::syscall(SYS_openat2, dir_fd_.get(), path.c_str(), &how, sizeof how);
  } while (fd < 0 && (errno == EAGAIN || errno == EINTR));
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Fd();
    if (errno == EXDEV) throw Error("leads out of the layout directory", (dir_ / path).string());
    throw SysError("open", (dir_ / path).string(), errno);
  }
  Fd file(static_cast<int>(fd));
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) throw SysError("stat", (dir_ / path).string(), errno);
  if (!S_ISREG(st.st_mode)) throw Error("not a regular file", (dir_ / path).string());
  return file;
}

std::optional<uint64_t> OciLayoutDirectory::Size(const std::string& path) const {
  Fd file = OpenFile(path);
  if (!file.valid()) return std::nullopt;
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) throw SysError("stat", (dir_ / path).string(), errno);
  return static_cast<uint64_t>(st.st_size);
}

std::string OciLayoutDirectory::ReadString(const std::string& path) const {
  auto in = Open(path);
  std::string out;
  char buf[64 << 10];
  for (size_t n; (n = in->Read(buf, sizeof buf)) > 0;) {
    out.append(buf, n);
    if (out.size() > kMaxMetadataSize) throw Error("larger than 64 MiB: not image metadata", (dir_ / path).string());
  }
  return out;
}

std::unique_ptr<ByteSource> OciLayoutDirectory::Open(const std::string& path) const {
  Fd file = OpenFile(path);
  if (!file.valid()) throw Error("no such file", (dir_ / path).string());
  return std::make_unique<OwnedFdSource>(std::move(file), (dir_ / path).string());
}

}  // namespace ubuild::store
