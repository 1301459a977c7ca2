#include "builder/copy/source_hash.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <map>
#include <memory>
#include <cstring>
#include <mutex>

#include "builder/copy/context_digest_cache.h"
#include "builder/copy/copy_excludes.h"
#include "builder/copy/copy_sources.h"
#include "builder/copy/parallel_jobs.h"
#include "builder/rootfs/rooted_path.h"
#include "store/digest.h"
#include "store/base/directory_names.h"
#include "store/base/error.h"

namespace ubuild::builder {

namespace {

std::atomic<uint64_t> g_content_reads{0};

// Threads besides the walker that read files for their sums (fewer on fewer
// cores), and files per job: a job per file cost a futex wake, more than the read.
constexpr unsigned kHashWorkers = 3;
constexpr size_t kHashBatch = 32;

constexpr long long kTypeBitsReg = 0100000, kTypeBitsDir = 040000, kTypeBitsLnk = 0120000,
                    kTypeBitsChr = 020000, kTypeBitsBlk = 060000, kTypeBitsFifo = 010000;

// Go's tar.FileInfoHeader names owners through the daemon host's user
// database; an id with no entry gets an empty name.
std::string HostUserName(unsigned uid) {
  static std::mutex mu;
  static std::map<unsigned, std::string> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(uid); it != cache.end()) return it->second;
  struct passwd pw {};
  struct passwd* res = nullptr;
  std::vector<char> buf(16384);
  std::string name;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &res) == 0 && res) name = res->pw_name;
  cache[uid] = name;
  return name;
}

std::string HostGroupName(unsigned gid) {
  static std::mutex mu;
  static std::map<unsigned, std::string> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(gid); it != cache.end()) return it->second;
  struct group gr {};
  struct group* res = nullptr;
  std::vector<char> buf(16384);
  std::string name;
  if (getgrgid_r(gid, &gr, buf.data(), buf.size(), &res) == 0 && res) name = res->gr_name;
  cache[gid] = name;
  return name;
}

char TypeFlag(mode_t m) {
  if (S_ISREG(m)) return '0';
  if (S_ISDIR(m)) return '5';
  if (S_ISLNK(m)) return '2';
  if (S_ISCHR(m)) return '3';
  if (S_ISBLK(m)) return '4';
  if (S_ISFIFO(m)) return '6';
  return 0;  // sockets: not representable in a tar, skipped like Docker's archiver does
}

long long TypeBits(mode_t m) {
  if (S_ISREG(m)) return kTypeBitsReg;
  if (S_ISDIR(m)) return kTypeBitsDir;
  if (S_ISLNK(m)) return kTypeBitsLnk;
  if (S_ISCHR(m)) return kTypeBitsChr;
  if (S_ISBLK(m)) return kTypeBitsBlk;
  if (S_ISFIFO(m)) return kTypeBitsFifo;
  return 0;
}

std::string ReadLinkAt(int root_fd, const std::string& rel, const struct stat& st) {
  std::string target(static_cast<size_t>(st.st_size) + 256, '\0');
  ssize_t n = readlinkat(root_fd, rel.c_str(), target.data(), target.size());
  if (n < 0) throw SysError("readlink", rel, errno);
  target.resize(static_cast<size_t>(n));
  return target;
}

