// .dockerignore matching: moby/patternmatcher pattern kinds, the ignore-file
// normalisation, and the walk semantics observed with the docker 20.10 CLI.
#include <gtest/gtest.h>

#include "builder/copy/dockerignore.h"
#include "builder/copy/go_glob.h"
#include "copy_test_tree.h"
#include "store/base/error.h"

namespace ubuild::builder {
namespace {

TEST(GoGlobTest, FilepathMatchRules) {
  EXPECT_TRUE(GoMatch("*.txt", "a.txt"));
  EXPECT_FALSE(GoMatch("*.txt", "d/a.txt"));  // '*' never crosses '/'
  EXPECT_TRUE(GoMatch("d/*", "d/a"));
  EXPECT_TRUE(GoMatch("a?c", "abc"));
  EXPECT_FALSE(GoMatch("a?c", "a/c"));
  EXPECT_TRUE(GoMatch("[a-c]x", "bx"));
  EXPECT_FALSE(GoMatch("[^a-c]x", "bx"));
  EXPECT_TRUE(GoMatch("\\*", "*"));
  EXPECT_FALSE(GoMatch("\\*", "a"));
  EXPECT_TRUE(GoMatch("*", ""));
  EXPECT_TRUE(GoMatch("a*b*c", "axxbyyc"));
  EXPECT_TRUE(GoMatch("h\xC3\xA9?", "h\xC3\xA9\xC3\xA9"));  // '?' is one rune
  EXPECT_THROW(GoMatch("[a-", "a"), Error);
  EXPECT_THROW(GoMatch("a\\", "a"), Error);
  EXPECT_FALSE(GoPatternValid("[]a]"));
  EXPECT_TRUE(HasGoWildcards("a*"));
  EXPECT_FALSE(HasGoWildcards("a\\*"));
}

TEST(DockerIgnoreTest, PatternKinds) {
  DockerIgnore ig({"exact", "pre/**", "**/suffix", "**/*.log", "a/**/z", "q?", "[xy]1"});
  EXPECT_TRUE(ig.Excluded("exact"));
  EXPECT_TRUE(ig.Excluded("exact/below"));  // a matching directory takes its subtree
  EXPECT_FALSE(ig.Excluded("exactly"));
  EXPECT_TRUE(ig.Excluded("pre/x/y"));
  EXPECT_TRUE(ig.Excluded("suffix"));
  EXPECT_TRUE(ig.Excluded("deep/er/suffix"));
  EXPECT_TRUE(ig.Excluded("x.log"));
  EXPECT_TRUE(ig.Excluded("d/e/x.log"));
  EXPECT_TRUE(ig.Excluded("a/z"));
  EXPECT_TRUE(ig.Excluded("a/b/c/z"));
  EXPECT_FALSE(ig.Excluded("a/b/c/zz"));
  EXPECT_TRUE(ig.Excluded("q1"));
  EXPECT_FALSE(ig.Excluded("q12"));
  EXPECT_TRUE(ig.Excluded("y1"));
  EXPECT_FALSE(ig.Excluded("z1"));
  EXPECT_FALSE(ig.Excluded("other"));
}

TEST(DockerIgnoreTest, FileNormalisation) {
  DockerIgnore ig({"\xEF\xBB\xBF# comment", "  ", "#also comment", "/abs", "./dot/", "  spaced  ", "x/../y",
                   " # not a comment"});
  EXPECT_FALSE(ig.Excluded("# comment"));
  EXPECT_TRUE(ig.Excluded("abs"));
  EXPECT_TRUE(ig.Excluded("dot/f"));
  EXPECT_TRUE(ig.Excluded("spaced"));
  EXPECT_TRUE(ig.Excluded("y"));
  EXPECT_FALSE(ig.Excluded("x"));
  EXPECT_TRUE(ig.Excluded("# not a comment"));
  EXPECT_THROW(DockerIgnore({"!"}), Error);
  EXPECT_THROW(DockerIgnore({"[z-"}), Error);
  EXPECT_TRUE(DockerIgnore().empty());
}

TEST(DockerIgnoreTest, ExceptionsLastMatchWins) {
  DockerIgnore ig({"*.md", "!README.md", "README.md"});
  EXPECT_TRUE(ig.Excluded("README.md"));
  DockerIgnore ig2({"*.md", "!README.md"});
  EXPECT_FALSE(ig2.Excluded("README.md"));
  EXPECT_TRUE(ig2.Excluded("CHANGES.md"));
}

TEST(DockerIgnoreTest, ExcludedDirectoryEnteredOnlyForLiteralExceptions) {
  DockerIgnore ig({"docs", "!docs/keep.txt"});
  EXPECT_TRUE(ig.HasExceptionsUnder("docs"));
  EXPECT_TRUE(ig.Excluded("docs"));
  EXPECT_FALSE(ig.Excluded("docs/keep.txt"));
  EXPECT_TRUE(ig.Excluded("docs/other.txt"));
  // Docker only enters an excluded dir if an exception's text starts with it.
  DockerIgnore glob({"docs", "!*/keep.txt"});
  EXPECT_FALSE(glob.HasExceptionsUnder("docs"));
  EXPECT_TRUE(glob.Excluded("docs/keep.txt"));
}

TEST(DockerIgnoreTest, EachPathMatchedOnItsOwnLikeThe2010Cli) {
  // Observed with the 20.10 CLI: `!logs/keep` re-includes logs/keep and,
  // through the parent prefix at the pattern's depth, logs/keep/k.log too.
  DockerIgnore ig({"**/*.log", "!logs/keep"});
  EXPECT_FALSE(ig.Excluded("logs/keep"));
  EXPECT_FALSE(ig.Excluded("logs/keep/k.log"));
  EXPECT_TRUE(ig.Excluded("logs/a.log"));
  EXPECT_TRUE(ig.Excluded("root.log"));
  EXPECT_FALSE(ig.Excluded("logs/t.txt"));
  // Only the ancestor at the pattern's own depth is tried.
  DockerIgnore deep({"a", "!a/b"});
  EXPECT_FALSE(deep.Excluded("a/b/c"));
  EXPECT_TRUE(deep.Excluded("a/x"));
}

TEST(DockerIgnoreTest, LoadsFromContext) {
  testing::TempDir t;
  testing::WriteFile(t.path() / ".dockerignore", "node_modules\r\n*.tmp\n");
  DockerIgnore ig = DockerIgnore::Load(t.path());
  EXPECT_TRUE(ig.Excluded("node_modules/x/y.js"));
  EXPECT_TRUE(ig.Excluded("a.tmp"));
  EXPECT_FALSE(ig.Excluded("src/a.tmp"));
  testing::TempDir none;
  EXPECT_TRUE(DockerIgnore::Load(none.path()).empty());
}

// Below WalkDepth a path's verdict is its ancestor's, so a walk for hidden
// paths may stop there; a pattern that can cross '/' has no such depth.
TEST(DockerIgnoreTest, WalkDepthBoundsTheVerdicts) {
  EXPECT_EQ(DockerIgnore().WalkDepth(), 0u);
  const DockerIgnore fixed({"secret", "a/*.log", "!a/keep.log"});
  EXPECT_EQ(fixed.WalkDepth(), 2u);
  for (const char* deep : {"a/x.log/y", "a/x.log/y/z", "secret/q/r", "b/c/d.log"}) {
    const std::string path = deep;
    const std::string at_depth = path.substr(0, path.find('/', path.find('/') + 1));
    EXPECT_EQ(fixed.Excluded(path), fixed.Excluded(at_depth)) << path;
  }
  EXPECT_EQ(DockerIgnore({"**/*.log"}).WalkDepth(), SIZE_MAX);
  EXPECT_EQ(DockerIgnore({"x[/]y"}).WalkDepth(), SIZE_MAX);
}

}  // namespace
}  // namespace ubuild::builder
