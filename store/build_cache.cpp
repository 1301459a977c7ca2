#include "store/build_cache.h"

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

}  // namespace ubuild::store
