#include "store/build_cache.h"

#include <system_error>

#include "store/atomic_file.h"

namespace ubuild::store {

BuildCache::BuildCache(std::filesystem::path root, const ImageStore& images)
    : dir_(std::move(root) / "image" / "overlay2" / "buildcache"), images_(images) {}

std::optional<Digest> BuildCache::Lookup(const Digest& key) const {
  std::error_code ec;
  std::filesystem::path p = dir_ / key.hex();
  if (!std::filesystem::exists(p, ec)) return std::nullopt;
  std::string text = ReadFile(p);
  if (!Digest::IsValid(text)) return std::nullopt;  // a torn or foreign file is just a miss
  Digest id = Digest::Parse(text);
  if (!images_.Exists(id)) return std::nullopt;
  return id;
}

void BuildCache::Record(const Digest& key, const Digest& image_id) {
  std::filesystem::create_directories(dir_);
  WriteFileAtomic(dir_ / key.hex(), image_id.str());
}

}  // namespace ubuild::store
