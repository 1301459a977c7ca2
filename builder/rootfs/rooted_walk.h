#pragma once
// The walk of a path inside a root shared by a RUN's mount points
// (builder/run/mount_points, over the merged rootfs) and its init layer
// (init_layer, over the lower layers): component by component from the
// root, "." skipped, ".." never above the root, a symlink's target resolved
// in its place (an absolute one from the root), at most 40 of them, as the
// kernel resolves under RESOLVE_IN_ROOT. What a name is, and what to do
// where one is missing, stays with the caller; a Level is what it keeps of
// each directory resolved so far, the root's first.
#include <cerrno>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "store/base/error.h"
#include "store/base/lexical_path.h"

namespace ubuild::builder {

template <class Level>
class RootedWalk {
 public:
  RootedWalk(std::string path, Level root) : path_(std::move(path)), todo_(PathComponents(path_)) {
    stack_.push_back(std::move(root));
  }

  // The next name to resolve in top(); false once the whole path is.
  bool Next(std::string& name) {
    while (!todo_.empty()) {
      name = std::move(todo_.front());
      todo_.pop_front();
      if (name == "..") {
        if (stack_.size() > 1) stack_.pop_back();
      } else if (name != ".") {
        return true;
      }
    }
    return false;
  }

  // Whether the name Next gave is the path's last (before any symlink
  // target is resolved in its place).
  bool Last() const { return todo_.empty(); }

  // The name Next gave is a symlink to `target`.
  void Follow(const std::string& target) {
    if (++links_ > 40) throw SysError("resolve", "/" + path_, ELOOP);
    if (!target.empty() && target[0] == '/') stack_.resize(1);
    std::deque<std::string> more = PathComponents(target);
    todo_.insert(todo_.begin(), more.begin(), more.end());
  }

  // The name Next gave is resolved (a directory, unless it was the last).
  void Push(Level level) { stack_.push_back(std::move(level)); }

  const Level& top() const { return stack_.back(); }
  const std::vector<Level>& stack() const { return stack_; }

 private:
  std::string path_;
  std::deque<std::string> todo_;
  std::vector<Level> stack_;
  int links_ = 0;
};

// The target of the symlink `path` (relative to `dirfd`, or absolute);
// `shown` names it in the error.
std::string ReadSymlink(int dirfd, const std::string& path, const std::string& shown);

}  // namespace ubuild::builder
