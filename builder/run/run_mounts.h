#pragma once
// The extra mounts of one RUN (`RUN --mount`), as host paths the builder has
// already prepared: what a bind shows, a tmpfs's options. Where each comes
// from (context, stage, cache dir, secret) is the dispatcher's business
// (builder/dispatch/run_mount_setup.h); here they only become setup ops.
// Their targets are mount points like /proc's: in a build they are in the
// step's init layer already (builder/rootfs/init_layer.h); what is not is
// created for the run and taken back out of the layer afterwards
// (mount_points.h), parents included.
#include <filesystem>
#include <string>
#include <vector>

namespace ubuild::builder {

class MountPoints;
struct ContainerPlan;

struct RunMount {
  enum Kind { kBind, kTmpfs };
  Kind kind = kBind;
  std::filesystem::path source;  // kBind: what the target shows
  std::string target;            // absolute, inside the container
  bool readonly = false;
  bool directory = true;         // the target is a directory, else a file (or socket)
  std::string tmpfs_options;     // kTmpfs: mount data, e.g. "size=65536"
};

// Appends the ops for `mounts`, parents before children (a bind into a
// tmpfs target lands on the tmpfs), after the container's standard mounts.
void PlanRunMounts(ContainerPlan& plan, MountPoints& points, std::vector<RunMount> mounts);

}  // namespace ubuild::builder
