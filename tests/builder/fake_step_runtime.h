#pragma once
// A StepRuntime for tests that need no root: no overlay, no namespaces. The
// "rootfs" a step gets is the pending layer's upperdir itself, so whatever a
// step writes there is committed by the real LayerStore::Commit (lower layers
// are not shown, the one thing this fake leaves out). RUN records its spec
// and runs `on_run` instead of a process, as ninja's FakeCommandRunner does.
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "builder/dispatch/step_runtime.h"

namespace ubuild::builder::testing {

class FakeStepRuntime : public StepRuntime {
 public:
  // The fake process: may write into spec.rootfs; returns the exit code.
  // The default writes /ran with the argv, so each command makes its own layer.
  std::function<int(const RunSpec& spec)> on_run = [](const RunSpec& spec) {
    std::ofstream out(spec.rootfs / "ran", std::ios::app);
    for (const std::string& a : spec.argv) out << a << '\n';
    return 0;
  };
  std::vector<RunSpec> runs;                              // every RUN, in order
  std::vector<std::vector<std::filesystem::path>> lowers;  // every rootfs's lowerdirs, in order

  void WithRootfs(const std::vector<std::filesystem::path>& lower, const store::PendingLayer& pending,
                  const std::function<void(const std::filesystem::path& rootfs)>& fn) override {
    lowers.push_back(lower);
    fn(pending.diff_dir);
  }

  bool ShowsLower() const override { return false; }

  int Run(const RunSpec& spec) override {
    runs.push_back(spec);
    return on_run(spec);
  }
};

}  // namespace ubuild::builder::testing
