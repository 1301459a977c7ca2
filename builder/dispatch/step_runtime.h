#pragma once
// The seam between dispatch and the machine: a writable rootfs for a step,
// and a RUN process in it. RealStepRuntime (real_step_runtime.h) mounts an
// overlay and runs the process in namespaces, which takes root; tests pass a
// fake over plain directories, as ninja fakes its disk and command runner.
// What lies on either side stays real: cache keys, configs and history
// above, LayerStore::Commit of the upperdir below.
#include <filesystem>
#include <functional>
#include <vector>

#include "builder/run/container_run.h"
#include "store/layer_store.h"

namespace ubuild::builder {

class StepRuntime {
 public:
  virtual ~StepRuntime() = default;

  // Runs `fn` on a rootfs that shows `lower` (overlay lowerdirs, nearest
  // first; empty for scratch) and writes into `pending`'s upperdir. The
  // rootfs is gone when this returns, also when `fn` throws.
  virtual void WithRootfs(const std::vector<std::filesystem::path>& lower, const store::PendingLayer& pending,
                          const std::function<void(const std::filesystem::path& rootfs)>& fn) = 0;

  // Whether the rootfs WithRootfs gives shows `lower` (an overlay of it):
  // only then can a RUN's mount points be made in an init layer stacked on
  // top (run_init_layer.h) rather than in the upperdir.
  virtual bool ShowsLower() const = 0;

  // Runs spec.argv in spec.rootfs (a rootfs WithRootfs is showing) and
  // returns its exit code. Throws ubuild::Error when it cannot start.
  virtual int Run(const RunSpec& spec) = 0;
};

}  // namespace ubuild::builder
