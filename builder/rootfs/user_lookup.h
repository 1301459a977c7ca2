#pragma once
// Resolves USER / --chown specs ("name", "uid", "name:group", "uid:gid")
// through the image's /etc/passwd and /etc/group, read inside `rootfs`
// without following symlinks out of it.
#include <filesystem>
#include <string>
#include <vector>

namespace ubuild::builder {

struct ResolvedUser {
  unsigned uid = 0;
  unsigned gid = 0;
  std::vector<unsigned> supplementary_gids;  // groups listing the user by name
  std::string home;                           // from passwd, "/" if unknown
};

// Throws ubuild::Error ("unable to find user NAME: no matching entries in passwd file").
// Same rules as runc's GetExecUser (what Docker applies to USER): a numeric
// user absent from passwd is taken as is with gid 0; supplementary groups only
// when no group is given.
ResolvedUser ResolveUser(const std::filesystem::path& rootfs, const std::string& spec);

// COPY/ADD --chown, as Docker's classic builder resolves it (parseChownFlag):
// "user" alone means "user:user"; numbers are taken as is; names must exist.
// Errors: "can't find uid for user bob: no such user: bob",
// "can't find gid for group bob: no such group: bob",
// "invalid chown string format: a:b:c". No supplementary groups, home "/".
ResolvedUser ResolveChown(const std::filesystem::path& rootfs, const std::string& spec);

}  // namespace ubuild::builder
