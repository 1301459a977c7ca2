#include "builder/copy/copy_sources.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "builder/copy/copy_excludes.h"
#include "builder/copy/go_glob.h"
#include "builder/rootfs/rooted_path.h"
#include "store/base/directory_names.h"
#include "store/base/error.h"
#include "store/base/lexical_path.h"

namespace ubuild::builder {

namespace {

std::string CmdName(const CopySpec& spec) { return spec.is_add ? "ADD" : "COPY"; }

bool IsUrl(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0 || s.rfind("git@", 0) == 0 ||
         s.rfind("git://", 0) == 0 || s.rfind("ssh://", 0) == 0;
}

std::vector<std::string> SplitSlash(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (true) {
    size_t j = s.find('/', i);
    out.push_back(s.substr(i, j == std::string::npos ? std::string::npos : j - i));
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return out;
}


// Docker walks the whole tree (lexical order, symlinks not followed) and
// keeps every path the pattern matches. A path can only match at the
// pattern's depth, and only below directories matching the pattern's leading
// components, so the walk stops there (unless a bracket expression, which
// could match '/', makes that unsafe).
class GlobWalk {
 public:
  GlobWalk(const std::string& pattern, const DockerIgnore* ignore)
      : pattern_(pattern), ignore_(ignore && !ignore->empty() ? ignore : nullptr) {
    if (pattern.find('[') == std::string::npos) components_ = SplitSlash(pattern);
  }

  void Walk(int dir_fd, const std::string& rel, size_t depth, const DockerIgnore::WalkState& state,
            std::vector<std::string>* out) {
    for (const std::string& name : SortedDirectoryNames(dir_fd, rel)) {
      const std::string child = JoinRel(rel, name);
      struct stat st {};
      if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      DockerIgnore::WalkState child_state;
      if (ignore_ && ignore_->MatchInWalk(child, state, &child_state)) {
        if (!S_ISDIR(st.st_mode) || !ignore_->HasExceptionsUnder(child)) continue;
      }
      if (GoMatch(pattern_, child)) out->push_back(child);
      if (!S_ISDIR(st.st_mode)) continue;
      if (!components_.empty()) {
        if (depth + 1 >= components_.size()) continue;
        std::string prefix;
        for (size_t i = 0; i <= depth; ++i) prefix = JoinRel(prefix, components_[i]);
        if (!GoMatch(prefix, child)) continue;
      }
      Fd sub(openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) continue;
      Walk(sub.get(), child, depth + 1, child_state, out);
    }
  }

 private:
  std::string pattern_;
  const DockerIgnore* ignore_;
  std::vector<std::string> components_;
};

CopySource ResolveOne(const CopySpec& spec, int root_fd, const std::string& path) {
  const std::string cmd = CmdName(spec);
  const bool context = !spec.from_image;
  ResolvedPath r = ResolveInTree(root_fd, path, /*clamp=*/!context);
  if (r.escaped) throw Error(cmd + " failed: forbidden path outside the build context: " + path);
  bool missing = !r.exists;
  if (!missing && context && spec.ignore && !spec.ignore->empty()) {
    // Excluded paths were never sent to Docker's daemon: neither the named
    // path nor what it resolves to may be excluded.
    std::string lexical = CleanPath(path);
    if (lexical == ".") lexical.clear();
    missing = (!lexical.empty() && spec.ignore->Excluded(lexical)) ||
              (!r.rel.empty() && spec.ignore->Excluded(r.rel) && !(S_ISDIR(r.st.st_mode) && spec.ignore->HasExceptionsUnder(r.rel)));
  }
  if (missing) {
    if (context) {
      throw Error(cmd + " failed: file not found in build context or excluded by .dockerignore: stat " + path +
                  ": file does not exist");
    }
    throw Error(cmd + " failed: stat " + path + ": file does not exist");
  }
  if (S_ISSOCK(r.st.st_mode)) {
    throw Error(cmd + " failed: " + path + ": cannot copy a socket");
  }
  CopySource s;
  s.orig = path;
  s.rel = r.rel;
  s.st = r.st;
  return s;
}

}  // namespace

std::string NormalizeCopyDest(const CopySpec& spec) {
  const std::string& dest = spec.dest;
  const bool slash = !dest.empty() && dest.back() == '/';
  if (!dest.empty() && dest[0] == '/') return dest;
  std::string joined = CleanPath("/" + (spec.workdir.empty() ? std::string("/") : spec.workdir) + "/" + dest);
  if (slash && joined != "/") joined += '/';
  return joined;
}

std::vector<CopySource> ResolveCopySources(const CopySpec& spec, int root_fd) {
  const std::string cmd = CmdName(spec);
  std::vector<CopySource> out;
  for (const std::string& orig : spec.sources) {
    if (IsUrl(orig)) {
      if (!spec.is_add) throw Error("COPY failed: source can't be a URL for COPY: " + orig);
      auto remote = spec.remote.find(orig);
      if (remote == spec.remote.end()) throw Error("ADD failed: " + orig + " was not fetched");
      CopySource s;
      s.orig = remote->second.name.empty() ? orig : remote->second.name;
      s.rel = remote->second.name;
      s.remote_dir = remote->second.dir;
      s.remote_sum = remote->second.sum;
      const std::filesystem::path file = s.rel.empty() ? s.remote_dir : s.remote_dir / s.rel;
      if (lstat(file.c_str(), &s.st) != 0) throw SysError("stat", file.string(), errno);
      out.push_back(std::move(s));
      continue;
    }
    std::string path = orig;
    if (path.rfind("/", 0) == 0) path.erase(0, 1);
    if (path.rfind("./", 0) == 0) path.erase(0, 2);
    // --parents keeps the path from a "/./" pivot on (BuildKit); the pivot
    // is no part of the path the source is found by.
    size_t pivot_depth = 0;
    if (size_t pivot = path.find("/./"); spec.parents && pivot != std::string::npos) {
      std::string before = CleanPath(path.substr(0, pivot));
      pivot_depth = before == "." ? 0 : SplitSlash(before).size();
      path = before + "/" + path.substr(pivot + 3);
    }
    const size_t first = out.size();
    if (!HasGoWildcards(path)) {
      out.push_back(ResolveOne(spec, root_fd, path));
    } else {
      if (!GoPatternValid(path)) throw Error(cmd + " failed: syntax error in pattern: " + orig);
      std::vector<std::string> matches;
      GlobWalk walk(path, spec.from_image ? nullptr : spec.ignore);
      walk.Walk(root_fd, "", 0, DockerIgnore::WalkState{}, &matches);
      for (const std::string& m : matches) out.push_back(ResolveOne(spec, root_fd, m));
    }
    for (size_t i = first; spec.parents && i < out.size(); ++i) {
      std::string kept = CleanPath(out[i].orig);
      std::vector<std::string> parts = kept == "." ? std::vector<std::string>{} : SplitSlash(kept);
      kept.clear();
      for (size_t j = pivot_depth; j < parts.size(); ++j) kept = JoinRel(kept, parts[j]);
      out[i].parents_path = kept;
    }
  }
  if (!spec.excludes.empty()) {
    CheckExcludePatterns(spec.excludes);
    out.erase(std::remove_if(out.begin(), out.end(), [&](const CopySource& s) { return SourceExcluded(spec, s); }),
              out.end());
  }
  for (const auto& [name, content] : spec.heredocs) {
    CopySource s;
    s.orig = name;
    s.heredoc = true;
    s.content = content;
    s.st.st_mode = S_IFREG | 0644;
    s.st.st_size = static_cast<off_t>(content.size());
    out.push_back(std::move(s));
  }
  if (out.empty()) throw Error(cmd + " failed: no source files were specified");
  if (out.size() > 1 && (spec.dest.empty() || spec.dest.back() != '/')) {
    throw Error("When using " + cmd + " with more than one source file, the destination must be a directory and end with a /");
  }
  return out;
}

}  // namespace ubuild::builder
