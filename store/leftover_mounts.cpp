#include "store/leftover_mounts.h"

#include <sys/mount.h>

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/layout.h"
#include "store/pending_lock.h"

namespace ubuild::store {

namespace fs = std::filesystem;

namespace {

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) &&
        IsOctal(field[i + 3])) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

// The cache-id when `mount_point` lies inside overlay2/<cache-id>/ (not the
// cache dir itself), else empty.
std::string CacheIdHolding(const fs::path& overlay2, const fs::path& mount_point) {
  const fs::path rel = mount_point.lexically_relative(overlay2);
  auto it = rel.begin();
  if (it == rel.end()) return {};
  const std::string first = it->string();
  if (!layout::IsCacheId(first) || ++it == rel.end()) return {};
  return first;
}

}  // namespace

std::vector<std::string> MountPointsOf(std::string_view mountinfo) {
  // Each line: ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS ...
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < mountinfo.size()) {
    size_t eol = mountinfo.find('\n', pos);
    if (eol == std::string_view::npos) eol = mountinfo.size();
    const std::string_view line = mountinfo.substr(pos, eol - pos);
    pos = eol + 1;
    size_t start = 0;
    for (int field = 0; field < 4 && start != std::string_view::npos; ++field) {
      start = line.find(' ', start);
      if (start != std::string_view::npos) ++start;
    }
    if (start == std::string_view::npos) continue;
    const size_t end = line.find(' ', start);
    out.push_back(Unescape(line.substr(start, end == std::string_view::npos ? end : end - start)));
  }
  return out;
}

void DetachLeftoverMounts(const fs::path& root) {
  std::error_code ec;
  // The mount table names canonical paths; ROOT may be given through a symlink.
  const fs::path overlay2 = fs::weakly_canonical(layout::Overlay2Dir(root), ec);
  if (ec) return;  // no overlay2 dir: nothing was ever mounted there
  // Without /proc (a bare chroot) no mount table can be read; the sweep then
  // finds any mount the hard way, as EBUSY on removal.
  const std::optional<std::string> mountinfo = ReadFileIfExists("/proc/self/mountinfo");
  if (!mountinfo) return;
  const std::vector<std::string> points = MountPointsOf(*mountinfo);
  // Newest first, so a mount stacked on another one goes before it.
  for (auto it = points.rbegin(); it != points.rend(); ++it) {
    const std::string cache_id = CacheIdHolding(overlay2, *it);
    if (cache_id.empty() || PendingDirInUse(overlay2 / cache_id)) continue;
    if (::umount2(it->c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL) {
      // EINVAL: no longer a mount point (it went with a mount above it).
      throw SysError("umount leftover mount", *it, errno);
    }
  }
}

}  // namespace ubuild::store
