// WORKDIR: sets the working directory (relative to the previous one) and, as
// Docker's classic builder does, creates it at once, so a new directory is
// committed as a layer of its own while an existing one adds no layer.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "builder/dispatch/dispatch.h"
#include "builder/dispatch/history_text.h"
#include "builder/rootfs/in_root.h"
#include "builder/dispatch/layer_step.h"
#include "builder/dispatch/step_commit.h"
#include "store/base/error.h"

namespace ubuild::builder {

namespace {

// Lexical path cleaning, as Go's path.Clean on an absolute path.
std::string CleanAbsolute(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string part = path.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

// mkdir -p inside the rootfs, every component resolved in the root, so an
// image symlink cannot send the directories to the host.
void MkdirAllInRoot(const std::filesystem::path& rootfs, const std::string& path) {
  int root = open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) throw SysError("open", rootfs.string(), errno);
  std::string sofar;
  size_t i = 1;
  try {
    while (i < path.size()) {
      size_t j = path.find('/', i);
      if (j == std::string::npos) j = path.size();
      std::string parent = sofar.empty() ? "/" : sofar;
      sofar += "/" + path.substr(i, j - i);
      i = j + 1;
      int fd = OpenInRoot(root, sofar, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd >= 0) {
        close(fd);
        continue;
      }
      if (errno != ENOENT) throw SysError("open", sofar, errno);
      int pfd = OpenInRoot(root, parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (pfd < 0) throw SysError("open", parent, errno);
      std::string name = sofar.substr(sofar.rfind('/') + 1);
      int rc = mkdirat(pfd, name.c_str(), 0755);
      int err = errno;
      close(pfd);
      if (rc != 0 && err != EEXIST) throw SysError("mkdir", sofar, err);
    }
  } catch (...) {
    close(root);
    throw;
  }
  close(root);
}

}  // namespace

void DispatchWorkdir(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& in,
                     const parser::WorkdirInstr& wd) {
  if (wd.path.empty()) throw StepError(ctx, in, "WORKDIR requires exactly one argument");
  std::string current = st.image.config.config().value("WorkingDir", "");
  std::string path = wd.path[0] == '/' ? wd.path : (current.empty() ? "/" : current) + "/" + wd.path;
  path = CleanAbsolute(path);
  std::string created_by = NopCreatedByOneSpace(st.Shell(), "WORKDIR " + path);
  store::Digest key = StepCacheKey(st.image, created_by);
  if (ProbeCache(ctx, key, st.image)) return;
  std::optional<store::Layer> layer =
      MakeLayer(ctx, st.image.top_chain, [&](const std::filesystem::path& rootfs) { MkdirAllInRoot(rootfs, path); });
  store::ImageConfig next = st.image.config;
  next.config()["WorkingDir"] = path;
  CommitStep(ctx, st.image, std::move(next), key, created_by, layer);
}

}  // namespace ubuild::builder
