#include "store/build_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/layout.h"

namespace ubuild::store {

BuildCache::BuildCache(std::filesystem::path root, const ImageStore& images)
    : root_(std::move(root)), images_(images) {}

std::optional<Digest> BuildCache::Lookup(const Digest& key) const {
  std::optional<std::string> text = ReadFileIfExists(layout::BuildCacheEntry(root_, key));
  if (!text || !Digest::IsValid(*text)) return std::nullopt;  // a torn or foreign file is just a miss
  Digest id = Digest::Parse(*text);
  if (!images_.Exists(id)) return std::nullopt;
  return id;
}

void BuildCache::Record(const Digest& key, const Digest& image_id) {
  const std::filesystem::path dir = layout::BuildCacheDir(root_);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw SysError("mkdir", dir.string(), ec.value());
  // No fsync (atomic_file.h): an entry lost to a power loss, or torn, is a
  // miss, and one naming an image that did not survive is one too.
  ReplaceFile(layout::BuildCacheEntry(root_, key), image_id.str());
}

size_t BuildCache::RemoveDangling() {
  size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(layout::BuildCacheDir(root_), ec)) {
    // Only entries are named by a key digest; the context digest dir and
    // temp files are not.
    if (!layout::IsCacheId(entry.path().filename().string())) continue;
    std::optional<std::string> text = ReadFileIfExists(entry.path());
    if (text && Digest::IsValid(*text) && images_.Exists(Digest::Parse(*text))) continue;
    if (::unlink(entry.path().c_str()) != 0 && errno != ENOENT) throw SysError("unlink", entry.path().string(), errno);
    ++removed;
  }
  if (removed > 0) FsyncDir(layout::BuildCacheDir(root_));
  return removed;
}

uint64_t BuildCache::RemoveAll() {
  uint64_t freed = 0;
  std::error_code ec;
  const std::filesystem::path dir = layout::BuildCacheDir(root_);
  const std::filesystem::path mounts = layout::RunCacheMountDir(root_);
  for (const auto& top : std::filesystem::directory_iterator(dir, ec)) {
    // What is left of the RUN cache mounts is in use (cache_mount_use.h).
    std::error_code mec;
    if (top.path() == mounts && !std::filesystem::is_empty(mounts, mec)) continue;
    std::error_code rec;
    if (top.is_regular_file(rec)) {
      freed += top.file_size(rec);
    } else {
      for (auto it = std::filesystem::recursive_directory_iterator(top.path(), rec);
           !rec && it != std::filesystem::end(it); it.increment(rec)) {
        if (it->is_regular_file(rec)) freed += it->file_size(rec);
      }
    }
    rec.clear();
    std::filesystem::remove_all(top.path(), rec);
    if (rec) throw Error("cannot remove the build cache: " + rec.message(), top.path().string());
  }
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY) {
    throw SysError("rmdir", dir.string(), errno);
  }
  unstored_.reset();
  return freed;
}

std::optional<UnstoredStep> BuildCache::LookupUnstored(const Digest& key) {
  if (!unstored_) {
    unstored_.emplace();
    std::optional<std::string> text = ReadFileIfExists(layout::ConfigStepLog(root_));
    size_t begin = 0;
    // A line torn by a crash fails the checks and is skipped: a miss.
    for (size_t end; text && (end = text->find('\n', begin)) != std::string::npos; begin = end + 1) {
      std::string_view line = std::string_view(*text).substr(begin, end - begin);
      size_t sp1 = line.find(' ');
      size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
      if (sp2 == std::string_view::npos) continue;
      std::string hex(line.substr(0, sp1)), id(line.substr(sp1 + 1, sp2 - sp1 - 1));
      if (!Digest::IsValid("sha256:" + hex) || !Digest::IsValid(id)) continue;
      (*unstored_)[hex] = UnstoredStep{Digest::Parse(id), std::string(line.substr(sp2 + 1))};
    }
  }
  auto it = unstored_->find(key.hex());
  if (it == unstored_->end()) return std::nullopt;
  return it->second;
}

void BuildCache::RecordUnstored(const Digest& key, const UnstoredStep& step) {
  const std::filesystem::path dir = layout::BuildCacheDir(root_);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw SysError("mkdir", dir.string(), ec.value());
  const std::filesystem::path log = layout::ConfigStepLog(root_);
  // One write of a whole line with O_APPEND: builds side by side never
  // interleave within a line. Not synced: a lost line is only a miss.
  std::string line = key.hex() + " " + step.image_id.str() + " " + step.created + "\n";
  Fd fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!fd.valid()) throw SysError("open", log.string(), errno);
  ssize_t n = ::write(fd.get(), line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) throw SysError("write", log.string(), n < 0 ? errno : EIO);
  fd.Close(log.string());
  if (unstored_) (*unstored_)[key.hex()] = step;
}

}  // namespace ubuild::store
