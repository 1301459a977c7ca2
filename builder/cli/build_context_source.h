#pragma once
// What a build's CONTEXT operand names, and the directory the build reads it
// from. Besides a directory, docker build takes:
//   -            standard input: a tar archive (plain or compressed), else a
//                Dockerfile and no other file, sniffed as docker's CLI does
//   FILE         a tar archive (ubuild's addition: docker wants `- < FILE`)
//   a git URL    by docker's rule (urlutil.IsGitURL): http(s) URLs whose path
//                ends in "git" (optionally followed by #FRAGMENT), and git://,
//                git@ and github.com/ prefixes; #REF:DIR picks a ref and a
//                subdirectory. Fetched with the git binary.
// A non-directory context is unpacked or checked out into a private
// directory in the store session's scratch (store/session_scratch.h),
// removed when the build ends, however it ends: a builder killed outright
// leaves it in its dead session, which the next command's sweep removes.
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "builder/copy/tar_entry_sums.h"

namespace ubuild::cli {

enum class ContextKind { kDirectory, kStdin, kArchiveFile, kGitUrl };

// Which kind `operand` is; a path that is neither a directory nor a regular
// file, nor a git URL, is an Error.
ContextKind ClassifyContext(const std::string& operand);

// docker's urlutil.IsGitURL.
bool IsGitUrl(const std::string& operand);

// A git URL split as docker's gitutils does: the remote (https:// added to a
// github.com/ prefix), the ref (empty: the remote's HEAD) and the
// subdirectory of the fragment "#REF:DIR".
struct GitUrl {
  std::string remote;
  std::string ref;
  std::string subdir;
};
GitUrl ParseGitUrl(const std::string& operand);

// True when the first bytes of a stream are a tar archive or compressed
// (gzip, bzip2, xz, zstd), as docker's build.IsArchive judges stdin.
bool LooksLikeArchive(const std::string& head);

class PreparedContext {
 public:
  // Makes the context's directory, inside `scratch` unless it is a local
  // directory. `stdin_taken`: -f - reads standard input, so the context may
  // not. Throws ubuild::Error, leaving nothing.
  static PreparedContext Prepare(const std::string& operand, bool stdin_taken, const std::filesystem::path& scratch);
  PreparedContext(PreparedContext&& o) noexcept
      : kind_(o.kind_),
        dir_(std::move(o.dir_)),
        temp_(std::exchange(o.temp_, {})),
        dockerfile_only_(o.dockerfile_only_),
        tar_sums_(std::move(o.tar_sums_)) {}
  PreparedContext& operator=(PreparedContext&&) = delete;
  ~PreparedContext();

  const std::filesystem::path& dir() const { return dir_; }
  ContextKind kind() const { return kind_; }
  // Standard input was a Dockerfile: the context holds only it, as Dockerfile.
  bool dockerfile_only() const { return dockerfile_only_; }
  // -f FILE for a context that is not a local directory: relative to the
  // context's root and never outside it, as docker reads it from the tar.
  std::filesystem::path DockerfileIn(const std::string& name) const;
  // A tar context's per-entry sums, as Docker's daemon takes them; null otherwise.
  const builder::TarEntrySums* tar_sums() const { return tar_sums_ ? &*tar_sums_ : nullptr; }

 private:
  PreparedContext() = default;
  ContextKind kind_ = ContextKind::kDirectory;
  std::filesystem::path dir_;
  std::filesystem::path temp_;  // empty for a directory context
  bool dockerfile_only_ = false;
  std::optional<builder::TarEntrySums> tar_sums_;
};

}  // namespace ubuild::cli
