#pragma once
// An overlay mount (libmount) of a fresh upperdir on a chain of lower layers,
// with the options that keep the upperdir a faithful diff (design.md §4).
// RAII: the destructor unmounts (lazily if busy).
//
// Rootless (in a user namespace) the kernel's overlay is mounted with
// `userxattr`; where the kernel refuses it there, fuse-overlayfs mounts
// instead, as for rootless podman. UBUILD_OVERLAY=fuse-overlayfs asks for it.
//
// Mounted `volatile` where the kernel has it (5.10+): unmounting then does
// not sync the whole upper filesystem, and fsync inside a RUN is free. The
// layer's data still reaches the disk before it is registered, because
// LayerStore::Commit syncs the filesystem while it hashes the layer.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ubuild::builder {

class OverlayMount {
 public:
  // lower: nearest first; empty means FROM scratch (an empty dir is used).
  OverlayMount(const std::vector<std::filesystem::path>& lower, const std::filesystem::path& upper,
               const std::filesystem::path& work, const std::filesystem::path& merged);
  ~OverlayMount();
  OverlayMount(const OverlayMount&) = delete;
  OverlayMount& operator=(const OverlayMount&) = delete;

  const std::filesystem::path& merged() const { return merged_; }
  bool fuse() const { return fuse_; }  // fuse-overlayfs rather than the kernel's overlayfs
  void Unmount();  // throws ubuild::Error; idempotent
  // Unmount detaches (MNT_DETACH) rather than waits: a plain umount waits
  // out an RCU grace period (0.5-6 ms measured on a loaded host), which an
  // overlay whose upperdir is thrown away (a RUN's bind view) need not.
  // Kernel overlay only.
  void DetachOnUnmount() { detach_ = true; }

  // The upperdir of the live OverlayMount at `merged`, or empty. Lets
  // RunInContainer take the mount points it created back out of the layer.
  static std::filesystem::path UpperDirOf(const std::filesystem::path& merged);

  // Whether the live OverlayMount at `merged` is fuse-overlayfs: its upperdir
  // holds opaque markers in every directory it made until the unmount
  // normalizes them, and a removal through it leaves a whiteout.
  static bool IsFuseAt(const std::filesystem::path& merged);

  // Whether the next mount of this process goes to fuse-overlayfs (asked
  // for, or the kernel refused one before).
  static bool NextIsFuse();

  // Runs `fn` right after the overlay at `merged` is unmounted (changing the
  // upperdir under a live overlay leaves its cache stale), before
  // fuse-overlayfs's upperdir is normalized. No-op if none.
  static void AtUnmount(const std::filesystem::path& merged, std::function<void()> fn);

  // Which overlay a build here would mount: "overlay", "overlay (userxattr)"
  // in a user namespace, "fuse-overlayfs", or "none: <why>". Mounts a probe
  // in a child's own mount namespace under a scratch dir made in `dir`
  // (overlay-probe-<pid>-XXXXXX), after removing those of dead probers.
  static std::string ProbeKind(const std::filesystem::path& dir);

 private:
  std::filesystem::path merged_;
  std::filesystem::path work_;
  std::filesystem::path upper_;
  std::vector<std::filesystem::path> fuse_lower_;  // what NormalizeFuseUpper compares with
  std::filesystem::path scratch_lower_;  // created for an empty lower list
  bool mounted_ = false;
  bool fuse_ = false;
  bool detach_ = false;
};

}  // namespace ubuild::builder
