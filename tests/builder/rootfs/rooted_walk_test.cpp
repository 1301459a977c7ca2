#include "builder/rootfs/rooted_walk.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "store/base/error.h"
#include "store/base/lexical_path.h"

namespace ubuild::builder {
namespace {

// Resolves `path` over a tree given as its symlinks (rel -> target); every
// other name is a directory. Returns the rel reached and the names visited.
std::string Resolve(const std::string& path, const std::map<std::string, std::string>& links,
                    std::string* visited = nullptr) {
  RootedWalk<std::string> walk(path, "");
  std::string c;
  while (walk.Next(c)) {
    if (visited) *visited += c + (walk.Last() ? "." : ",");
    const std::string rel = JoinRel(walk.top(), c);
    if (auto it = links.find(rel); it != links.end()) {
      walk.Follow(it->second);
      continue;
    }
    walk.Push(rel);
  }
  return walk.top();
}

TEST(RootedWalkTest, DotDotStopsAtTheRoot) {
  EXPECT_EQ(Resolve("/../../a/./b/../c", {}), "a/c");
  EXPECT_EQ(Resolve("..", {}), "");
}

TEST(RootedWalkTest, SymlinksResolveInsideTheRoot) {
  const std::map<std::string, std::string> links = {
      {"etc", "/private/etc"}, {"private/etc/up", "../../../../usr"}, {"usr/lib", "lib64"}};
  EXPECT_EQ(Resolve("/etc/hosts", links), "private/etc/hosts");
  EXPECT_EQ(Resolve("/etc/up/lib/x", links), "usr/lib64/x");
}

TEST(RootedWalkTest, LastIsTheNameAsWrittenBeforeALinkIsFollowed) {
  std::string visited;
  Resolve("/a/l", {{"a/l", "b/c"}}, &visited);
  EXPECT_EQ(visited, "a,l.b,c.");
}

TEST(RootedWalkTest, ALoopOfLinksFails) {
  EXPECT_THROW(Resolve("/x/y", {{"x", "x"}}), Error);
}

}  // namespace
}  // namespace ubuild::builder
