#include "builder/rootfs/user_lookup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string_view>

#include "builder/rootfs/rooted_path.h"
#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild::builder {
namespace fs = std::filesystem;

namespace {

constexpr unsigned long kMaxId = 2147483647;  // runc's maxId

struct PasswdEntry {
  std::string name;
  unsigned uid = 0;
  unsigned gid = 0;
  std::string home;
};

struct GroupEntry {
  std::string name;
  unsigned gid = 0;
  std::vector<std::string> members;
};

std::optional<unsigned long> ParseId(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  unsigned long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned long>(c - '0');
  }
  return v;
}

unsigned CheckRange(unsigned long id) {
  if (id > kMaxId) throw Error("uids and gids must be in range 0-2147483647");
  return static_cast<unsigned>(id);
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  const char* ws = " \t\r\n\v\f";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// Reads ROOT/etc/<name> with the image's symlinks resolved inside ROOT.
// nullopt when the file does not exist (then only numeric ids resolve).
std::optional<std::string> ReadImageFile(const fs::path& rootfs, const char* rel) {
  const Fd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) throw SysError("open", rootfs.string(), errno);
  const Fd fd(OpenInRootAt(root.get(), rel, O_RDONLY));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw SysError("open", (rootfs / rel).string(), errno);
  }
  std::string data;
  char buf[8192];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SysError("read", (rootfs / rel).string(), errno);
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

// Field parsing as runc's parseLine: missing fields are empty, bad numbers 0.
unsigned LenientId(const std::string& s) {
  auto v = ParseId(s);
  return v && *v <= kMaxId ? static_cast<unsigned>(*v) : 0;
}

std::vector<PasswdEntry> ParsePasswd(const std::string& text) {
  std::vector<PasswdEntry> out;
  for (const auto& raw : Split(text, '\n')) {
    const std::string_view line = Trim(raw);
    if (line.empty()) continue;
    auto f = Split(line, ':');
    f.resize(7);
    out.push_back({f[0], LenientId(f[2]), LenientId(f[3]), f[5]});
  }
  return out;
}

std::vector<GroupEntry> ParseGroup(const std::string& text) {
  std::vector<GroupEntry> out;
  for (const auto& raw : Split(text, '\n')) {
    const std::string_view line = Trim(raw);
    if (line.empty()) continue;
    auto f = Split(line, ':');
    f.resize(4);
    GroupEntry g{f[0], LenientId(f[2]), {}};
    if (!f[3].empty()) g.members = Split(f[3], ',');
    out.push_back(std::move(g));
  }
  return out;
}

// The passwd entry a USER's user part names: "" is root, digits are a uid,
// anything else a name. The first match wins, as in runc.
std::optional<PasswdEntry> FindUser(const fs::path& rootfs, const std::string& user_arg,
                                    std::optional<unsigned long> uid_arg) {
  const auto passwd = ReadImageFile(rootfs, "etc/passwd");
  if (!passwd) return std::nullopt;
  for (auto& u : ParsePasswd(*passwd)) {
    if (user_arg.empty() ? u.uid == 0 : uid_arg ? u.uid == *uid_arg : u.name == user_arg) return std::move(u);
  }
  return std::nullopt;
}

// The gid a USER's group part names (digits a gid, else a group name); a gid
// need not have an entry.
unsigned GroupId(const std::vector<GroupEntry>& groups, const std::string& group_arg,
                 std::optional<unsigned long> gid_arg) {
  for (const auto& e : groups) {
    if (gid_arg ? e.gid == *gid_arg : e.name == group_arg) return e.gid;
  }
  if (!gid_arg) throw Error("unable to find group " + group_arg + ": no matching entries in group file");
  return CheckRange(*gid_arg);
}

// The gids of the groups that list `user` as a member, in file order.
std::vector<unsigned> SupplementaryGids(const std::vector<GroupEntry>& groups, const std::string& user) {
  std::vector<unsigned> gids;
  for (const auto& e : groups) {
    for (const auto& m : e.members) {
      if (m == user) {
        gids.push_back(e.gid);
        break;
      }
    }
  }
  return gids;
}

}  // namespace

ResolvedUser ResolveUser(const fs::path& rootfs, const std::string& spec) {
  const auto parts = Split(spec, ':');
  const std::string user_arg = parts[0];
  const std::string group_arg = parts.size() > 1 ? parts[1] : "";
  const auto uid_arg = ParseId(user_arg);
  const auto gid_arg = ParseId(group_arg);

  ResolvedUser out;
  out.home.assign(1, '/');  // (operator= of a literal trips GCC 12 -Wrestrict)
  std::string matched_name;
  if (auto match = FindUser(rootfs, user_arg, uid_arg)) {
    matched_name = match->name;
    out.uid = match->uid;
    out.gid = match->gid;
    out.home = match->home;
  } else if (!user_arg.empty()) {
    if (!uid_arg) throw Error("unable to find user " + user_arg + ": no matching entries in passwd file");
    out.uid = CheckRange(*uid_arg);
  }

  if (!group_arg.empty() || !matched_name.empty()) {
    const auto group = ReadImageFile(rootfs, "etc/group");
    std::vector<GroupEntry> groups;
    if (group) groups = ParseGroup(*group);
    if (!group_arg.empty()) {
      out.gid = GroupId(groups, group_arg, gid_arg);
    } else {
      out.supplementary_gids = SupplementaryGids(groups, matched_name);
    }
  }
  return out;
}

ResolvedUser ResolveChown(const fs::path& rootfs, const std::string& spec) {
  const auto parts = Split(spec, ':');
  if (parts.size() > 2) throw Error("invalid chown string format: " + spec);
  const std::string user_str = parts[0];
  const std::string group_str = parts.size() == 2 ? parts[1] : parts[0];

  ResolvedUser out;
  out.home.assign(1, '/');  // (operator= of a literal trips GCC 12 -Wrestrict)
  if (auto id = ParseId(user_str)) {
    out.uid = CheckRange(*id);
  } else {
    const auto passwd = ReadImageFile(rootfs, "etc/passwd");
    bool found = false;
    if (passwd) {
      for (const auto& u : ParsePasswd(*passwd)) {
        if (u.name == user_str) {
          out.uid = u.uid;
          found = true;
          break;
        }
      }
    }
    if (!found) throw Error("can't find uid for user " + user_str + ": no such user: " + user_str);
  }
  if (auto id = ParseId(group_str)) {
    out.gid = CheckRange(*id);
  } else {
    const auto group = ReadImageFile(rootfs, "etc/group");
    bool found = false;
    if (group) {
      for (const auto& g : ParseGroup(*group)) {
        if (g.name == group_str) {
          out.gid = g.gid;
          found = true;
          break;
        }
      }
    }
    if (!found) throw Error("can't find gid for group " + group_str + ": no such group: " + group_str);
  }
  return out;
}

}  // namespace ubuild::builder
