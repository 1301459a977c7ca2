// Heredocs: RUN <<EOF, COPY <<EOF /dest, several on one line, <<- tab
// stripping, quoted delimiters turning expansion off.
#include <gtest/gtest.h>

#include "tests/parser/parse_test_util.h"

namespace ubuild::parser {
namespace {

using testing::ParseText;

Node Second(Ast ast) { return std::move(ast.nodes.at(1)); }

TEST(Heredoc, RunBodyFollowsTheLine) {
  const Ast ast = ParseText("FROM a\nRUN <<EOF\necho hello\n# not a comment\n\necho $HOME\nEOF\nCMD x\n");
  ASSERT_EQ(ast.nodes.size(), 3u);
  const Node& run = ast.nodes.at(1);
  EXPECT_EQ(run.args, std::vector<std::string>{"<<EOF"});
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].name, "EOF");
  EXPECT_EQ(run.heredocs[0].content, "echo hello\n# not a comment\n\necho $HOME\n");
  EXPECT_TRUE(run.heredocs[0].expand);
  EXPECT_FALSE(run.heredocs[0].chomp);
  EXPECT_EQ(run.start_line, 2);
  EXPECT_EQ(run.end_line, 7);
  EXPECT_EQ(ast.nodes[2].start_line, 8);
}

TEST(Heredoc, CopyToDestination) {
  const Node copy = Second(ParseText("FROM a\nCOPY <<file.txt /dest/\nhello world\nfile.txt\n"));
  EXPECT_EQ(copy.args, (std::vector<std::string>{"<<file.txt", "/dest/"}));
  ASSERT_EQ(copy.heredocs.size(), 1u);
  EXPECT_EQ(copy.heredocs[0].name, "file.txt");
  EXPECT_EQ(copy.heredocs[0].content, "hello world\n");
}

TEST(Heredoc, SeveralOnOneLineAreReadInOrder) {
  const Node copy = Second(ParseText("FROM a\nCOPY <<X <<Y /dest\nY\nX\nX\nY\n"));
  ASSERT_EQ(copy.heredocs.size(), 2u);
  EXPECT_EQ(copy.heredocs[0].name, "X");
  EXPECT_EQ(copy.heredocs[0].content, "Y\n");
  EXPECT_EQ(copy.heredocs[1].name, "Y");
  EXPECT_EQ(copy.heredocs[1].content, "X\n");
}

TEST(Heredoc, DashStripsLeadingTabsAndAllowsIndentedDelimiter) {
  const Node run = Second(ParseText("FROM a\nRUN <<-EOT\n\tbaz\n\t\tquux\n  spaces stay\n\tEOT\n"));
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_TRUE(run.heredocs[0].chomp);
  EXPECT_EQ(run.heredocs[0].content, "baz\nquux\n  spaces stay\n");
}

TEST(Heredoc, WithoutDashTabsStayAndIndentedDelimiterIsContent) {
  const Node run = Second(ParseText("FROM a\nRUN <<EOT\n\tfoo\n\tEOT\nEOT\n"));
  EXPECT_EQ(run.heredocs.at(0).content, "\tfoo\n\tEOT\n");
}

TEST(Heredoc, QuotedDelimiterTurnsExpansionOff) {
  struct Case {
    const char* marker;
    const char* name;
    bool expand;
  };
  for (const Case& c : {Case{"<<'EOF'", "EOF", false}, Case{"<<\"EOF\"", "EOF", false},
                        Case{"<<-'EOF'", "EOF", false}, Case{"<<eo'f'", "eof", false},
                        Case{"<<eo\\'f", "eo'f", true}, Case{"<<EOF", "EOF", true},
                        Case{"<<'one two'", "one two", false}, Case{"<<$EOF", "$EOF", true}}) {
    const Node run = Second(ParseText(std::string("FROM a\nRUN ") + c.marker + "\nbody\n" + c.name + "\n"));
    ASSERT_EQ(run.heredocs.size(), 1u) << c.marker;
    EXPECT_EQ(run.heredocs[0].name, c.name) << c.marker;
    EXPECT_EQ(run.heredocs[0].expand, c.expand) << c.marker;
    EXPECT_EQ(run.heredocs[0].content, "body\n") << c.marker;
  }
}

TEST(Heredoc, WithFlagsCommandAndFileDescriptor) {
  const Node run = Second(ParseText("FROM a\nRUN --mount=type=cache,target=/c 3<<EOF python3 -\nprint(1)\nEOF\n"));
  EXPECT_EQ(run.flags, std::vector<std::string>{"--mount=type=cache,target=/c"});
  EXPECT_EQ(run.args, std::vector<std::string>{"3<<EOF python3 -"});
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].content, "print(1)\n");
}

TEST(Heredoc, SpaceBetweenMarkerAndDelimiter) {
  const Node run = Second(ParseText("FROM a\nRUN <<  EOF  > foo\nx\nEOF\n"));
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].name, "EOF");
}

TEST(Heredoc, NotAHeredoc) {
  for (const char* line : {"RUN \"<<EOF\"", "RUN '<<EOF'", "RUN [\"<<EOF\"]", "USER <<EOF", "RUN cat<<EOF",
                           "RUN echo <<", "RUN echo \"unterminated <<EOF"}) {
    const Ast ast = ParseText(std::string("FROM a\n") + line + "\n");
    EXPECT_TRUE(ast.nodes.at(1).heredocs.empty()) << line;
  }
}

TEST(Heredoc, OnbuildTriggerCarriesTheHeredoc) {
  const Ast ast = ParseText("FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\n");
  ASSERT_EQ(ast.nodes.size(), 2u);
  ASSERT_EQ(ast.nodes[1].heredocs.size(), 1u);
  EXPECT_EQ(ast.nodes[1].heredocs[0].content, "echo hi\n");
}

TEST(Heredoc, CrlfDelimiterLine) {
  const Node run = Second(ParseText("FROM a\r\nRUN <<EOF\r\nx\r\nEOF\r\n"));
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].content, "x\r\n");  // BuildKit keeps the body's bytes
}

}  // namespace
}  // namespace ubuild::parser
