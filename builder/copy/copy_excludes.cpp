#include "builder/copy/copy_excludes.h"

#include "store/base/error.h"
#include "store/base/lexical_path.h"

namespace ubuild::builder {

namespace {

// `pattern` as a .dockerignore line that matches the same paths below `dir`.
std::string Rebased(const std::string& dir, const std::string& pattern) {
  const bool invert = !pattern.empty() && pattern[0] == '!';
  std::string p = invert ? pattern.substr(1) : pattern;
  while (!p.empty() && p[0] == '/') p.erase(0, 1);
  return (invert ? "!" : "") + JoinRel(dir, p);
}

}  // namespace

void CheckExcludePatterns(const std::vector<std::string>& patterns) {
  try {
    DockerIgnore check(patterns);
  } catch (const Error& e) {
    throw Error(std::string("--exclude: ") + e.what());
  }
}

std::unique_ptr<DockerIgnore> ExcludesFor(const CopySpec& spec, const CopySource& s, const DockerIgnore* base) {
  if (spec.excludes.empty()) return nullptr;
  std::vector<std::string> rebased;
  for (const std::string& p : spec.excludes) rebased.push_back(Rebased(s.rel, p));
  return std::make_unique<DockerIgnore>(base ? base->With(rebased) : DockerIgnore(rebased));
}

bool SourceExcluded(const CopySpec& spec, const CopySource& s) {
  if (spec.excludes.empty() || s.heredoc) return false;
  std::string name = s.orig;
  while (name.size() > 1 && name.back() == '/') name.pop_back();
  name = name.substr(name.rfind('/') == std::string::npos ? 0 : name.rfind('/') + 1);
  return DockerIgnore(spec.excludes).Excluded(name);
}

}  // namespace ubuild::builder
