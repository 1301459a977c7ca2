// imagedb (moby image/fs.go): content/sha256/<id> holds the config bytes,
// metadata/sha256/<id>/<key> small per-image facts such as the parent.
#include "store/image_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "store/atomic_file.h"
#include "store/chain_id.h"
#include "store/base/error.h"
#include "store/image_config.h"
#include "store/layout.h"

namespace ubuild::store {

namespace fs = std::filesystem;

namespace {

// The layers a config names, checked the way moby's image store does before
// accepting it: well-formed rootfs, no more non-empty history entries than
// layers, and every layer of the chain registered.
void CheckLayersExist(const fs::path& root, const std::string& config_bytes) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(config_bytes);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("image config is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw Error("image config is not a JSON object");
  std::vector<Digest> diff_ids = ParseDiffIds(j, "");
  if (auto history = j.find("history"); history != j.end() && history->is_array()) {
    size_t non_empty = 0;
    for (const auto& h : *history) {
      if (!(h.is_object() && h.value("empty_layer", false))) ++non_empty;
    }
    if (non_empty > diff_ids.size()) throw Error("image config: too many non-empty layers in History section");
  }
  for (const Digest& chain : ChainIds(diff_ids)) {
    if (!PathExists(layout::LayerDir(root, chain))) {
      throw Error("image config names layer " + chain.str() + " which is not in the store");
    }
  }
}

}  // namespace

ImageStore::ImageStore(fs::path root) : root_(std::move(root)) {}

Digest ImageStore::Put(const std::string& config_bytes, const std::optional<Digest>& parent) {
  Digest id = Sha256Of(config_bytes);
  CheckLayersExist(root_, config_bytes);
  if (parent) {
    if (!Exists(*parent)) throw Error("parent image " + parent->str() + " is not in the store");
    // Metadata first: once the content is visible the image is complete.
    SetMetadata(id, "parent", parent->str());
    const fs::path parent_file = layout::ImageMetadataFile(root_, id, "parent");
    FsyncPath(parent_file);
    FsyncDir(parent_file.parent_path());
  }
  fs::path content = layout::ImageContent(root_, id);
  // Its layers' renames were synced as each was registered (atomic_file.h).
  if (!PathExists(content)) WriteFileAtomic(content, config_bytes);
  return id;
}

std::string ImageStore::GetConfig(const Digest& id) const {
  fs::path path = layout::ImageContent(root_, id);
  auto bytes = ReadFileIfExists(path);
  if (!bytes) throw Error("No such image: " + id.str());
  Digest got = Sha256Of(*bytes);
  if (got != id) throw Error("image config is corrupt: its sha256 is " + got.str(), path.string());
  return *bytes;
}

bool ImageStore::Exists(const Digest& id) const { return PathExists(layout::ImageContent(root_, id)); }

std::optional<Digest> ImageStore::Parent(const Digest& id) const {
  auto text = GetMetadata(id, "parent");
  if (!text || text->empty()) return std::nullopt;
  return Digest::Parse(*text);
}

std::vector<Digest> ImageStore::Children(const Digest& id) const {
  std::vector<Digest> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout::ImageMetadataRoot(root_), ec)) {
    std::string name = entry.path().filename().string();
    if (!layout::IsCacheId(name)) continue;
    Digest child = Digest::FromHex(name);
    auto parent = ReadFileIfExists(layout::ImageMetadataFile(root_, child, "parent"));
    if (parent && *parent == id.str() && Exists(child)) out.push_back(child);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Digest> ImageStore::List() const {
  std::vector<Digest> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout::ImageContentDir(root_), ec)) {
    std::string name = entry.path().filename().string();
    if (layout::IsCacheId(name)) out.push_back(Digest::FromHex(name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

void ImageStore::SetIntermediates(const Digest& id, const std::vector<Digest>& ids) {
  std::string text;
  for (const Digest& d : ids) text += d.str() + "\n";
  SetMetadata(id, "intermediates", text);
}

std::vector<Digest> ImageStore::Intermediates(const Digest& id) const {
  std::vector<Digest> out;
  std::optional<std::string> text = GetMetadata(id, "intermediates");
  if (!text) return out;
  size_t begin = 0;
  for (size_t end; (end = text->find('\n', begin)) != std::string::npos; begin = end + 1) {
    std::string line = text->substr(begin, end - begin);
    if (!Digest::IsValid(line)) throw Error("bad intermediate image id", layout::ImageMetadataFile(root_, id, "intermediates").string());
    out.push_back(Digest::Parse(line));
  }
  return out;
}

void ImageStore::Remove(const std::vector<Digest>& ids) {
  // Content first: an image is gone for readers the moment it is unlinked.
  for (const Digest& id : ids) {
    fs::path content = layout::ImageContent(root_, id);
    if (::unlink(content.c_str()) != 0 && errno != ENOENT) throw SysError("unlink", content.string(), errno);
  }
  if (ids.empty()) return;
  FsyncDir(layout::ImageContentDir(root_));
  for (const Digest& id : ids) {
    std::error_code ec;
    fs::remove_all(layout::ImageMetadataDir(root_, id), ec);
    if (ec) throw Error("cannot remove image metadata: " + ec.message(), layout::ImageMetadataDir(root_, id).string());
  }
}

std::optional<Digest> ImageStore::ResolveId(const std::string& ref) const {
  std::string hex = ref.rfind("sha256:", 0) == 0 ? ref.substr(7) : ref;
  if (hex.empty() || hex.size() > 64) return std::nullopt;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  if (hex.size() == 64) {
    Digest id = Digest::FromHex(hex);
    return Exists(id) ? std::optional<Digest>(id) : std::nullopt;
  }
  std::optional<Digest> found;
  for (const Digest& id : List()) {
    if (id.hex().compare(0, hex.size(), hex) != 0) continue;
    if (found) throw Error("multiple IDs found with provided prefix: " + hex);
    found = id;
  }
  return found;
}

void ImageStore::SetMetadata(const Digest& id, const std::string& key, const std::string& value) {
  fs::path dir = layout::ImageMetadataDir(root_, id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create image metadata directory: " + ec.message(), dir.string());
  // Unsynced: "parent" and "intermediates" are written before the content
  // and reach the disk with its barrier; a later lastUpdated may be lost.
  ReplaceFile(layout::ImageMetadataFile(root_, id, key), value);
}

std::optional<std::string> ImageStore::GetMetadata(const Digest& id, const std::string& key) const {
  return ReadFileIfExists(layout::ImageMetadataFile(root_, id, key));
}

}  // namespace ubuild::store