// Only security.capability travels in Docker's tars (archive.ReadSecurityXattrToTarHeader).
void AddCapability(int fd, TarsumHeader* h) {
  char buf[1024];
  ssize_t n = fgetxattr(fd, "security.capability", buf, sizeof(buf));
  if (n > 0) h->xattrs.emplace_back("security.capability", std::string(buf, static_cast<size_t>(n)));
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

std::string HashStrings(std::vector<std::string> sums) {
  std::sort(sums.begin(), sums.end());
  store::Sha256 sha;
  for (size_t i = 0; i < sums.size(); ++i) {
    if (i > 0) sha.Update(",", 1);
    sha.Update(sums[i]);
  }
  return sha.Final().hex();
}

std::string HeredocSum(const CopySource& s) {
  TarsumHeader h;
  h.name = s.orig;
  h.mode = 0644;
  h.size = static_cast<long long>(s.content.size());
  store::Sha256 sha;
  HashTarsumHeader(h, &sha);
  sha.Update(s.content);
  return sha.Final().hex();
}

// A fetched URL's sum is that of the file in the classic builder's
// download dir (its own owner and names, type bits in the mode), written
// without the "file:" prefix, as Docker's history shows it.
std::string RemoteSum(const CopySource& s) {
  if (!s.remote_sum.empty()) return s.remote_sum;
  Fd dir(open(s.remote_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) throw SysError("open", s.remote_dir.string(), errno);
  TreeSums sums(dir.get(), SourceTree::kImage, nullptr, nullptr);
  std::string sum = sums.SourceHash(s.rel, s.st);
  const std::string prefix = "file:";
  return sum.rfind(prefix, 0) == 0 ? sum.substr(prefix.size()) : sum;
}

}  // namespace

void HashTarsumHeader(const TarsumHeader& h, store::Sha256* sha) {
  std::string s;
  s.reserve(128 + h.name.size() + h.linkname.size());
  s += "name";
  s += h.name;
  s += "mode";
  s += std::to_string(h.mode);
  s += "uid";
  s += std::to_string(h.uid);
  s += "gid";
  s += std::to_string(h.gid);
  s += "size";
  s += std::to_string(h.size);
  s += "typeflag";
  s += h.typeflag;
  s += "linkname";
  s += h.linkname;
  s += "uname";
  s += h.uname;
  s += "gname";
  s += h.gname;
  s += "devmajor";
  s += std::to_string(h.devmajor);
  s += "devminor";
  s += std::to_string(h.devminor);
  auto xattrs = h.xattrs;
  std::sort(xattrs.begin(), xattrs.end());
  for (const auto& [k, v] : xattrs) {
    s += k;
    s += v;
  }
  sha->Update(s);
}

uint64_t SourceHashContentReads() { return g_content_reads.load(); }

TreeSums::TreeSums(int root_fd, SourceTree kind, const DockerIgnore* ignore, ContextDigestCache* cache,
                   const TarEntrySums* tar_sums)
    : root_fd_(root_fd),
      kind_(kind),
      ignore_(ignore && !ignore->empty() ? ignore : nullptr),
      cache_(cache),
      tar_sums_(tar_sums) {}

TarsumHeader TreeSums::Header(const std::string& rel, const struct stat& st, const std::string* hardlink_to) const {
  TarsumHeader h;
  h.name = rel.empty() ? "." : rel;
  if (S_ISDIR(st.st_mode)) h.name += '/';
  h.typeflag = TypeFlag(st.st_mode);
  if (kind_ == SourceTree::kContext) {
    // The 20.10 CLI's context tar carries Go's file-type bits in the mode
    // (0100644 for a plain file; CLI >= 23 drops them), and tarsum hashes it.
    h.mode = (st.st_mode & 07777) | TypeBits(st.st_mode);
  } else {
    h.mode = (st.st_mode & 07777) | TypeBits(st.st_mode);
    h.uid = st.st_uid;
    h.gid = st.st_gid;
    h.uname = HostUserName(st.st_uid);
    h.gname = HostGroupName(st.st_gid);
  }
  if (S_ISLNK(st.st_mode)) h.linkname = ReadLinkAt(root_fd_, rel, st);
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    h.devmajor = major(st.st_rdev);
    h.devminor = minor(st.st_rdev);
  }
  if (hardlink_to) {
    h.typeflag = '1';
    h.linkname = *hardlink_to;
  }
  return h;
}

