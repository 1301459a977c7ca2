#pragma once
// RUN --mount from text to host paths: the mounts' part of the step's cache
// key, then, on a cache miss, everything each mount needs while the command
// runs: stage and image roots shown, rw binds behind a throwaway overlay,
// cache dirs made and locked, secrets on the build's tmpfs, an ssh agent. Nothing of it lands in the layer or the store's records; only a
// cache mount's directory outlives the step, under buildcache/mounts.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "builder/dispatch/run_mount_spec.h"
#include "builder/dispatch/stage_state.h"
#include "builder/run/container_run.h"
#include "parser/instructions.h"

namespace ubuild::builder {

// The --mount values of `run`, parsed, with the stage's ENV and build args
// expanded in each field's value; errors located at the instruction.
std::vector<RunMountSpec> ParseRunMounts(const BuildContext& ctx, const StageState& st,
                                         const parser::LocatedInstruction& in, const parser::RunInstr& run,
                                         const std::string& workdir);

// What the mounts add to the step's cache key: each mount's options, and
// for a bind the content it shows (the context's files hashed as COPY
// hashes them, a stage's or image's top chain id). Secrets, caches and
// tmpfs add their options only, as in BuildKit.
std::string RunMountsKey(BuildContext& ctx, const parser::LocatedInstruction& in,
                         const std::vector<RunMountSpec>& mounts);

// Shows the stages and images the mounts read from, then runs `fn`.
void WithMountSourceImages(BuildContext& ctx, const parser::LocatedInstruction& in,
                           const std::vector<RunMountSpec>& mounts,
                           const std::function<void(const std::vector<std::filesystem::path>& roots)>& fn);

// The mounts of one running step; the destructor takes down what it set up.
class ActiveRunMounts {
 public:
  // roots: from WithMountSourceImages, by mount index (empty where none).
  // scratch: a path beside the step's rootfs, the prefix of the names of
  // what a rw bind needs on disk (removed by the destructor); secrets and
  // views' mount points go to ctx.run_tmpfs. Fills spec.mounts and adds
  // secret/ssh env.
  ActiveRunMounts(BuildContext& ctx, const parser::LocatedInstruction& in, const std::vector<RunMountSpec>& mounts,
                  const std::vector<std::filesystem::path>& roots, const std::filesystem::path& scratch,
                  RunSpec& spec);
  ~ActiveRunMounts();
  ActiveRunMounts(const ActiveRunMounts&) = delete;
  ActiveRunMounts& operator=(const ActiveRunMounts&) = delete;

  struct Held;  // what the destructor takes down

 private:
  std::unique_ptr<Held> held_;
};

}  // namespace ubuild::builder
