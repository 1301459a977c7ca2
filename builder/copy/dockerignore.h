#pragma once
// .dockerignore with Docker's pattern rules (moby/patternmatcher): comments,
// `!` exceptions (last match wins), `**`, leading `/` and `./` dropped,
// a matching directory excludes everything under it unless an exception could
// re-include something inside.
//
// Paths are judged the way the docker 20.10 CLI (Debian's docker.io, the
// conformance reference) builds the context tar, checked against it: a
// top-down walk where each path is matched on its own (patternmatcher's
// Matches: the path, or its parent prefix of the pattern's depth), and an
// excluded directory is entered only if some exception pattern's text starts
// with "<dir>/". (CLI >= 23 matches with the parent's per-pattern results
// instead, which differs: `**/*.log` + `!logs/keep` keeps logs/keep/k.log
// here, drops it there.) Dockerfile and .dockerignore get no special case:
// the daemon drops them from the context when the patterns exclude them.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ubuild::builder {

class DockerIgnore {
 public:
  DockerIgnore() = default;
  // Lines as in a .dockerignore file (comments, blanks, `/x`, `./x` handled).
  // Throws ubuild::Error for a malformed pattern or a lone "!".
  explicit DockerIgnore(const std::vector<std::string>& patterns);
  // These rules followed by `more` (pattern lines; a later match wins).
  DockerIgnore With(const std::vector<std::string>& more) const;
  // Reads CONTEXT/.dockerignore if present.
  static DockerIgnore Load(const std::filesystem::path& context_dir);

  // rel: path relative to the context, '/' separated, no leading "./".
  // True if the path is not part of the build context (it, or a directory
  // above it that the walk would not enter, is excluded).
  bool Excluded(const std::string& rel) const;
  // True if some exception pattern could re-include a path below `rel_dir`
  // (so an excluded directory must still be walked).
  bool HasExceptionsUnder(const std::string& rel_dir) const;

  bool empty() const { return patterns_.empty(); }

  // How many components deep a walk must look: below that depth a path's
  // verdict is its ancestor's at that depth (no pattern can match more
  // components than it has, and a shorter one matches the path's prefix as
  // it matches the ancestor's). SIZE_MAX when some pattern may match across
  // a '/' (`**`, a bracket class, an escape).
  size_t WalkDepth() const;

  // Incremental form for tree walks: what a directory hands to its children.
  // (The 20.10 rules need nothing from the parent; the state keeps walks
  // independent of which rule set is in force.)
  struct WalkState {
    std::vector<char> parent_matched;
  };
  // Whether `rel` itself matches (is excluded), given its parent's state;
  // fills `self` for use by rel's children.
  bool MatchInWalk(const std::string& rel, const WalkState& parent, WalkState* self) const;
  // Replays the walk from the root down to `rel`: false if the walk would
  // never reach `rel` (an ancestor excluded with no exception under it).
  // On true, `*excluded` says whether rel itself is excluded and `*state` is
  // rel's state for its children.
  bool Reach(const std::string& rel, bool* excluded, WalkState* state) const;

  struct Pattern;  // one compiled pattern (defined in dockerignore.cpp)

 private:
  std::vector<std::string> raw_;
  std::vector<std::pair<std::string, bool>> patterns_;  // (cleaned pattern, is_exception)
  std::vector<std::shared_ptr<const Pattern>> compiled_;
  bool has_exceptions_ = false;
};

}  // namespace ubuild::builder
