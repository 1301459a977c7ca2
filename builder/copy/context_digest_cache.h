#pragma once
// On-disk memo of per-file tarsum digests of a build context, keyed by
// (path, inode, size, mtime ns, ctime ns), so that hashing an unchanged
// context reads no file contents (issue 4 "Build cache"). Any change to a
// file's content, mode, owner or xattrs moves its ctime, so a stale entry
// can never be used; a touched file misses, is reread, and (same content)
// hashes the same.
//
// One file per context directory: DIR/<sha256 of the context's absolute
// path>, text lines "ino size mtime_ns ctime_ns hex rel\n", replaced
// atomically (temp + rename) when something new was learned.
#include <sys/stat.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ubuild::builder {

class ContextDigestCache {
 public:
  // Loads the cache for `context_dir` from `cache_dir` (missing or corrupt:
  // starts empty).
  ContextDigestCache(const std::filesystem::path& cache_dir, const std::filesystem::path& context_dir);

  // The cached digest for `rel` if `st` still matches the key.
  bool Lookup(const std::string& rel, const struct stat& st, std::string* hex) const;
  // Records a digest computed from a file whose stat (before and after the
  // read) was `st`. Entries too recent to be trusted (ctime within the
  // filesystem's timestamp granularity of now) are not recorded.
  void Store(const std::string& rel, const struct stat& st, const std::string& hex);
  // Writes the cache back if Store added anything. Errors are ignored: the
  // cache only saves time.
  void Save();

 private:
  struct Entry {
    unsigned long long ino = 0, size = 0;
    long long mtime_ns = 0, ctime_ns = 0;
    std::string hex;
  };
  std::filesystem::path file_;
  std::unordered_map<std::string, Entry> entries_;
  bool dirty_ = false;
  long long trust_before_ns_ = 0;
  mutable std::mutex mu_;
};

}  // namespace ubuild::builder
