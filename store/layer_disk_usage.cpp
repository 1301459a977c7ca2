#include "store/layer_disk_usage.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <utility>
#include <vector>

#include "store/base/error.h"

namespace ubuild::store {

namespace fs = std::filesystem;

namespace {

using InodeKey = std::pair<dev_t, ino_t>;

struct SharedInode {
  uint64_t size = 0;
  unsigned kept_layers = 0, other_layers = 0;
};

// The inodes of `diff` that have more than one link, with the bytes the
// layer's size counts for each (a symlink's lstat size, as the tar writer).
std::map<InodeKey, uint64_t> MultiplyLinkedInodes(const fs::path& diff) {
  std::map<InodeKey, uint64_t> found;
  std::error_code ec;
  // A directory a rootless user cannot read (an image's mode 0700 one,
  // owned by a subordinate uid) is passed over: its files count per layer.
  for (auto it = fs::recursive_directory_iterator(diff, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0 || S_ISDIR(st.st_mode) || st.st_nlink < 2) continue;
    found.emplace(InodeKey{st.st_dev, st.st_ino},
                  S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0);
  }
  // A diff that vanished mid-walk was a layer being removed; anything else
  // would make the numbers wrong.
  if (ec && ec != std::errc::no_such_file_or_directory) throw Error("cannot walk layer: " + ec.message(), diff.string());
  return found;
}

}  // namespace

LayerDiskUsage MeasureLayerDiskUsage(const LayerStore& layers, const std::set<Digest>& kept) {
  LayerDiskUsage usage;
  // Only a --link rebase links one layer's files into another, and its copy
  // keeps the source's diff_id (layer_rebase.h): a layer whose diff_id no
  // other layer has shares no inode with another layer and is not walked.
  std::map<Digest, std::vector<Layer>> by_diff_id;
  for (const Digest& chain : layers.List()) {
    std::optional<Layer> layer = layers.Get(chain);
    if (!layer) continue;
    usage.total += layer->size;
    if (!kept.count(chain)) usage.reclaimable += layer->size;
    by_diff_id[layer->diff_id].push_back(std::move(*layer));
  }
  std::map<InodeKey, SharedInode> shared;
  for (const auto& [diff_id, same] : by_diff_id) {
    if (same.size() < 2) continue;
    for (const Layer& layer : same) {
      const bool keeps = kept.count(layer.chain_id) != 0;
      for (const auto& [key, size] : MultiplyLinkedInodes(layer.diff_dir)) {
        SharedInode& s = shared[key];
        s.size = size;
        ++(keeps ? s.kept_layers : s.other_layers);
      }
    }
  }
  // Each layer's size counted the inode once; it takes its bytes once, and
  // frees them only when no kept layer holds it.
  // (Saturating: a size record that disagrees with its files must not wrap.)
  auto less = [](uint64_t& total, uint64_t bytes) { total -= std::min(total, bytes); };
  for (const auto& [key, s] : shared) {
    less(usage.total, s.size * (s.kept_layers + s.other_layers - 1));
    if (s.other_layers > 0) less(usage.reclaimable, s.size * (s.other_layers - (s.kept_layers == 0 ? 1 : 0)));
  }
  return usage;
}

}  // namespace ubuild::store
