#pragma once
// A tmpfs of the build's own for what a RUN keeps off the disk: each
// secret's file, the mount points of a bind's overlay view, each RUN's init
// layer of mount points and targets (run_init_layer.h) and the files its
// /etc/hosts, resolv.conf and hostname show. Mounted on
// first use in a dir of the session's scratch (in the builder's private
// mount namespace, so the host never sees it) and taken down with the build.
// One mount a build instead of one a RUN, and a step's dirs on it are made
// and removed without touching the store's filesystem, whose inode
// allocator slows down with every dir a RUN made and removed there.
#include <filesystem>

namespace ubuild::builder {

class BuildTmpfs {
 public:
  BuildTmpfs() = default;
  ~BuildTmpfs();
  BuildTmpfs(const BuildTmpfs&) = delete;
  BuildTmpfs& operator=(const BuildTmpfs&) = delete;

  // A fresh dir (0700) on the tmpfs for one step, the tmpfs mounted first in
  // `session_dir` if it is not yet; the caller removes the dir.
  std::filesystem::path MakeStepDir(const std::filesystem::path& session_dir);

 private:
  std::filesystem::path dir_;  // the mount point; empty until mounted
};

}  // namespace ubuild::builder
