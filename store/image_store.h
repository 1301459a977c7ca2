#pragma once
// imagedb: config JSON bytes stored under their SHA-256, the image id.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/digest.h"

namespace ubuild::store {

class ImageStore {
 public:
  explicit ImageStore(std::filesystem::path root);

  // Stores the exact bytes; id = sha256(bytes). Idempotent. The caller must
  // have registered every layer named by rootfs.diff_ids first.
  Digest Put(const std::string& config_bytes, const std::optional<Digest>& parent = {});
  std::string GetConfig(const Digest& id) const;  // throws if missing or corrupt
  bool Exists(const Digest& id) const;
  std::optional<Digest> Parent(const Digest& id) const;
  std::vector<Digest> Children(const Digest& id) const;
  std::vector<Digest> List() const;
  // Unlinks each image's config, then one directory fsync for them all (so
  // their layers may go after it), then their metadata, which a kill may
  // leave for recovery (metadata without content is debris). Give children
  // before their parents: should a power loss keep a parent's unlink but
  // not its child's, recovery removes the child (recovery.h).
  void Remove(const std::vector<Digest>& ids);
  void Remove(const Digest& id) { Remove(std::vector<Digest>{id}); }
  // Resolves a full id ("sha256:<hex>" or "<hex>") or a unique hex prefix.
  std::optional<Digest> ResolveId(const std::string& ref) const;
  // Ids of the build steps between an image and its parent that have no
  // record of their own (config-only steps, design.md §9), oldest first:
  // history shows them in its IMAGE column. Set before Put.
  void SetIntermediates(const Digest& id, const std::vector<Digest>& ids);
  std::vector<Digest> Intermediates(const Digest& id) const;
  // Free-form per-image metadata under imagedb/metadata/sha256/<id>/<key>.
  void SetMetadata(const Digest& id, const std::string& key, const std::string& value);
  std::optional<std::string> GetMetadata(const Digest& id, const std::string& key) const;

 private:
  std::filesystem::path root_;
};

}  // namespace ubuild::store
