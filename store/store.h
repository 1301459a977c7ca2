#pragma once
// The store as one object: the root, its lock, and the three record kinds.
// Open() creates the layout if needed and removes leftovers of interrupted
// commands (pending layers, staging files) while holding the lock.
//
// ROOT/lock, as flock'd:
//   shared     reading, and adding records (layers, images, build-cache
//              entries) by atomic renames that leave every record whole;
//              adders never remove or rewrite a record in place
//   exclusive  removing or rewriting: rmi, prune, tag, load, import, the
//              leftover sweep
// Builds open with kConcurrent: they hold no lock while a step runs and
// take the shared one only around their additions (Adding()) and, with
// ROOT/lock.refs, around their tags (Tagging()). So builds run side by side
// and readers never wait for one; what a build depends on is pinned in its
// session (store_session.h) so rmi and prune leave it alone.
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "store/base/fd.h"
#include "store/image_store.h"
#include "store/layer_store.h"
#include "store/reference_store.h"
#include "store/store_session.h"

namespace ubuild::store {

class Store {
 public:
  enum class Mode { kRead, kWrite, kConcurrent };
  // kWrite takes an exclusive flock on ROOT/lock for the Store's lifetime;
  // kRead takes a shared one; kConcurrent none between its Adding() and
  // Tagging() scopes. Throws ubuild::Error naming a missing right.
  static Store Open(const std::filesystem::path& root, Mode mode);

  // A scope holding ROOT/lock (and for tags ROOT/lock.refs); a no-op for
  // kWrite and kRead stores, which hold ROOT/lock already.
  class Scope {
   public:
    Scope(Scope&& o) noexcept : store_(std::exchange(o.store_, nullptr)), refs_(o.refs_) {}
    Scope& operator=(Scope&&) = delete;
    ~Scope();

   private:
    friend class Store;
    Scope(Store* store, bool refs) : store_(store), refs_(refs) {}
    Store* store_;  // nullptr: nothing to release
    bool refs_;
  };
  // Shared ROOT/lock: to add records (and make pending layer dirs), and to
  // read and pin what the build will use so that no rmi or prune removes it
  // in between.
  [[nodiscard]] Scope Adding();
  // Shared ROOT/lock plus ROOT/lock.refs: read-modify-write of repositories.json.
  [[nodiscard]] Scope Tagging();

  // Keeps `digest` (an image id or a layer chain_id) from rmi and prune for
  // this process's lifetime. REQUIRES: inside Adding() (or a kWrite store).
  void Pin(const Digest& digest) { session_.Pin(digest); }
  // What other live processes pinned. REQUIRES: ROOT/lock held.
  std::set<Digest> PinnedByOthers() const;
  ~Store();
  Store(Store&&) noexcept;
  Store& operator=(Store&&) = delete;

  const std::filesystem::path& root() const { return root_; }
  // This process's session dir, where its temporary files go
  // (session_scratch.h); empty for a kRead store, which has no session.
  const std::filesystem::path& scratch() const { return session_.dir(); }
  Mode mode() const { return mode_; }
  LayerStore& layers() { return layers_; }
  ImageStore& images() { return images_; }
  ReferenceStore& refs() { return refs_; }
  const LayerStore& layers() const { return layers_; }
  const ImageStore& images() const { return images_; }
  const ReferenceStore& refs() const { return refs_; }

  // Name, "name:tag", full id or unique id prefix -> image id; nullopt if none.
  std::optional<Digest> Resolve(const std::string& ref) const;

 private:
  Store(std::filesystem::path root, Fd lock_fd, Mode mode, StoreSession session);
  std::filesystem::path root_;
  Fd lock_fd_;
  Mode mode_ = Mode::kRead;
  StoreSession session_;  // writers only
  Fd refs_lock_fd_;       // opened by the first Tagging()
  int lock_depth_ = 0;    // kConcurrent: nested Adding()/Tagging() scopes
  int refs_depth_ = 0;
  LayerStore layers_;
  ImageStore images_;
  ReferenceStore refs_;
};

}  // namespace ubuild::store
