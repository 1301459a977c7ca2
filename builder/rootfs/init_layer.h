#pragma once
// Docker's "-init" layer for a RUN's mount targets: the targets and the
// directories made only for them are created in a small dir on a tmpfs that
// is stacked as the topmost lower layer of the step's overlay, so nothing is
// created in the upperdir for them and nothing needs taking out of it after
// the run (builder/run/mount_points does that for what is left).
//
// A directory overlay copies up takes its attributes and xattrs from the
// topmost lower that has it: every existing directory the init layer holds
// (a target's parent) gets the real one's mode, owner, xattrs and times, so
// a RUN that writes into it leaves the layer as it would without the mount
// (the times but those of a fresh_parent target's parent).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ubuild::builder {

struct InitTarget {
  std::string path;        // absolute, inside the container
  bool directory = true;   // else an empty file (a bind of a file, a secret, a socket)
  // One of the container's own mount points (/etc/hosts, …): Docker makes
  // its parent afresh in its init layer, so a RUN writing beside it leaves
  // the parent with the time of the run, not the image's.
  bool fresh_parent = false;
};

struct InitLayerPaths {
  // Relative to the root, each made only for a target (absent below).
  std::vector<std::string> made;
  // Existing directories copied to hold them, parents first.
  std::vector<std::string> copied;
};

// Resolves each target over `lower` (nearest first, overlay's rules:
// whiteouts, opaque directories, symlinks kept inside the root) and creates
// what is missing in `dir`, an empty directory. nullopt, with `dir` left
// for the caller to remove, where the init layer cannot stand in for the
// upperdir: a path of `kept` (WORKDIR, VOLUME: made in the layer by the
// run) is missing below, or an attribute cannot be copied onto `dir`'s
// filesystem. Throws ubuild::Error for what the run would fail on anyway.
std::optional<InitLayerPaths> BuildInitLayer(const std::vector<std::filesystem::path>& lower,
                                             const std::filesystem::path& dir, const std::vector<InitTarget>& targets,
                                             const std::vector<std::string>& kept);

// Empties `dir` of what BuildInitLayer made there, one call an entry;
// false if something else is left.
bool RemoveInitLayer(const std::filesystem::path& dir, const InitLayerPaths& paths);

// After the overlay is unmounted: a whiteout the run left at a path made
// only for a target (a RUN allowed to unmount it and remove the point)
// hides nothing below, and goes. Best effort.
void RemoveInitWhiteouts(const std::filesystem::path& upper, const InitLayerPaths& paths);

}  // namespace ubuild::builder
