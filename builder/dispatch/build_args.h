#pragma once
// Build arguments as Docker's classic builder scopes them: values from
// --build-arg, meta ARGs (before the first FROM, visible only to FROM lines
// unless redeclared in a stage), and the ARGs declared in the current stage.
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ubuild::builder {

class BuildArgs {
 public:
  explicit BuildArgs(std::map<std::string, std::string> from_options);

  // `value` is the meta arg's resolved value (defaults expanded in order).
  void AddMetaArg(const std::string& name, const std::optional<std::string>& value);
  // A platform arg (TARGETARCH, ...): a meta arg nobody declared, so a
  // --build-arg naming it is not "consumed" until an ARG does.
  void AddPredefinedArg(const std::string& name, const std::optional<std::string>& value);
  // ARG inside a stage: makes `name` visible from here on.
  void Declare(const std::string& name, const std::optional<std::string>& default_value);
  // A fresh stage sees no stage ARGs, only meta args for its FROM line.
  void ResetStage();

  // Value an ARG resolves to: --build-arg, else its default, else the meta arg's value.
  std::optional<std::string> Value(const std::string& name) const;
  // Meta args with values, for expanding FROM.
  std::vector<std::string> MetaEnv() const;
  // "K=V" for every declared ARG that has a value and is not shadowed by an
  // ENV key in `env` (Docker's FilterAllowed), sorted by key.
  std::vector<std::string> Allowed(const std::vector<std::string>& env) const;
  // --build-arg names never consumed by any ARG (Docker warns about them).
  std::vector<std::string> Unused() const;

 private:
  std::map<std::string, std::string> options_;
  std::map<std::string, std::optional<std::string>> meta_;
  std::map<std::string, std::optional<std::string>> declared_;
  // Shared by every copy (one per stage), so the build can tell at the end
  // which --build-arg no stage declared.
  std::shared_ptr<std::set<std::string>> consumed_ = std::make_shared<std::set<std::string>>();
};

}  // namespace ubuild::builder
