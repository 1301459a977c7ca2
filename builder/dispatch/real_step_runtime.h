#pragma once
// The StepRuntime of a real build: an overlay mount on the pending layer
// (rootfs/overlay_mount.h) and RUN in its own namespaces (run/container_run.h).
#include "builder/dispatch/step_runtime.h"

namespace ubuild::builder {

class RealStepRuntime : public StepRuntime {
 public:
  void WithRootfs(const std::vector<std::filesystem::path>& lower, const store::PendingLayer& pending,
                  const std::function<void(const std::filesystem::path& rootfs)>& fn) override;
  bool ShowsLower() const override { return true; }
  int Run(const RunSpec& spec) override;
};

}  // namespace ubuild::builder
