#pragma once
// The paths a RUN container mounts over (/proc, /dev, /etc/hosts, …) must
// exist in the rootfs, and whatever we create for them lands in the overlay
// upperdir, i.e. in the committed layer. Docker keeps them out of the layer
// with a separate "-init" layer, as a build does for RUN --mount targets
// (builder/rootfs/init_layer.h); for the rest we remember what we created
// (including directories overlay copied up to hold them) and take it back out
// after the run, unless the RUN itself touched it.
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "store/base/fd.h"

namespace ubuild::builder {

class MountPoints {
 public:
  // upper: the overlay upperdir behind `rootfs`, or empty when rootfs is a
  // plain directory (then it is its own diff).
  MountPoints(const std::filesystem::path& rootfs, const std::filesystem::path& upper);
  ~MountPoints();
  MountPoints(const MountPoints&) = delete;
  MountPoints& operator=(const MountPoints&) = delete;

  // Resolves `path` inside the rootfs (symlinks cannot leave it), creating it
  // (dir or empty file) and missing parents if needed, and returns the host
  // path to mount on. What was created is removed again by Cleanup().
  std::filesystem::path Ensure(const std::string& path, bool directory);

  // Same, for directories that belong in the layer (WORKDIR, VOLUME): kept.
  std::filesystem::path EnsureKeptDirectory(const std::string& path);

  // Call once everything is created, before the container runs.
  void Snapshot();

  // Removes our entries the container left untouched, deepest first. Best
  // effort, never throws; also run by the destructor.
  void Cleanup();

 private:
  struct Entry {
    std::string rel;      // relative to the rootfs, canonical
    bool directory = false;
    bool copied_up = false;  // existed below; overlay copied it up for us
    struct stat snap {};
    bool snapped = false;
  };
  std::string Walk(const std::string& path, bool directory, bool record);
  void NoteCopyUps(const std::vector<std::string>& parents);  // the rels resolved, root first
  std::filesystem::path DiffPath(const std::string& rel) const;
  // Cleanup's two phases over the entries, deepest first.
  std::set<std::string> Removable(const std::vector<const Entry*>& deepest_first) const;
  void Remove(const std::vector<const Entry*>& deepest_first, const std::set<std::string>& removable);

  std::filesystem::path rootfs_;
  std::filesystem::path upper_;
  bool fuse_ = false;  // upper_ is fuse-overlayfs's: its markers, its whiteouts
  Fd root_fd_;
  std::vector<Entry> entries_;
  bool cleaned_ = false;
};

}  // namespace ubuild::builder
