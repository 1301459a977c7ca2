#include "builder/dispatch/build_args.h"

#include <algorithm>

namespace ubuild::builder {

BuildArgs::BuildArgs(std::map<std::string, std::string> from_options) : options_(std::move(from_options)) {}

void BuildArgs::AddMetaArg(const std::string& name, const std::optional<std::string>& value) {
  meta_[name] = value;
  consumed_->insert(name);
}

void BuildArgs::AddPredefinedArg(const std::string& name, const std::optional<std::string>& value) {
  meta_[name] = value;
}

void BuildArgs::Declare(const std::string& name, const std::optional<std::string>& default_value) {
  declared_[name] = default_value;
  consumed_->insert(name);
}

void BuildArgs::ResetStage() { declared_.clear(); }

std::optional<std::string> BuildArgs::Value(const std::string& name) const {
  auto d = declared_.find(name);
  if (d == declared_.end()) return std::nullopt;
  if (auto o = options_.find(name); o != options_.end()) return o->second;
  if (d->second) return d->second;
  if (auto m = meta_.find(name); m != meta_.end()) {
    if (auto o = options_.find(name); o != options_.end()) return o->second;
    return m->second;
  }
  return std::nullopt;
}

std::vector<std::string> BuildArgs::MetaEnv() const {
  std::vector<std::string> env;
  for (const auto& [name, def] : meta_) {
    if (auto o = options_.find(name); o != options_.end()) {
      env.push_back(name + "=" + o->second);
    } else if (def) {
      env.push_back(name + "=" + *def);
    }
  }
  return env;
}

std::vector<std::string> BuildArgs::Allowed(const std::vector<std::string>& env) const {
  std::set<std::string> env_keys;
  for (const std::string& kv : env) env_keys.insert(kv.substr(0, kv.find('=')));
  std::vector<std::string> out;
  for (const auto& [name, def] : declared_) {
    if (env_keys.count(name) != 0) continue;
    if (auto v = Value(name)) out.push_back(name + "=" + *v);
  }
  // Docker sorts the "K=V" strings, not the keys ("A1=x" before "A=y").
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> BuildArgs::Unused() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : options_) {
    if (consumed_->count(name) == 0) out.push_back(name);
  }
  return out;
}

}  // namespace ubuild::builder
