#include "builder/dispatch/stage_state.h"

namespace ubuild::builder {

std::vector<std::string> ShellOf(const store::ImageConfig& config) {
  std::vector<std::string> shell = config.StringList("Shell");
  if (shell.empty()) shell = {"/bin/sh", "-c"};
  return shell;
}

std::vector<std::string> StageState::ExpansionEnv() const {
  std::vector<std::string> env = image.config.Env();
  std::vector<std::string> allowed = args.Allowed(env);
  env.insert(env.end(), allowed.begin(), allowed.end());
  return env;
}

}  // namespace ubuild::builder