std::string TreeSums::ContentSum(const std::string& rel, const struct stat& st, TarsumHeader& h) {
  Fd fd(openat(root_fd_, rel.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) throw SysError("open", rel, errno);
  g_content_reads.fetch_add(1);
  static thread_local std::vector<char> buf(1 << 16);
  // The first pass trusts `st`: it reads st_size bytes and stops, without
  // the fstat before and the read that would see the end (two syscalls per
  // file). If the file then differs from `st` (it changed under us, or came
  // up short), the second pass starts over from a fresh fstat and reads to
  // the end, and its sum stands whatever the file does meanwhile.
  struct stat before = st;
  for (bool trusting = true;; trusting = false) {
    if (!trusting) {
      if (lseek(fd.get(), 0, SEEK_SET) != 0) throw SysError("seek", rel, errno);
      if (fstat(fd.get(), &before) != 0) throw SysError("stat", rel, errno);
    }
    h.size = before.st_size;
    h.xattrs.clear();
    AddCapability(fd.get(), &h);
    store::Sha256 sha;
    HashTarsumHeader(h, &sha);
    off_t total = 0;
    while (!trusting || total < before.st_size) {
      ssize_t n = read(fd.get(), buf.data(), buf.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw SysError("read", rel, errno);
      }
      if (n == 0) break;
      sha.Update(buf.data(), static_cast<size_t>(n));
      total += n;
    }
    // Unchanged since `st` (inode, size, mtime and ctime) and since the
    // pass began: only then is the sum worth keeping in the digest cache.
    struct stat after {};
    const bool unchanged = fstat(fd.get(), &after) == 0 && SameFile(before, after) && SameFile(st, after);
    if (trusting && (total != st.st_size || !unchanged)) continue;
    std::string hex = sha.Final().hex();
    if (unchanged && kind_ == SourceTree::kContext && cache_) cache_->Store(rel, after, hex);
    return hex;
  }
}

std::string TreeSums::EntrySum(const std::string& rel, const struct stat& st, const std::string* hardlink_to) {
  // A tar context: the archive's own sum for the path; one the archive
  // never named (a parent it implied) is its path, as archiveContext.Hash answers.
  if (tar_sums_) {
    auto it = tar_sums_->find(rel.empty() ? "." : rel);
    return it != tar_sums_->end() ? it->second : rel;
  }
  TarsumHeader h = Header(rel, st, hardlink_to);
  const bool with_content = S_ISREG(st.st_mode) && !hardlink_to;
  if (!with_content) {
    store::Sha256 sha;
    HashTarsumHeader(h, &sha);
    return sha.Final().hex();
  }
  std::string cached;
  if (kind_ == SourceTree::kContext && cache_ && cache_->Lookup(rel, st, &cached)) return cached;
  return ContentSum(rel, st, h);
}

std::string TreeSums::SymlinkSum(const std::string& rel) {
  ResolvedPath r = ResolveInTree(root_fd_, rel, /*clamp=*/true);
  if (kind_ == SourceTree::kContext) {
    // The sums come from the tar the client sent: no entry for the root,
    // none for an excluded path, none for a path that does not exist.
    if (!r.exists || r.rel.empty() || (ignore_ && ignore_->Excluded(r.rel))) return rel;
    if (auto it = by_path_.find(r.rel); it != by_path_.end()) return it->second;
    std::string sum = EntrySum(r.rel, r.st, nullptr);
    by_path_[r.rel] = sum;
    return sum;
  }
  if (!r.exists) return r.rel;
  if (auto it = by_path_.find(r.rel); it != by_path_.end()) return it->second;
  std::string sum = EntrySum(r.rel, r.st, nullptr);
  by_path_[r.rel] = sum;
  return sum;
}

void TreeSums::WalkDir(const std::string& rel, int dir_fd, const DockerIgnore::WalkState& state,
                       std::vector<std::string>* sums, std::vector<std::string>* links) {
  const std::vector<std::string> names = SortedDirectoryNames(dir_fd, rel);
  std::vector<std::pair<std::string, struct stat>> batch;
  for (const std::string& name : names) {
    const std::string child = JoinRel(rel, name);
    struct stat st {};
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      throw SysError("stat", child, errno);
    }
    if (TypeFlag(st.st_mode) == 0) continue;
    DockerIgnore::WalkState child_state;
    bool excluded = ignore_ && ignore_->MatchInWalk(child, state, &child_state);
    bool entered_only = false;
    if (excluded) {
      if (!S_ISDIR(st.st_mode) || !ignore_->HasExceptionsUnder(child)) continue;
      entered_only = true;  // not in the sent tar; it exists only as a parent of re-included paths
    }
    if (entered_only) {
      sums->push_back(child);
    } else if (S_ISLNK(st.st_mode)) {
      links->push_back(child);
      continue;
    } else if (kind_ == SourceTree::kContext && S_ISREG(st.st_mode) && st.st_nlink > 1) {
      std::string key = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
      auto [it, inserted] = first_link_.emplace(key, child);
      std::string sum = EntrySum(child, st, inserted ? nullptr : &it->second);
      by_path_[child] = sum;
      sums->push_back(std::move(sum));
    } else if (!jobs_ || !S_ISREG(st.st_mode) || tar_sums_) {
      sums->push_back(EntrySum(child, st, nullptr));  // a symlink to it recomputes (cheap: digest cache)
    } else if (std::string cached; kind_ == SourceTree::kContext && cache_ && cache_->Lookup(child, st, &cached)) {
      sums->push_back(std::move(cached));
    } else {
      // Reading the file is the work worth a second core.
      batch.emplace_back(child, st);
      if (batch.size() == kHashBatch) {
        SubmitSums(std::move(batch));
        batch.clear();
      }
    }
    if (S_ISDIR(st.st_mode)) {
      Fd sub(openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) throw SysError("open", child, errno);
      WalkDir(child, sub.get(), child_state, sums, links);
    }
  }
  if (!batch.empty()) SubmitSums(std::move(batch));
}

