#include "store/layer_changes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <cerrno>

#include "store/base/directory_names.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/base/lexical_path.h"
#include "store/overlay_xattrs.h"

namespace ubuild::store {

namespace fs = std::filesystem;

namespace {

bool IsWhiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && major(st.st_rdev) == 0 && minor(st.st_rdev) == 0;
}

bool IsOpaque(const fs::path& dir) {
  char v[4];
  ssize_t n = ::lgetxattr(dir.c_str(), OverlayOpaqueXattr(), v, sizeof v);
  return n == 1 && v[0] == 'y';
}

std::vector<std::string> SortedNames(const fs::path& dir) {
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw SysError("opendir", dir.string(), errno);
  return SortedDirectoryNames(fd.get(), dir.string());
}

// Whether `rel` is visible in the union of `lower` (nearest first).
bool ExistsBelow(const std::string& rel, const std::vector<fs::path>& lower) {
  for (const fs::path& root : lower) {
    struct stat st {};
    if (::lstat((root / rel).c_str(), &st) == 0) return !IsWhiteout(st);
    // Not in this layer: an ancestor here may still hide everything below.
    size_t pos = 0;
    while ((pos = rel.find('/', pos)) != std::string::npos) {
      fs::path ancestor = root / rel.substr(0, pos);
      ++pos;
      if (::lstat(ancestor.c_str(), &st) != 0) break;
      if (!S_ISDIR(st.st_mode)) return false;  // a whiteout or a file replaced the dir
      if (IsOpaque(ancestor)) return false;
    }
  }
  return false;
}

void Walk(const fs::path& diff_dir, const std::string& rel_dir, bool under_opaque, const std::vector<fs::path>& lower,
          std::vector<LayerChange>& out) {
  fs::path dir = rel_dir.empty() ? diff_dir : diff_dir / rel_dir;
  for (const std::string& name : SortedNames(dir)) {
    std::string rel = JoinRel(rel_dir, name);
    struct stat st {};
    if (::lstat((diff_dir / rel).c_str(), &st) != 0) throw SysError("lstat", (diff_dir / rel).string(), errno);
    if (IsWhiteout(st)) {
      out.push_back({'D', "/" + rel});
      continue;
    }
    bool existed = !under_opaque && ExistsBelow(rel, lower);
    bool opaque = S_ISDIR(st.st_mode) && IsOpaque(diff_dir / rel);
    if (opaque) out.push_back({'D', "/" + rel + "/*"});
    out.push_back({existed ? 'M' : 'A', "/" + rel});
    if (S_ISDIR(st.st_mode)) Walk(diff_dir, rel, under_opaque || opaque, lower, out);
  }
}

}  // namespace

std::vector<LayerChange> ListLayerChanges(const fs::path& diff_dir, const std::vector<fs::path>& lower) {
  std::vector<LayerChange> out;
  Walk(diff_dir, "", false, lower, out);
  return out;
}

}  // namespace ubuild::store
