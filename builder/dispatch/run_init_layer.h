#pragma once
// The init layer of one RUN (builder/rootfs/init_layer.h): the container's
// mount points (/proc, /etc/hosts, …: ContainerMountPoints) and its RUN
// --mount targets that the image lacks, made in a dir of the step's own on
// the build's tmpfs,
// stacked as the topmost lower layer of the step's overlay, and removed with
// the step once the overlay is gone. Targets inside /dev or inside a tmpfs
// mount are made by the container's init on that tmpfs and stay out of it.
#include <filesystem>
#include <optional>
#include <vector>

#include "builder/dispatch/build_tmpfs.h"
#include "builder/rootfs/init_layer.h"
#include "builder/run/container_run.h"

namespace ubuild::builder {

class RunInitLayer {
 public:
  // Stacks the layer on `lower` (nearest first) when it can stand in for
  // the upperdir (init_layer.h), else leaves `lower` and the targets to
  // the run's own mount points. `spec`: mounts, workdir and volumes filled.
  RunInitLayer(BuildTmpfs& tmpfs, const std::filesystem::path& session_dir, const RunSpec& spec,
               std::vector<std::filesystem::path>& lower);
  ~RunInitLayer();
  RunInitLayer(const RunInitLayer&) = delete;
  RunInitLayer& operator=(const RunInitLayer&) = delete;

  // Once `rootfs` is mounted: what the run does to the layer's paths is
  // tidied when it is unmounted.
  void Watch(const std::filesystem::path& rootfs) const;

 private:
  std::filesystem::path dir_;
  std::optional<InitLayerPaths> paths_;
  bool insecure_ = false;
};

}  // namespace ubuild::builder
