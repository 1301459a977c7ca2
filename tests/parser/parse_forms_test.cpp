// Argument forms per instruction: all 18 keywords, exec vs shell form, flags,
// ENV/LABEL triples, ARG, HEALTHCHECK, ONBUILD, FROM ... AS.
#include <gtest/gtest.h>

#include "tests/parser/parse_test_util.h"

namespace ubuild::parser {
namespace {

using testing::DumpOf;
using testing::ParseText;
using Strings = std::vector<std::string>;

Node Only(const std::string& line) {
  Ast ast = ParseText(line);
  EXPECT_EQ(ast.nodes.size(), 1u);
  return std::move(ast.nodes.at(0));
}

TEST(Keywords, AllEighteenInAnyCase) {
  const char* keywords[] = {"FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY",
                            "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL",
                            "HEALTHCHECK", "SHELL"};
  for (const std::string kw : keywords) {
    std::string lower, mixed;
    for (size_t i = 0; i < kw.size(); ++i) {
      lower += static_cast<char>(kw[i] - 'A' + 'a');
      mixed += i % 2 ? static_cast<char>(kw[i] - 'A' + 'a') : kw[i];
    }
    const std::string args = kw == "ONBUILD" ? " RUN x" : (kw == "ENV" || kw == "LABEL") ? " k=v" : " x";
    for (const std::string& written : {kw, lower, mixed}) {
      EXPECT_EQ(Only(written + args).keyword, lower) << written;
    }
  }
}

TEST(ExecForm, JsonArrayGivesOneArgumentPerElement) {
  const Node n = Only(R"(ENTRYPOINT [ "/bin/sh" ,"-c",  "echo \"a b\"" ])");
  EXPECT_TRUE(n.json_form);
  EXPECT_EQ(n.args, (Strings{"/bin/sh", "-c", "echo \"a b\""}));
}

TEST(ExecForm, JsonEscapesAreDecoded) {
  const Node n = Only(R"(CMD ["\u00e9\ud83d\ude00", "\ud800x", "a\/b"])");
  EXPECT_EQ(n.args, (Strings{"é😀", "\uFFFDx", "a/b"}));
}

TEST(ExecForm, AppliesToEveryInstructionThatHasIt) {
  for (const char* kw : {"RUN", "CMD", "ENTRYPOINT", "SHELL", "ADD", "COPY", "VOLUME"}) {
    const Node n = Only(std::string(kw) + R"( ["a b", "c"])");
    EXPECT_TRUE(n.json_form) << kw;
    EXPECT_EQ(n.args, (Strings{"a b", "c"})) << kw;
  }
  const Node h = Only(R"(HEALTHCHECK CMD ["curl", "-f", "x"])");
  EXPECT_TRUE(h.json_form);
  EXPECT_EQ(h.args, (Strings{"CMD", "curl", "-f", "x"}));
}

TEST(ShellForm, InvalidJsonFallsBack) {
  EXPECT_EQ(Only("RUN [not json").args, Strings{"[not json"});
  EXPECT_EQ(Only(R"(CMD ["a", "b" ] trailing)").args, Strings{R"(["a", "b" ] trailing)"});
  EXPECT_EQ(Only(R"(CMD ['single'])").args, Strings{"['single']"});
  EXPECT_FALSE(Only("RUN [not json").json_form);
  // ADD/COPY/VOLUME fall back to whitespace fields, quotes and all.
  EXPECT_EQ(Only(R"(COPY ["a", b] /c)").args, (Strings{"[\"a\",", "b]", "/c"}));
}

TEST(ShellForm, KeepsSpacingAsWritten) {
  EXPECT_EQ(DumpOf("RUN   echo   a\t  b   "), "(run \"echo   a\\t  b\")\n");
}

TEST(ExecForm, EmptyArray) {
  const Node n = Only("CMD []");
  EXPECT_TRUE(n.json_form);
  EXPECT_TRUE(n.args.empty());
}

TEST(Flags, BeforeTheArgumentsOnly) {
  const Node n = Only("COPY --from=build --chown=1:1 --link src --notaflag /dst/");
  EXPECT_EQ(n.flags, (Strings{"--from=build", "--chown=1:1", "--link"}));
  EXPECT_EQ(n.args, (Strings{"src", "--notaflag", "/dst/"}));
}

TEST(Flags, DoubleDashEndsThem) {
  const Node n = Only("COPY --chmod=644 -- --odd-name /dst/");
  EXPECT_EQ(n.flags, Strings{"--chmod=644"});
  EXPECT_EQ(n.args, (Strings{"--odd-name", "/dst/"}));
  EXPECT_TRUE(Only("COPY -- a b").flags.empty());
}

TEST(Flags, QuotesRemovedAndBackslashEscapes) {
  const Node n = Only(R"(RUN --mount="type=cache,target=/a b" --x='y z' --w=a\ b echo)");
  EXPECT_EQ(n.flags, (Strings{"--mount=type=cache,target=/a b", "--x=y z", "--w=a b"}));
  EXPECT_EQ(n.args, Strings{"echo"});
}

TEST(Flags, OnAnyInstructionAndWithoutArguments) {
  EXPECT_EQ(DumpOf("RUN --network=none"), "(run [\"--network=none\"])\n");
  EXPECT_EQ(DumpOf("FROM --platform=linux/amd64 alpine AS x"),
            "(from [\"--platform=linux/amd64\"] \"alpine\" \"AS\" \"x\")\n");
}

TEST(EnvLabel, NewFormGivesTriplesWithQuotesKept) {
  EXPECT_EQ(Only(R"(ENV A=1 B="two words" C=a\ b D=)").args,
            (Strings{"A", "1", "=", "B", "\"two words\"", "=", "C", "a\\ b", "=", "D", "", "="}));
  EXPECT_EQ(Only(R"(LABEL "com.example"="x y" a='b')").args,
            (Strings{"\"com.example\"", "\"x y\"", "=", "a", "'b'", "="}));
}

TEST(EnvLabel, LegacyFormTakesTheRestOfTheLine) {
  EXPECT_EQ(Only("ENV PATH /usr/bin:/bin   and  more").args,
            (Strings{"PATH", "/usr/bin:/bin   and  more", ""}));
  EXPECT_EQ(Only("LABEL key some value").args, (Strings{"key", "some value", ""}));
}

TEST(EnvLabel, SplitsAtTheFirstEqualsSign) {
  EXPECT_EQ(Only("ENV A=b=c").args, (Strings{"A", "b=c", "="}));
}

TEST(EnvLabel, MultiLineLabel) {
  EXPECT_EQ(DumpOf("LABEL a=1 \\\n      b=\"2\""), "(label \"a\" \"1\" \"=\" \"b\" \"\\\"2\\\"\" \"=\")\n");
}

TEST(Arg, WithAndWithoutDefault) {
  EXPECT_EQ(Only("ARG NAME").args, Strings{"NAME"});
  EXPECT_EQ(Only(R"(ARG A=1 B="x y" C)").args, (Strings{"A=1", "B=\"x y\"", "C"}));
}

TEST(From, AsName) {
  EXPECT_EQ(Only("FROM busybox:1.36 AS base").args, (Strings{"busybox:1.36", "AS", "base"}));
  EXPECT_EQ(Only("from scratch as Final").args, (Strings{"scratch", "as", "Final"}));
}

TEST(StringForms, TakeTheWholeText) {
  EXPECT_EQ(Only("MAINTAINER John Doe <j@example.com>").args, Strings{"John Doe <j@example.com>"});
  EXPECT_EQ(Only("USER  1000:1000  ").args, Strings{"1000:1000"});
  EXPECT_EQ(Only("WORKDIR /a b").args, Strings{"/a b"});
  EXPECT_EQ(Only("STOPSIGNAL SIGKILL").args, Strings{"SIGKILL"});
}

TEST(Expose, Fields) { EXPECT_EQ(Only("EXPOSE 80/tcp\t 443/udp").args, (Strings{"80/tcp", "443/udp"})); }

TEST(Healthcheck, NoneAndCmd) {
  EXPECT_EQ(DumpOf("HEALTHCHECK NONE"), "(healthcheck \"NONE\")\n");
  EXPECT_EQ(DumpOf("HEALTHCHECK --interval=5s --retries=3 CMD curl -f http://x/ || exit 1"),
            "(healthcheck [\"--interval=5s\" \"--retries=3\"] \"CMD\" \"curl -f http://x/ || exit 1\")\n");
  EXPECT_EQ(DumpOf("HEALTHCHECK   CMD   a b"), "(healthcheck \"CMD\" \"a b\")\n");
  EXPECT_EQ(DumpOf("HEALTHCHECK CMD"), "(healthcheck \"CMD\")\n");
}

TEST(Onbuild, WrapsOneInstruction) {
  const Node n = Only("ONBUILD COPY --chown=1:1 . /app");
  ASSERT_TRUE(n.inner);
  EXPECT_EQ(n.inner->keyword, "copy");
  EXPECT_EQ(n.inner->flags, Strings{"--chown=1:1"});
  EXPECT_EQ(n.inner->args, (Strings{".", "/app"}));
  EXPECT_EQ(n.inner->original, "COPY --chown=1:1 . /app");
  EXPECT_TRUE(n.args.empty());
  EXPECT_EQ(DumpOf("ONBUILD RUN [\"a\", \"b\"]"), "(onbuild (run \"a\" \"b\"))\n");
}

}  // namespace
}  // namespace ubuild::parser
