// Logical lines: continuations, comments, blank lines, CRLF, BOM, parser
// directives and the escape character; line numbers and Node::original.
#include <gtest/gtest.h>

#include "tests/parser/parse_test_util.h"

namespace ubuild::parser {
namespace {

using testing::DumpOf;
using testing::ParseText;

TEST(Continuation, JoinsLinesKeepingSpacesAsWritten) {
  const Ast ast = ParseText("FROM a\nRUN echo a \\\n   b\\\nc\n");
  ASSERT_EQ(ast.nodes.size(), 2u);
  EXPECT_EQ(ast.nodes[1].args, std::vector<std::string>{"echo a    bc"});
  EXPECT_EQ(ast.nodes[1].original, "RUN echo a    bc");
  EXPECT_EQ(ast.nodes[1].start_line, 2);
  EXPECT_EQ(ast.nodes[1].end_line, 4);
}

TEST(Continuation, TrailingBlanksAfterEscapeStillContinue) {
  EXPECT_EQ(DumpOf("RUN a \\  \t\n b"), "(run \"a  b\")\n");
}

TEST(Continuation, CommentAndEmptyLinesInsideAreDropped) {
  const Ast ast = ParseText("FROM a\nRUN one \\\n# comment\n   # indented comment\n\n  \t\n two\nRUN three");
  ASSERT_EQ(ast.nodes.size(), 3u);
  EXPECT_EQ(ast.nodes[1].args, std::vector<std::string>{"one  two"});
  EXPECT_EQ(ast.nodes[1].start_line, 2);
  EXPECT_EQ(ast.nodes[1].end_line, 7);
  EXPECT_EQ(ast.nodes[2].start_line, 8);
}

TEST(Continuation, AtEndOfFileEndsTheInstruction) {
  const Ast ast = ParseText("FROM a\nRUN echo hi \\");
  ASSERT_EQ(ast.nodes.size(), 2u);
  EXPECT_EQ(ast.nodes[1].args, std::vector<std::string>{"echo hi"});
  EXPECT_EQ(ast.nodes[1].original, "RUN echo hi ");
  EXPECT_EQ(ast.nodes[1].end_line, 2);
}

TEST(Continuation, ContinuedIntoTrailingCommentAtEndOfFile) {
  const Ast ast = ParseText("FROM a\nRUN echo hi \\\n# the end\n");
  EXPECT_EQ(ast.nodes[1].args, std::vector<std::string>{"echo hi"});
  EXPECT_EQ(ast.nodes[1].end_line, 3);
}

TEST(Continuation, EscapedEscapeAtEndIsNotAContinuation) {
  EXPECT_EQ(DumpOf("RUN echo \\\\\nRUN b"), "(run \"echo \\\\\\\\\")\n(run \"b\")\n");
}

TEST(Continuation, LoneEscapeLineStartsAnInstruction) {
  EXPECT_EQ(DumpOf("\\\nRUN b"), "(run \"b\")\n");
}

TEST(Comments, WholeLineCommentsAreIgnoredAndHashInsideIsKept) {
  EXPECT_EQ(DumpOf("# c1\n   # c2\nFROM a # not a comment\nRUN echo '#x'"),
            "(from \"a\" \"#\" \"not\" \"a\" \"comment\")\n(run \"echo '#x'\")\n");
}

TEST(Comments, CommentEndingInEscapeDoesNotContinue) {
  EXPECT_EQ(DumpOf("# comment \\\nFROM a"), "(from \"a\")\n");
}

TEST(LineEndings, CrlfIsAcceptedEverywhere) {
  const Ast ast = ParseText("FROM a\r\nRUN echo a \\\r\n  b\r\n\r\nCMD [\"x\"]\r\n");
  ASSERT_EQ(ast.nodes.size(), 3u);
  EXPECT_EQ(ast.nodes[1].args, std::vector<std::string>{"echo a   b"});
  EXPECT_EQ(ast.nodes[2].args, std::vector<std::string>{"x"});
  EXPECT_TRUE(ast.nodes[2].json_form);
  EXPECT_EQ(ast.nodes[2].start_line, 5);
  EXPECT_EQ(ast.nodes[0].original, "FROM a");
}

TEST(LineEndings, LeadingWhitespaceOfAnInstructionIsIgnored) {
  const Ast ast = ParseText("   \tFROM a");
  EXPECT_EQ(ast.nodes[0].original, "FROM a");
}

TEST(Bom, Utf8BomIsSkipped) {
  const Ast ast = ParseText("\xEF\xBB\xBF# escape=`\nFROM a\nRUN b `\n c");
  EXPECT_EQ(ast.escape, '`');
  EXPECT_EQ(Dump(ast), "(from \"a\")\n(run \"b  c\")\n");
}

TEST(Directives, AreReadAtTheTop) {
  const Ast ast = ParseText("# syntax=docker/dockerfile:1.7\n#Check = skip=all \n# escape = \\\nFROM a");
  EXPECT_EQ(ast.directives.at("syntax"), "docker/dockerfile:1.7");
  EXPECT_EQ(ast.directives.at("check"), "skip=all");
  EXPECT_EQ(ast.directives.at("escape"), "\\");
  EXPECT_EQ(ast.escape, '\\');
}

TEST(Directives, BacktickEscapeChangesContinuationAndWords) {
  const Ast ast = ParseText("# escape=`\nFROM a\nWORKDIR C:\\\nRUN dir `\n  /w\nARG X=a`\"b\n");
  EXPECT_EQ(Dump(ast), "(from \"a\")\n(workdir \"C:\\\\\")\n(run \"dir   /w\")\n(arg \"X=a`\\\"b\")\n");
}

TEST(Directives, NotRecognisedAfterAnInstructionOrComment) {
  EXPECT_EQ(ParseText("FROM a\n# escape=`\nRUN b `\n").escape, '\\');
  EXPECT_EQ(ParseText("# hello\n# escape=`\nFROM a").escape, '\\');
  EXPECT_EQ(ParseText("\n# escape=`\nFROM a").escape, '\\');
  // An unknown directive name ends the directive block too.
  EXPECT_EQ(ParseText("# foo=bar\n# escape=`\nFROM a").escape, '\\');
  EXPECT_TRUE(ParseText("# escapes=`\nFROM a").directives.empty());
}

TEST(Directives, EmptyValueIsAComment) {
  const Ast ast = ParseText("# escape=\nFROM a");
  EXPECT_TRUE(ast.directives.empty());
}

TEST(Lines, NumbersCountEveryPhysicalLine) {
  const Ast ast = ParseText("\n\n# c\nFROM a\n\nRUN x \\\n y\nCOPY <<A <<B /d\na\nA\nb\nB\nCMD z\n");
  ASSERT_EQ(ast.nodes.size(), 4u);
  EXPECT_EQ(ast.nodes[0].start_line, 4);
  EXPECT_EQ(ast.nodes[0].end_line, 4);
  EXPECT_EQ(ast.nodes[1].start_line, 6);
  EXPECT_EQ(ast.nodes[1].end_line, 7);
  EXPECT_EQ(ast.nodes[2].start_line, 8);
  EXPECT_EQ(ast.nodes[2].end_line, 12);
  EXPECT_EQ(ast.nodes[3].start_line, 13);
}

TEST(Lines, OriginalIsTheJoinedLine) {
  const Ast ast = ParseText("FROM a\nCOPY --chown=1:1 \\\n  a /b\n");
  EXPECT_EQ(ast.nodes[1].original, "COPY --chown=1:1   a /b");
  EXPECT_EQ(ast.filename, "Dockerfile");
}

}  // namespace
}  // namespace ubuild::parser
