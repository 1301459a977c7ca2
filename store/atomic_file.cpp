#include "store/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/layout.h"
#include "store/random_name.h"

namespace ubuild::store {

namespace {

void WriteAll(int fd, std::string_view bytes, const std::filesystem::path& path) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SysError("write", path.string(), errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

enum class Sync { kNone, kFile };

void WriteFile(const std::filesystem::path& path, std::string_view bytes, Sync sync) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) throw SysError("open", path.string(), errno);
  WriteAll(fd.get(), bytes, path);
  if (sync == Sync::kFile && ::fsync(fd.get()) != 0) throw SysError("fsync", path.string(), errno);
  fd.Close(path.string());
}

void Replace(const std::filesystem::path& path, std::string_view bytes, Sync sync) {
  std::filesystem::path tmp =
      path.parent_path() / (std::string(layout::kTempPrefix) + path.filename().string() + "-" + RandomHex(6));
  try {
    WriteFile(tmp, bytes, sync);
    if (::rename(tmp.c_str(), path.c_str()) != 0) throw SysError("rename", tmp.string(), errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  if (sync != Sync::kNone) FsyncDir(path.parent_path());
}

}  // namespace

void WriteFileDurable(const std::filesystem::path& path, std::string_view bytes) { WriteFile(path, bytes, Sync::kFile); }

void WriteFileInPlace(const std::filesystem::path& path, std::string_view bytes) { WriteFile(path, bytes, Sync::kNone); }

void WriteFileAtomic(const std::filesystem::path& path, std::string_view bytes) { Replace(path, bytes, Sync::kFile); }

void ReplaceFile(const std::filesystem::path& path, std::string_view bytes) { Replace(path, bytes, Sync::kNone); }


namespace {

// Reads all of an open file.
std::string ReadAll(const Fd& fd, const std::filesystem::path& path) {
  std::string out;
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SysError("read", path.string(), errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

std::string ReadFile(const std::filesystem::path& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw SysError("open", path.string(), errno);
  return ReadAll(fd, path);
}

std::optional<std::string> ReadFileIfExists(const std::filesystem::path& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw SysError("open", path.string(), errno);
  }
  return ReadAll(fd, path);
}

void FsyncPath(const std::filesystem::path& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw SysError("open", path.string(), errno);
  if (::fsync(fd.get()) != 0) throw SysError("fsync", path.string(), errno);
}

void FsyncDir(const std::filesystem::path& dir) {
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw SysError("open", dir.string(), errno);
  if (::fsync(fd.get()) != 0) throw SysError("fsync", dir.string(), errno);
}

bool PathExists(const std::filesystem::path& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace ubuild::store
