#include "store/build_cache.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "store/atomic_file.h"
#include "store/base/error.h"
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
  WriteFileAtomic(layout::BuildCacheEntry(root_, key), image_id.str());
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

}  // namespace ubuild::store