void TreeSums::SubmitSums(std::vector<std::pair<std::string, struct stat>> batch) {
  jobs_->Submit([this, batch = std::move(batch)] {
    std::vector<std::string> found;
    found.reserve(batch.size());
    for (const auto& [rel, st] : batch) found.push_back(EntrySum(rel, st, nullptr));
    std::lock_guard<std::mutex> lock(job_sums_mu_);
    for (std::string& sum : found) job_sums_.push_back(std::move(sum));
  });
}

std::string TreeSums::SourceHash(const std::string& rel, const struct stat& st) {
  if (!S_ISDIR(st.st_mode)) return "file:" + EntrySum(rel, st, nullptr);
  std::vector<std::string> sums, links;
  DockerIgnore::WalkState state;
  if (!rel.empty()) {
    bool excluded = false;
    if (ignore_ && !ignore_->Reach(rel, &excluded, &state)) excluded = true;
    if (excluded) {
      sums.push_back(rel);
    } else {
      std::string sum = EntrySum(rel, st, nullptr);
      by_path_[rel] = sum;
      sums.push_back(std::move(sum));
    }
  }
  Fd dir(rel.empty() ? fcntl(root_fd_, F_DUPFD_CLOEXEC, 0)
                     : openat(root_fd_, rel.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) throw SysError("open", rel.empty() ? "." : rel, errno);
  {
    ParallelJobs jobs(ParallelJobs::SpareCores(kHashWorkers));
    struct Detach { TreeSums* sums; ~Detach() { sums->jobs_ = nullptr; } } detach{this};
    jobs_ = &jobs;
    WalkDir(rel, dir.get(), state, &sums, &links);
    jobs.Wait();
  }
  for (std::string& sum : job_sums_) sums.push_back(std::move(sum));
  job_sums_.clear();
  for (const std::string& link : links) sums.push_back(SymlinkSum(link));
  return "dir:" + HashStrings(std::move(sums));
}

std::string SourceHash(const CopySpec& spec, const std::filesystem::path* digest_cache_dir) {
  Fd root(open(spec.source_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) {
    throw SysError(std::string("open ") + (spec.from_image ? "source image" : "build context"),
                   spec.source_root.string(), errno);
  }
  std::vector<CopySource> sources = ResolveCopySources(spec, root.get());
  std::unique_ptr<ContextDigestCache> cache;
  if (digest_cache_dir && !spec.from_image) {
    cache = std::make_unique<ContextDigestCache>(*digest_cache_dir, spec.source_root);
  }
  TreeSums sums(root.get(), spec.from_image ? SourceTree::kImage : SourceTree::kContext,
                spec.from_image ? nullptr : spec.ignore, cache.get(), spec.from_image ? nullptr : spec.tar_sums);
  std::vector<std::string> hashes;
  for (const CopySource& s : sources) {
    if (!s.remote_dir.empty()) {
      hashes.push_back(RemoteSum(s));
      continue;
    }
    if (!s.heredoc && S_ISDIR(s.st.st_mode) && !spec.excludes.empty()) {
      // --exclude rebased onto this directory: a matcher of its own.
      std::unique_ptr<DockerIgnore> rules = ExcludesFor(spec, s, spec.from_image ? nullptr : spec.ignore);
      TreeSums excluding(root.get(), spec.from_image ? SourceTree::kImage : SourceTree::kContext, rules.get(),
                         cache.get());
      hashes.push_back(excluding.SourceHash(s.rel, s.st));
      continue;
    }
    hashes.push_back(s.heredoc ? "file:" + HeredocSum(s) : sums.SourceHash(s.rel, s.st));
  }
  if (cache) cache->Save();
  if (hashes.size() == 1) return hashes[0];
  std::string joined;
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (i > 0) joined += ',';
    joined += hashes[i];
  }
  return "multi:" + store::Sha256Of(joined).hex();
}

}  // namespace ubuild::builder
