#include "builder/copy/file_copier.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <vector>

#include "store/base/directory_names.h"
#include "store/base/error.h"
#include "store/base/file_data_copy.h"

namespace ubuild::builder {

namespace {

std::string Show(const std::string& rel) { return "/" + rel; }


std::vector<std::string> Split(const std::string& rel) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < rel.size()) {
    size_t j = rel.find('/', i);
    if (j == std::string::npos) j = rel.size();
    if (j > i) out.push_back(rel.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

FileCopier::FileCopier(int root_fd, int upper_fd, CopyOwner owner, std::optional<mode_t> chmod)
    : root_fd_(root_fd), upper_fd_(upper_fd), owner_(owner), chmod_(chmod), jobs_(ParallelJobs::SpareCores(3)) {
  umask_ = umask(022);
  umask(umask_);
  euid_ = geteuid();
  egid_ = getegid();
}

mode_t FileCopier::FinalMode(const struct stat& st) const {
  mode_t mode = st.st_mode & 07777;
  if (chmod_) return *chmod_;
  if (owner_.set && S_ISREG(st.st_mode)) {
    // Docker chowns after writing; chown(2) drops these from regular files.
    mode &= ~static_cast<mode_t>(S_ISUID);
    if (mode & S_IXGRP) mode &= ~static_cast<mode_t>(S_ISGID);
  }
  return mode;
}

Fd FileCopier::MkdirAll(const std::string& rel, uid_t uid, gid_t gid, bool* created) {
  if (created) *created = false;
  Fd cur(OpenInRootAt(root_fd_, "", O_RDONLY | O_DIRECTORY));
  if (!cur.valid()) throw SysError("open", "/", errno);
  std::string prefix;
  for (const std::string& comp : Split(rel)) {
    prefix = JoinRel(prefix, comp);
    int fd = OpenInRootAt(root_fd_, prefix, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
      cur = Fd(fd);
      if (created) *created = false;
      continue;
    }
    if (errno == ENOTDIR) throw Error("mkdir " + Show(prefix) + ": not a directory");
    if (errno != ENOENT) throw SysError("open", Show(prefix), errno);
    if (mkdirat(cur.get(), comp.c_str(), 0755) != 0) {
      if (errno == EEXIST) throw Error("mkdir " + Show(prefix) + ": a dangling symlink or non-directory is in the way");
      throw SysError("mkdir", Show(prefix), errno);
    }
    fd = openat(cur.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw SysError("open", Show(prefix), errno);
    cur = Fd(fd);
    if (fchown(cur.get(), uid, gid) != 0) throw SysError("chown", Show(prefix), errno);
    if (fchmod(cur.get(), 0755) != 0) throw SysError("chmod", Show(prefix), errno);
    if (created) *created = true;
  }
  return cur;
}

void FileCopier::RemoveExisting(int dir_fd, const std::string& name, const std::string& rel) {
  struct stat st {};
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw SysError("stat", Show(rel), errno);
  }
  if (S_ISDIR(st.st_mode)) {
    Fd sub(openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub.valid()) throw SysError("open", Show(rel), errno);
    for (const std::string& child : SortedDirectoryNames(sub.get(), rel)) RemoveExisting(sub.get(), child, JoinRel(rel, child));
    if (unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0) throw SysError("rmdir", Show(rel), errno);
    return;
  }
  if (unlinkat(dir_fd, name.c_str(), 0) != 0) throw SysError("unlink", Show(rel), errno);
}

void FileCopier::CopyData(int in, int out, off_t size, const std::string& rel) {
  // Exactly `size` bytes (the size Docker's tar header would carry).
  CopyFileData(in, out, size, Show(rel), FileDataCopyOptions{&try_copy_file_range_, false});
}

void FileCopier::ApplyMeta(int fd, const std::string& rel, const struct stat& st, bool is_symlink, int dir_fd,
                           const std::string& name, int created_mode, bool parent_setgid) {
  const uid_t uid = owner_.set ? owner_.uid : st.st_uid;
  const gid_t gid = owner_.set ? owner_.gid : st.st_gid;
  const mode_t mode = FinalMode(st);
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (is_symlink) {
    if (fchownat(dir_fd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("lchown", Show(rel), errno);
    if (utimensat(dir_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("utimes", Show(rel), errno);
    return;
  }
  if (fd >= 0) {
    // We run as root: a new entry is already 0:0 unless its directory is setgid.
    const bool owner_ok = created_mode >= 0 && uid == euid_ && gid == egid_ && !parent_setgid;
    if (!owner_ok && fchown(fd, uid, gid) != 0) throw SysError("chown", Show(rel), errno);
    if (static_cast<int>(mode) != created_mode && fchmod(fd, mode) != 0) throw SysError("chmod", Show(rel), errno);
    if (futimens(fd, times) != 0) throw SysError("utimes", Show(rel), errno);
    return;
  }
  if (fchownat(dir_fd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("chown", Show(rel), errno);
  if (fchmodat(dir_fd, name.c_str(), mode, 0) != 0) throw SysError("chmod", Show(rel), errno);
  if (utimensat(dir_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("utimes", Show(rel), errno);
}

FileCopier::Dir FileCopier::Dup(int fd, const std::string& what) {
  Fd copy(fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!copy.valid()) throw SysError("dup", what, errno);
  return Dir{std::make_shared<const Fd>(std::move(copy)), false};
}

Fd FileCopier::OpenUpper(const std::string& rel) const {
  if (upper_fd_ < 0) return Fd();
  return Fd(OpenBeneathAt(upper_fd_, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
}

void FileCopier::CopyContents(int src_fd, const std::string& src_rel, int dst_fd, const std::string& dst_rel,
                              const DockerIgnore* ignore, const DockerIgnore::WalkState* state, bool dst_is_new) {
  Dir dst;
  if (dst_is_new) {
    if (Fd upper = OpenUpper(dst_rel); upper.valid()) dst = Dir{std::make_shared<const Fd>(std::move(upper)), true};
  }
  if (!dst.fd) dst = Dup(dst_fd, Show(dst_rel));
  CopyContentsIn(Dup(src_fd, src_rel), src_rel, dst, dst_rel, ignore, state);
}

void FileCopier::CopyEntry(int src_dir_fd, const std::string& name, const struct stat& st, const std::string& src_rel,
                           int dst_dir_fd, const std::string& name_in_dst, const std::string& dst_rel,
                           const DockerIgnore* ignore, const DockerIgnore::WalkState* state) {
  struct stat dst_st {};
  const bool setgid = fstat(dst_dir_fd, &dst_st) != 0 || (dst_st.st_mode & S_ISGID) != 0;
  CopyEntryIn(Dup(src_dir_fd, src_rel), name, st, src_rel, Dup(dst_dir_fd, Show(dst_rel)), name_in_dst, dst_rel,
              setgid, ignore, state, nullptr);
}

void FileCopier::Finish() {
  jobs_.Wait();
  std::vector<PendingDirMeta> dirs;
  dirs.swap(pending_dirs_);
  for (const PendingDirMeta& d : dirs) {
    Fd fd(d.upper ? OpenUpper(d.rel) : Fd(OpenInRootAt(root_fd_, d.rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)));
    if (!fd.valid()) throw SysError("open", Show(d.rel), errno);
    ApplyMeta(fd.get(), d.rel, d.st, false, -1, "");
  }
}

void FileCopier::CopyContentsIn(const Dir& src, const std::string& src_rel, const Dir& dst,
                                const std::string& dst_rel, const DockerIgnore* ignore,
                                const DockerIgnore::WalkState* state) {
  struct stat dst_st {};
  const bool setgid = fstat(dst.get(), &dst_st) != 0 || (dst_st.st_mode & S_ISGID) != 0;
  FileBatch batch{src, dst, setgid, {}, 0};
  for (const std::string& name : SortedDirectoryNames(src.get(), src_rel)) {
    struct stat st {};
    if (fstatat(src.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      throw SysError("stat", JoinRel(src_rel, name), errno);
    }
    CopyEntryIn(src, name, st, JoinRel(src_rel, name), dst, name, JoinRel(dst_rel, name), setgid, ignore, state,
                &batch);
  }
  Flush(batch);
}

void FileCopier::Flush(FileBatch& batch) {
  if (batch.items.empty()) return;
  auto items = std::make_shared<std::vector<FileBatch::Item>>(std::move(batch.items));
  batch.items.clear();
  batch.bytes = 0;
  jobs_.Submit([this, items, src = batch.src, dst = batch.dst, setgid = batch.parent_setgid] {
    for (const FileBatch::Item& f : *items) {
      CopyFile(src.get(), f.name, f.st, f.src_rel, dst.get(), f.name_in_dst, f.dst_rel, setgid);
    }
  });
}

void FileCopier::HardLink(const std::string& first_rel, const Dir& dst_dir, const std::string& name_in_dst,
                          const std::string& dst_rel) {
  // Both names through the mount: the first copy may sit in the upperdir
  // and this one not, and link(2) does not cross mounts.
  Fd merged_parent;
  int parent = dst_dir.get();
  if (dst_dir.upper) {
    const std::string parent_rel = ParentRel(dst_rel);
    merged_parent = Fd(OpenInRootAt(root_fd_, parent_rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    if (!merged_parent.valid()) throw SysError("open", Show(parent_rel), errno);
    parent = merged_parent.get();
  }
  const char* dname = name_in_dst.c_str();
  if (linkat(root_fd_, first_rel.c_str(), parent, dname, 0) != 0) {
    if (errno != EEXIST) throw SysError("link", Show(dst_rel), errno);
    RemoveExisting(parent, name_in_dst, dst_rel);
    if (linkat(root_fd_, first_rel.c_str(), parent, dname, 0) != 0) throw SysError("link", Show(dst_rel), errno);
  }
}

void FileCopier::CopyEntryIn(const Dir& src_dir, const std::string& name, const struct stat& st,
                             const std::string& src_rel, const Dir& dst_dir, const std::string& name_in_dst,
                             const std::string& dst_rel, bool parent_setgid, const DockerIgnore* ignore,
                             const DockerIgnore::WalkState* state, FileBatch* batch) {
  if (S_ISSOCK(st.st_mode)) return;  // Docker's tar writer skips sockets
  DockerIgnore::WalkState child_state;
  bool entered_only = false;
  if (ignore && state) {
    if (ignore->MatchInWalk(src_rel, *state, &child_state)) {
      if (!S_ISDIR(st.st_mode) || !ignore->HasExceptionsUnder(src_rel)) return;
      entered_only = true;  // only a parent of re-included paths
    }
  }
  const Entry e{src_dir, name, st, src_rel, dst_dir, name_in_dst, dst_rel};
  if (S_ISDIR(st.st_mode)) {
    CopyDirectory(e, ignore, ignore && state ? &child_state : nullptr, entered_only);
  } else if (S_ISREG(st.st_mode)) {
    CopyRegular(e, parent_setgid, batch);
  } else if (S_ISLNK(st.st_mode)) {
    CopySymlink(e);
  } else {
    CopyNode(e);
  }
}

void FileCopier::CopyDirectory(const Entry& e, const DockerIgnore* ignore,
                               const DockerIgnore::WalkState* child_state, bool entered_only) {
  const char* dname = e.name_in_dst.c_str();
  const int dst_fd = e.dst_dir.get();
  bool made = mkdirat(dst_fd, dname, 0700) == 0;
  if (!made) {
    if (errno != EEXIST) throw SysError("mkdir", Show(e.dst_rel), errno);
    struct stat cur {};
    if (fstatat(dst_fd, dname, &cur, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(cur.st_mode)) {
      RemoveExisting(dst_fd, e.name_in_dst, e.dst_rel);
      if (mkdirat(dst_fd, dname, 0700) != 0) throw SysError("mkdir", Show(e.dst_rel), errno);
      made = true;
    }
  }
  Fd src(openat(e.src_dir.get(), e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!src.valid()) throw SysError("open", e.src_rel, errno);
  Dir dst;
  if (made && !e.dst_dir.upper) {
    if (Fd upper = OpenUpper(e.dst_rel); upper.valid()) dst = Dir{std::make_shared<const Fd>(std::move(upper)), true};
  }
  if (!dst.fd) {
    Fd fd(openat(dst_fd, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) throw SysError("open", Show(e.dst_rel), errno);
    dst = Dir{std::make_shared<const Fd>(std::move(fd)), e.dst_dir.upper};
  }
  CopyContentsIn(Dir{std::make_shared<const Fd>(std::move(src)), false}, e.src_rel, dst, e.dst_rel, ignore,
                 child_state);
  struct stat meta = e.st;
  if (entered_only) {
    meta.st_mode = S_IFDIR | 0755;
    meta.st_uid = meta.st_gid = 0;
  }
  pending_dirs_.push_back(PendingDirMeta{e.dst_rel, meta, dst.upper});
}

void FileCopier::CopyRegular(const Entry& e, bool parent_setgid, FileBatch* batch) {
  if (e.st.st_nlink > 1) {
    // Linked names are made on this thread, in order, so the first copy
    // exists before any link to it.
    auto key = std::make_pair(e.st.st_dev, e.st.st_ino);
    auto it = links_.find(key);
    if (it != links_.end()) {
      HardLink(it->second, e.dst_dir, e.name_in_dst, e.dst_rel);
      return;
    }
    links_[key] = e.dst_rel;
    if (bytes_) bytes_->Expect(static_cast<uint64_t>(e.st.st_size));
    CopyFile(e.src_dir.get(), e.name, e.st, e.src_rel, e.dst_dir.get(), e.name_in_dst, e.dst_rel, parent_setgid);
    return;
  }
  if (bytes_) bytes_->Expect(static_cast<uint64_t>(e.st.st_size));
  FileBatch single{e.src_dir, e.dst_dir, parent_setgid, {}, 0};
  FileBatch& into = batch != nullptr ? *batch : single;
  into.items.push_back(FileBatch::Item{e.name, e.src_rel, e.name_in_dst, e.dst_rel, e.st});
  into.bytes += e.st.st_size;
  if (batch == nullptr || into.bytes >= kBatchBytes || into.items.size() >= kBatchFiles) Flush(into);
}

void FileCopier::CopySymlink(const Entry& e) {
  const char* dname = e.name_in_dst.c_str();
  const int dst_fd = e.dst_dir.get();
  std::string target(static_cast<size_t>(e.st.st_size) + 256, '\0');
  ssize_t n = readlinkat(e.src_dir.get(), e.name.c_str(), target.data(), target.size());
  if (n < 0) throw SysError("readlink", e.src_rel, errno);
  target.resize(static_cast<size_t>(n));
  if (symlinkat(target.c_str(), dst_fd, dname) != 0) {
    if (errno != EEXIST) throw SysError("symlink", Show(e.dst_rel), errno);
    RemoveExisting(dst_fd, e.name_in_dst, e.dst_rel);
    if (symlinkat(target.c_str(), dst_fd, dname) != 0) throw SysError("symlink", Show(e.dst_rel), errno);
  }
  ApplyMeta(-1, e.dst_rel, e.st, true, dst_fd, e.name_in_dst);
}

void FileCopier::CopyNode(const Entry& e) {
  const char* dname = e.name_in_dst.c_str();
  const int dst_fd = e.dst_dir.get();
  const mode_t type = e.st.st_mode & S_IFMT;
  if (mknodat(dst_fd, dname, type | 0600, e.st.st_rdev) != 0) {
    if (errno != EEXIST) throw SysError("mknod", Show(e.dst_rel), errno);
    RemoveExisting(dst_fd, e.name_in_dst, e.dst_rel);
    if (mknodat(dst_fd, dname, type | 0600, e.st.st_rdev) != 0) throw SysError("mknod", Show(e.dst_rel), errno);
  }
  ApplyMeta(-1, e.dst_rel, e.st, false, dst_fd, e.name_in_dst);
}

void FileCopier::CopyFile(int src_dir_fd, const std::string& name, const struct stat& st, const std::string& src_rel,
                          int dst_dir_fd, const std::string& name_in_dst, const std::string& dst_rel,
                          bool parent_setgid) {
  const char* dname = name_in_dst.c_str();
  Fd in(openat(src_dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
  if (!in.valid()) throw SysError("open", src_rel, errno);
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  // Created with its final permissions when the umask leaves them intact,
  // saving a chmod per file.
  const mode_t want = FinalMode(st);
  const mode_t create = (want & 0777) == want ? want : 0600;
  const int created_mode = static_cast<int>(create & ~umask_);
  Fd out(openat(dst_dir_fd, dname, flags, create));
  if (!out.valid()) {
    if (errno != EEXIST) throw SysError("create", Show(dst_rel), errno);
    RemoveExisting(dst_dir_fd, name_in_dst, dst_rel);
    out = Fd(openat(dst_dir_fd, dname, flags, create));
    if (!out.valid()) throw SysError("create", Show(dst_rel), errno);
  }
  CopyData(in.get(), out.get(), st.st_size, dst_rel);
  if (bytes_) bytes_->Add(static_cast<uint64_t>(st.st_size));
  ApplyMeta(out.get(), dst_rel, st, false, dst_dir_fd, name_in_dst, created_mode, parent_setgid);
  if (!owner_.set) {
    char cap[1024];
    ssize_t n = fgetxattr(in.get(), "security.capability", cap, sizeof(cap));
    if (n > 0 && fsetxattr(out.get(), "security.capability", cap, static_cast<size_t>(n), 0) != 0) {
      throw SysError("setxattr security.capability", Show(dst_rel), errno);
    }
  }
}

void FileCopier::WriteFile(int dst_dir_fd, const std::string& name, const std::string& dst_rel,
                           const std::string& content, mode_t mode) {
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  Fd out(openat(dst_dir_fd, name.c_str(), flags, 0600));
  if (!out.valid()) {
    if (errno != EEXIST) throw SysError("create", Show(dst_rel), errno);
    RemoveExisting(dst_dir_fd, name, dst_rel);
    out = Fd(openat(dst_dir_fd, name.c_str(), flags, 0600));
    if (!out.valid()) throw SysError("create", Show(dst_rel), errno);
  }
  size_t off = 0;
  while (off < content.size()) {
    ssize_t w = write(out.get(), content.data() + off, content.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw SysError("write", Show(dst_rel), errno);
    }
    off += static_cast<size_t>(w);
  }
  struct stat st {};
  st.st_mode = S_IFREG | mode;
  clock_gettime(CLOCK_REALTIME, &st.st_mtim);
  st.st_atim = st.st_mtim;
  ApplyMeta(out.get(), dst_rel, st, false, dst_dir_fd, name);
}

void FileCopier::FixNewDir(int dir_fd, const std::string& rel) {
  if (owner_.set && fchown(dir_fd, owner_.uid, owner_.gid) != 0) throw SysError("chown", Show(rel), errno);
  if (chmod_ && fchmod(dir_fd, *chmod_) != 0) throw SysError("chmod", Show(rel), errno);
}

}  // namespace ubuild::builder
