// Every syntax error: a clear message located at "Dockerfile:LINE".
#include <gtest/gtest.h>

#include "store/base/error.h"
#include "tests/parser/parse_test_util.h"

namespace ubuild::parser {
namespace {

struct ErrorCase {
  const char* input;
  const char* where;
  const char* what;
};

class ParseErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParseErrors, AreLocated) {
  try {
    testing::ParseText(GetParam().input);
    FAIL() << "no error for: " << GetParam().input;
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), GetParam().where);
    EXPECT_EQ(std::string(e.what()), GetParam().what);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Parse, ParseErrors,
    ::testing::Values(
        ErrorCase{"", "Dockerfile:1", "file with no instructions"},
        ErrorCase{"# only\n\n# comments\n", "Dockerfile:3", "file with no instructions"},
        ErrorCase{"FROM a\nFROB b\n", "Dockerfile:2", "unknown instruction: FROB (did you mean FROM?)"},
        ErrorCase{"FROM a\nrnu b\n", "Dockerfile:2", "unknown instruction: rnu (did you mean RUN?)"},
        ErrorCase{"FROM a\nFROBNICATE b\n", "Dockerfile:2", "unknown instruction: FROBNICATE"},
        ErrorCase{"FROM a\nRUN [\"a\", 1]\n", "Dockerfile:2",
                  "when using JSON array syntax, arrays must be comprised of strings only"},
        ErrorCase{"FROM a\nENV ONLYKEY\n", "Dockerfile:2", "ENV must have two arguments"},
        ErrorCase{"FROM a\nLABEL k\n", "Dockerfile:2", "LABEL must have two arguments"},
        ErrorCase{"FROM a\nENV A=1 B\n", "Dockerfile:2",
                  "Syntax error - can't find = in \"B\". Must be of the form: name=value"},
        ErrorCase{"# escape=x\nFROM a\n", "Dockerfile:1", "invalid escape token 'x' does not match ` or \\"},
        ErrorCase{"# escape=`\n# escape=\\\nFROM a\n", "Dockerfile:2", "only one escape parser directive can be used"},
        ErrorCase{"FROM a\nRUN <<EOF\necho\n", "Dockerfile:2", "unterminated heredoc: no line \"EOF\" ends it"},
        ErrorCase{"FROM a\n\\\n", "Dockerfile:2", "expected an instruction"}));

}  // namespace
}  // namespace ubuild::parser
