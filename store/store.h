#pragma once
// The store as one object: the root, its lock, and the three record kinds.
// Open() creates the layout if needed and removes leftovers of interrupted
// commands (pending layers, staging files) while holding the lock.
#include <filesystem>
#include <optional>
#include <string>

#include "store/base/fd.h"
#include "store/image_store.h"
#include "store/layer_store.h"
#include "store/reference_store.h"

namespace ubuild::store {

class Store {
 public:
  enum class Mode { kRead, kWrite };
  // kWrite takes an exclusive flock on ROOT/lock for the Store's lifetime;
  // kRead takes a shared one. Throws ubuild::Error naming a missing right.
  static Store Open(const std::filesystem::path& root, Mode mode);
  ~Store();
  Store(Store&&) noexcept;
  Store& operator=(Store&&) = delete;

  const std::filesystem::path& root() const { return root_; }
  LayerStore& layers() { return layers_; }
  ImageStore& images() { return images_; }
  ReferenceStore& refs() { return refs_; }
  const LayerStore& layers() const { return layers_; }
  const ImageStore& images() const { return images_; }
  const ReferenceStore& refs() const { return refs_; }

  // Name, "name:tag", full id or unique id prefix -> image id; nullopt if none.
  std::optional<Digest> Resolve(const std::string& ref) const;

 private:
  Store(std::filesystem::path root, Fd lock_fd);
  std::filesystem::path root_;
  Fd lock_fd_;
  bool writer_ = false;  // holds the exclusive lock and the dirty marker
  LayerStore layers_;
  ImageStore images_;
  ReferenceStore refs_;
};

}  // namespace ubuild::store
