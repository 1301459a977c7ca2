#pragma once
// The COPY/ADD source hash of Docker's classic builder (design.md §6), as
// its two kinds of source compute it (checked against Debian's docker.io
// 20.10, client and daemon):
//
// - the build context (remotecontext.archiveContext): the tarsum v1 sum of
//   each entry of the tar the client sent: uid/gid 0, mode = permission,
//   setuid/setgid/sticky and file-type bits (a CLI >= 23 would send no type
//   bits), no uname/gname, a second link to an inode is a hardlink entry
//   without content;
// - another stage or image (--from, remotecontext.lazySource): the same
//   header built from the file itself: real uid/gid, mode with the file type
//   bits, uname/gname as the host's user database names them, no hardlink
//   entries.
//
// SourceHash(CopySpec) is the entry point; TreeSums does the per-tree work.
//
// A symlink met inside a directory contributes the sum of what it resolves
// to (inside the tree); if that does not exist, a path string instead (the
// link's own path for the context, the resolved path for an image).
// `dir:` = SHA-256 of the sorted per-path sums (the dir itself included,
// unless it is the tree root) joined with ","; `file:` = the file's sum.
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "builder/copy/copy_spec.h"
#include "builder/copy/dockerignore.h"
#include "builder/copy/tar_entry_sums.h"

namespace ubuild::store {
class Sha256;
}

namespace ubuild::builder {

class ContextDigestCache;
class ParallelJobs;

// Hash of a COPY/ADD's sources without copying: "file:<hex>", "dir:<hex>" or
// "multi:<hex>" (design.md §6). Throws ubuild::Error for a missing source or
// one escaping the context. `digest_cache_dir` (nullable) caches per-file
// content digests keyed by (path, inode, size, mtime, ctime).
std::string SourceHash(const CopySpec& spec, const std::filesystem::path* digest_cache_dir);

// The fields pkg/tarsum v1 hashes for one tar entry, in its order; each is
// written as key then value with no separator, xattrs last sorted by name.
struct TarsumHeader {
  std::string name;  // tar name: relative, directories end in '/'
  long long mode = 0;
  long long uid = 0, gid = 0, size = 0;
  char typeflag = '0';
  std::string linkname;
  std::string uname, gname;
  long long devmajor = 0, devminor = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};
void HashTarsumHeader(const TarsumHeader& h, store::Sha256* sha);

enum class SourceTree { kContext, kImage };

// Sums over one tree (context dir or image rootfs) opened as `root_fd`.
class TreeSums {
 public:
  // ignore: context only (may be null); cache: context only (may be null).
  // tar_sums: a context sent as a tar, whose entries' sums replace the
  // headers rebuilt from the files (tar_entry_sums.h).
  TreeSums(int root_fd, SourceTree kind, const DockerIgnore* ignore, ContextDigestCache* cache,
           const TarEntrySums* tar_sums = nullptr);

  // "file:<hex>" or "dir:<hex>" for an existing, canonical (symlink-free)
  // path `rel` whose lstat is `st`.
  std::string SourceHash(const std::string& rel, const struct stat& st);

 private:
  std::string EntrySum(const std::string& rel, const struct stat& st, const std::string* hardlink_to);
  TarsumHeader Header(const std::string& rel, const struct stat& st, const std::string* hardlink_to) const;
  // Reads the regular file `rel` (lstat `st`) whose header is `h`; stores
  // the sum in the digest cache if the file did not change meanwhile.
  std::string ContentSum(const std::string& rel, const struct stat& st, TarsumHeader& h);
  std::string SymlinkSum(const std::string& rel);
  // Queues the sums of plain files (path, lstat) on jobs_.
  void SubmitSums(std::vector<std::pair<std::string, struct stat>> batch);
  void WalkDir(const std::string& rel, int dir_fd, const DockerIgnore::WalkState& state,
               std::vector<std::string>* sums, std::vector<std::string>* links);

  int root_fd_;
  SourceTree kind_;
  const DockerIgnore* ignore_;
  ContextDigestCache* cache_;
  const TarEntrySums* tar_sums_;
  std::unordered_map<std::string, std::string> by_path_;         // rel -> sum, for symlink targets
  std::unordered_map<std::string, std::string> first_link_;      // "dev:ino" -> first rel (context)
  // While a directory is walked: the jobs reading its plain files' contents,
  // and the sums they found (their order does not matter: sums are sorted).
  ParallelJobs* jobs_ = nullptr;
  std::mutex job_sums_mu_;
  std::vector<std::string> job_sums_;
};

// Number of regular files whose content the hashing code has read since the
// process started (lets tests prove that a warm digest cache reads nothing).
uint64_t SourceHashContentReads();

}  // namespace ubuild::builder
