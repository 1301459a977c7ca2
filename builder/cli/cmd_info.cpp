// ubuild info: the store and the host as a build sees them, shaped like the
// part of `docker info` that applies: where the store is, what it holds and
// how much disk it takes, the kernel, and whether it has overlayfs.
#include <sys/stat.h>
#include <sys/utsname.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/human_format.h"
#include "builder/rootfs/overlay_mount.h"
#include "builder/rootfs/user_namespace.h"
#include "store/base/error.h"
#include "store/store.h"

namespace ubuild::cli {

namespace {

namespace fs = std::filesystem;

// Bytes the tree under `root` takes on disk (allocated blocks, each hard
// link once), as `du -s` counts them.
uint64_t DiskUse(const fs::path& root) {
  uint64_t bytes = 0;
  std::set<std::pair<dev_t, ino_t>> seen;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw Error("cannot walk the store: " + ec.message(), it->path().string());
    struct stat st;
    if (lstat(it->path().c_str(), &st) != 0) continue;  // removed while we walked
    if (st.st_nlink > 1 && !seen.insert({st.st_dev, st.st_ino}).second) continue;
    bytes += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  if (ec) throw Error("cannot walk the store: " + ec.message(), root.string());
  return bytes;
}

// overlayfs is what builds mount for every step; the kernel lists the
// filesystems it has (built in or loaded) in /proc/filesystems.
bool KernelHasOverlay() {
  std::ifstream in("/proc/filesystems");
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() >= 7 && line.compare(line.size() - 7, 7, "overlay") == 0 &&
        (line.size() == 7 || line[line.size() - 8] == '\t')) {
      return true;
    }
  }
  return false;
}

}  // namespace

int CmdInfo(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("info"), args);
  if (!p.positional.empty()) throw UsageError("info takes no arguments");
  auto s = store::Store::Open(g.root, store::Store::Mode::kRead);

  std::set<store::Digest> tagged;
  const auto refs = s.refs().All();
  for (const auto& [ref, id] : refs) tagged.insert(id);
  const std::vector<store::Digest> images = s.images().List();
  size_t dangling = 0;
  for (const store::Digest& id : images) {
    if (!tagged.count(id) && s.images().Children(id).empty()) ++dangling;
  }
  const std::vector<store::Digest> layers = s.layers().List();
  uint64_t layer_bytes = 0;
  for (const store::Digest& chain : layers) layer_bytes += s.layers().SizeOf(chain).value_or(0);

  struct utsname u {};
  uname(&u);
  std::string out;
  out += "Store:\n";
  out += " Root Dir: " + fs::absolute(s.root()).string() + "\n";
  out += " Storage Driver: overlay2\n";
  out += " Images: " + std::to_string(images.size()) + " (" + std::to_string(refs.size()) + " tags, " +
         std::to_string(dangling) + " dangling)\n";
  out += " Layers: " + std::to_string(layers.size()) + " (" + HumanSize(layer_bytes) + " of file content)\n";
  out += " Disk Use: " + HumanSize(DiskUse(s.root())) + "\n";
  out += "Host:\n";
  out += " Kernel: " + std::string(u.sysname) + " " + u.release + " " + u.machine + "\n";
  out += std::string(" Overlay: ") +
         (KernelHasOverlay() ? "supported" : "not in /proc/filesystems (builds need overlayfs: modprobe overlay)") + "\n";
  if (const auto mode = builder::CurrentUserNamespaceMode(); mode != builder::UserNamespaceMode::kHost) {
    out += std::string(" Rootless: ") +
           (mode == builder::UserNamespaceMode::kSubordinate ? "yes, subordinate ids from /etc/subuid and /etc/subgid"
                                                             : "yes, only your own id (no subordinate ids)") +
           "\n";
    out += " Overlay Mount: " + builder::OverlayMount::ProbeKind(s.root()) + "\n";
  }
  std::cout << out;
  return 0;
}

}  // namespace ubuild::cli
