#pragma once
// COPY/ADD source arguments -> the list of things to copy, as Docker's
// classic builder expands them (copier.calcCopyInfo): a leading "/" or "./"
// dropped, Go globs matched against every path of the tree, a symlink named
// as a source followed (inside the tree), heredocs as extra files.
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "builder/copy/copy_spec.h"

namespace ubuild::builder {

struct CopySource {
  std::string orig;  // the path as named or matched; its base name names a file copied into a dir
  std::string rel;   // canonical, symlink-free path in the source tree ("" = its root)
  struct stat st {};  // of `rel`
  bool heredoc = false;
  std::string content;  // heredoc body
  // A fetched remote source: `rel` is then relative to this directory, not
  // to the source tree.
  std::filesystem::path remote_dir;
  std::string remote_sum;  // CopySpec::Remote::sum
  // COPY --parents: the path this source keeps under dest ("" = none).
  std::string parents_path;
};

// Throws ubuild::Error with Docker's messages ("COPY failed: file not found in
// build context or excluded by .dockerignore: stat x: file does not exist",
// "... forbidden path outside the build context: ../x", "no source files were
// specified", the "more than one source file" rule, URLs). `root_fd`: the
// source tree opened O_RDONLY|O_DIRECTORY.
std::vector<CopySource> ResolveCopySources(const CopySpec& spec, int root_fd);

// The normalised destination: absolute, relative ones joined to the workdir,
// a trailing '/' kept.
std::string NormalizeCopyDest(const CopySpec& spec);

}  // namespace ubuild::builder
