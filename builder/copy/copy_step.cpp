#include "builder/copy/copy_step.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "builder/copy/archive_unpack.h"
#include "builder/copy/copy_excludes.h"
#include "builder/copy/copy_sources.h"
#include "builder/copy/file_copier.h"
#include "builder/rootfs/rooted_path.h"
#include "builder/rootfs/user_lookup.h"
#include "store/base/error.h"

namespace ubuild::builder {

namespace {

Fd OpenTree(const std::filesystem::path& dir, const char* what) {
  Fd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw SysError(std::string("open ") + what, dir.string(), errno);
  return fd;
}

std::optional<mode_t> ParseChmod(const std::string& s) {
  if (s.empty()) return std::nullopt;
  if (s.size() > 4 || s.find_first_not_of("01234567") != std::string::npos) {
    throw Error("invalid --chmod=" + s + ": expected an octal mode such as 755");
  }
  return static_cast<mode_t>(std::stoul(s, nullptr, 8));
}

// filepath.Base: trailing slashes dropped, "" -> ".".
std::string GoBase(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t s = p.rfind('/');
  if (s != std::string::npos && p.size() > 1) p = p.substr(s + 1);
  return p.empty() ? "." : p;
}

// An fd for the directory holding `rel` in a source tree (canonical path).
Fd OpenParent(int root_fd, const std::string& rel) {
  Fd fd(OpenInRootAt(root_fd, ParentRel(rel), O_RDONLY | O_DIRECTORY));
  if (!fd.valid()) throw SysError("open", ParentRel(rel).empty() ? "." : ParentRel(rel), errno);
  return fd;
}

// Docker: context files become root's (or --chown's); --from keeps owners
// unless --chown. A bare --chown=X means X:X.
CopyOwner OwnerOf(const CopySpec& spec, const std::filesystem::path& rootfs) {
  if (!spec.chown.empty()) {
    const std::string who = spec.chown.find(':') == std::string::npos ? spec.chown + ":" + spec.chown : spec.chown;
    ResolvedUser u = ResolveUser(rootfs, who);
    return CopyOwner{true, u.uid, u.gid};
  }
  if (!spec.from_image) return CopyOwner{true, 0, 0};
  return CopyOwner{};
}

// A directory's contents go into dest; missing dirs up to and including
// dest are made 0755 root, then dest gets the owner.
void CopyDirectorySource(FileCopier& copier, int src_root, const CopySource& s, const std::string& dest_rel,
                         const DockerIgnore* ignore) {
  bool created = false;
  Fd dst = copier.MkdirAll(dest_rel, 0, 0, &created);
  Fd src(OpenInRootAt(src_root, s.rel, O_RDONLY | O_DIRECTORY));
  if (!src.valid()) throw SysError("open", s.orig, errno);
  DockerIgnore::WalkState state;
  if (ignore && !s.rel.empty()) ignore->Reach(s.rel, nullptr, &state);
  copier.CopyContents(src.get(), s.rel, dst.get(), dest_rel, ignore, ignore ? &state : nullptr, created);
  if (created) copier.FixNewDir(dst.get(), dest_rel);
}

// ADD of a local tar archive unpacks it into dest; false if the regular
// file `s` is not one.
bool UnpackIfArchive(FileCopier& copier, int src_root, int root, const CopySource& s, const std::string& dest_rel) {
  Fd in(OpenInRootAt(src_root, s.rel, O_RDONLY | O_NOFOLLOW));
  if (!in.valid()) throw SysError("open", s.orig, errno);
  if (!IsTarArchive(in.get())) return false;
  Fd dst = copier.MkdirAll(dest_rel, 0, 0, nullptr);
  UnpackArchive(in.get(), root, dest_rel, s.orig);
  return true;
}

// One file or heredoc to `target`, its missing parents made with the
// copy's owner.
void CopyFileSource(FileCopier& copier, int src_root, const CopySource& s, const std::string& target,
                    const CopyOwner& owner) {
  Fd parent = copier.MkdirAll(ParentRel(target), owner.set ? owner.uid : 0, owner.set ? owner.gid : 0, nullptr);
  const std::string name = GoBase(target);
  if (s.heredoc) {
    copier.WriteFile(parent.get(), name, target, s.content, 0644);
    return;
  }
  Fd src_parent = OpenParent(src_root, s.rel);
  copier.CopyEntry(src_parent.get(), GoBase(s.rel), s.st, s.rel, parent.get(), name, target, nullptr, nullptr);
}

}  // namespace

void ExecuteCopy(const CopySpec& spec, const std::filesystem::path& rootfs, const std::filesystem::path& upper) {
  Fd src_root = OpenTree(spec.source_root, spec.from_image ? "source image" : "build context");
  std::vector<CopySource> sources = ResolveCopySources(spec, src_root.get());
  const std::optional<mode_t> chmod = ParseChmod(spec.chmod);
  Fd root = OpenTree(rootfs, "image root");
  const CopyOwner owner = OwnerOf(spec, rootfs);

  Fd upper_fd;
  if (!upper.empty()) upper_fd = OpenTree(upper, "layer upperdir");
  FileCopier copier(root.get(), upper_fd.get(), owner, chmod);
  copier.CountBytes(spec.bytes);
  const std::string dest = NormalizeCopyDest(spec);
  const bool dest_slash = !dest.empty() && dest.back() == '/';
  const DockerIgnore* ignore = spec.from_image || !spec.ignore || spec.ignore->empty() ? nullptr : spec.ignore;

  for (const CopySource& s : sources) {
    copier.Finish();  // the previous source, before this one may overwrite it
    copier.ResetLinks();
    Fd remote_root;
    if (!s.remote_dir.empty()) remote_root = OpenTree(s.remote_dir, "fetched source");
    const int from = remote_root.valid() ? remote_root.get() : src_root.get();
    ResolvedPath d = ResolveInTree(root.get(), dest, /*clamp=*/true);
    const bool dest_is_dir = d.exists && S_ISDIR(d.st.st_mode);
    const DockerIgnore* base = remote_root.valid() ? nullptr : ignore;
    std::unique_ptr<DockerIgnore> excludes = ExcludesFor(spec, s, base);
    if (spec.parents && !s.heredoc) {
      // The kept path goes under dest, its missing directories made like
      // any missing parent.
      const std::string target = JoinRel(d.rel, s.parents_path);
      if (S_ISDIR(s.st.st_mode)) {
        CopyDirectorySource(copier, from, s, target, excludes ? excludes.get() : base);
      } else {
        if (target.empty()) throw Error("cannot copy " + s.orig + " over the root directory");
        CopyFileSource(copier, from, s, target, owner);
      }
      continue;
    }
    if (!s.heredoc && S_ISDIR(s.st.st_mode)) {
      CopyDirectorySource(copier, from, s, d.rel, excludes ? excludes.get() : base);
      continue;
    }
    // A fetched URL is never unpacked, whatever it holds.
    const bool may_be_archive = spec.is_add && !s.heredoc && !remote_root.valid() && S_ISREG(s.st.st_mode);
    if (may_be_archive && UnpackIfArchive(copier, src_root.get(), root.get(), s, d.rel)) continue;
    // One file: into dest if it ends in '/' or is a directory, else as dest.
    std::string target = (dest_slash || dest_is_dir) ? JoinRel(d.rel, GoBase(s.orig)) : d.rel;
    if (target.empty()) throw Error("cannot copy " + s.orig + " over the root directory");
    CopyFileSource(copier, from, s, target, owner);
  }
  copier.Finish();
}

}  // namespace ubuild::builder
