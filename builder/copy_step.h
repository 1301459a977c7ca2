#pragma once
// COPY / ADD into a mounted overlay rootfs (issue 4 "COPY / ADD").
// Sources come from the build context (after .dockerignore) or from another
// rootfs (--from). Destinations are resolved inside the image root with
// openat2(RESOLVE_IN_ROOT), so an image symlink can never redirect a write to
// the host. Also computes Docker's history source hash (file:/dir:/multi:).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "builder/dockerignore.h"

namespace ubuild::builder {

struct CopySpec {
  bool is_add = false;
  std::vector<std::string> sources;  // expanded; relative to source_root; may hold globs
  std::string dest;                  // expanded; relative dests are relative to workdir
  std::string workdir = "/";
  std::string chown;                 // "" = 0:0 (context) / keep (--from)
  std::string chmod;                 // "" = keep; octal like "755"
  // Where sources come from: the context dir (with ignore rules applied), or
  // another stage's/image's rootfs (from_image = true: no .dockerignore, keep owners).
  std::filesystem::path source_root;
  bool from_image = false;
  const DockerIgnore* ignore = nullptr;
  // Heredoc sources (COPY <<EOF /dest): name -> content.
  std::vector<std::pair<std::string, std::string>> heredocs;
};

// Hash of the sources without copying: "file:<hex>", "dir:<hex>" or
// "multi:<hex>" (design.md §6). Throws ubuild::Error for a missing source or
// one escaping the context. `digest_cache_dir` (nullable) caches per-file
// content digests keyed by (path, inode, size, mtime, ctime).
std::string SourceHash(const CopySpec& spec, const std::filesystem::path* digest_cache_dir);

// Copies into `rootfs` (the merged overlay dir). `upper`: that mount's
// upperdir, where directories this copy creates are filled directly; empty
// to write everything through the mount. Throws ubuild::Error.
void ExecuteCopy(const CopySpec& spec, const std::filesystem::path& rootfs, const std::filesystem::path& upper = {});

}  // namespace ubuild::builder
