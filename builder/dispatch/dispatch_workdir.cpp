// WORKDIR: sets the working directory (relative to the previous one) and, as
// Docker's classic builder does, creates it at once, so a new directory is
// committed as a layer of its own while an existing one adds no layer.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "builder/dispatch/dispatch.h"
#include "builder/dispatch/history_text.h"
#include "builder/rootfs/rooted_path.h"
#include "builder/dispatch/layer_step.h"
#include "builder/dispatch/step_commit.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/base/lexical_path.h"

namespace ubuild::builder {

namespace {

// mkdir -p inside the rootfs as Docker's classic builder does it: the path
// is first resolved with the image root as "/" (FollowSymlinkInScope), so
// `/app -> /srv/app` sends the new directories to /srv/app in the image,
// and then what is missing is made along a path without symlinks.
void MkdirAllInRoot(const std::filesystem::path& rootfs, const std::string& path) {
  Fd root(open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) throw SysError("open", rootfs.string(), errno);
  ResolvedPath r = ResolveInTree(root.get(), path, /*clamp=*/true);
  std::string sofar;
  for (size_t i = 0; i < r.rel.size();) {
    size_t j = r.rel.find('/', i);
    if (j == std::string::npos) j = r.rel.size();
    const std::string parent = sofar;
    const std::string name = r.rel.substr(i, j - i);
    sofar = JoinRel(sofar, name);
    i = j + 1;
    Fd parent_fd(OpenBeneathAt(root.get(), parent, O_PATH | O_DIRECTORY));
    if (!parent_fd.valid()) throw SysError("open", "/" + parent, errno);
    if (mkdirat(parent_fd.get(), name.c_str(), 0755) != 0 && errno != EEXIST) throw SysError("mkdir", "/" + sofar, errno);
  }
  if (!Fd(OpenBeneathAt(root.get(), r.rel, O_PATH | O_DIRECTORY)).valid()) {
    throw SysError("mkdir " + path, "/" + r.rel, errno);
  }
}

}  // namespace

void DispatchWorkdir(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& in,
                     const parser::WorkdirInstr& wd) {
  if (wd.path.empty()) throw StepError(ctx, in, "WORKDIR requires exactly one argument");
  std::string current = st.image.config.config().value("WorkingDir", "");
  std::string path = wd.path[0] == '/' ? wd.path : (current.empty() ? "/" : current) + "/" + wd.path;
  path = CleanPath("/" + path);
  std::string created_by = NopCreatedByOneSpace(st.Shell(), "WORKDIR " + path);
  store::Digest key = StepCacheKey(st.image, created_by);
  store::ImageConfig next = st.image.config;
  next.config()["WorkingDir"] = path;
  if (ProbeCache(ctx, key, st.image) || ProbeImageHistory(ctx, key, st.image, next, created_by)) return;
  std::optional<store::Layer> layer =
      MakeLayer(ctx, st.image.top_chain, [&](const std::filesystem::path& rootfs) {
        try {
          MkdirAllInRoot(rootfs, path);
        } catch (const Error& e) {
          throw StepError(ctx, in, std::string("WORKDIR ") + path + ": " + e.message());
        }
      });
  CommitStep(ctx, st.image, std::move(next), key, created_by, layer);
}

}  // namespace ubuild::builder
