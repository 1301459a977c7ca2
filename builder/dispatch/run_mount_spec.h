#pragma once
// One `RUN --mount=...` value read as BuildKit's Dockerfile frontend reads
// it (dockerfile:1 syntax): comma-separated key=value fields, the type
// first or anywhere, bind when none is named. Only the text is checked
// here; what a mount refers to (the context, a stage, a secret) is resolved
// when the RUN runs (run_mount_setup.h).
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ubuild::builder {

enum class MountType { kBind, kCache, kTmpfs, kSecret, kSsh };
enum class CacheSharing { kShared, kPrivate, kLocked };

struct RunMountSpec {
  MountType type = MountType::kBind;
  std::string target;  // absolute after ResolveTarget; empty: the type's default
  std::string source;  // bind/cache: path in `from` (or the context)
  std::string from;    // bind/cache: stage or image name; empty: the context (bind) / nothing (cache)
  std::string id;      // cache: defaults to the target; secret: to the target's base name; ssh: "default"
  bool readonly = false;
  bool required = false;
  CacheSharing sharing = CacheSharing::kShared;
  std::optional<mode_t> mode;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<uint64_t> size;  // tmpfs bytes
  std::string env;               // secret: also (or only) into this variable
};

// Parses one --mount value; throws ubuild::Error naming the field at fault.
// Relative targets are joined to `workdir`, as BuildKit does. `expand`
// (may be empty) is applied to each field's value, as BuildKit expands
// ARG and ENV in them (`target=$DIR`) after splitting the fields.
using MountValueExpander = std::function<std::string(const std::string&)>;
RunMountSpec ParseRunMount(std::string_view value, const std::string& workdir,
                           const MountValueExpander& expand = {});

// The mount as it enters the step's cache key: every option, in a fixed
// order, and nothing a secret holds (only its id).
std::string RunMountKeyText(const RunMountSpec& m);

std::string_view MountTypeName(MountType t);

// The from= names of a RUN's mounts (which stages it needs built first);
// values that do not parse are left to the RUN's own error.
std::vector<std::string> RunMountFroms(const std::vector<std::string>& mount_values);

}  // namespace ubuild::builder
