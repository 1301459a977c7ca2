#include "store/go_json.h"

#include <gtest/gtest.h>

#include "tests/store/docker_fixture.h"

namespace ubuild::store {
namespace {

using testing::DockerFixture;

// Docker's configs are Go's own output, so re-encoding the value they hold
// must give them back byte for byte.
class DockerConfigBytes : public ::testing::TestWithParam<const char*> {};

TEST_P(DockerConfigBytes, EncoderGivesDockersBytes) {
  std::string docker = DockerFixture(GetParam());
  EXPECT_EQ(GoJson(nlohmann::ordered_json::parse(docker)), docker);
}

INSTANTIATE_TEST_SUITE_P(Docker2010, DockerConfigBytes,
                         ::testing::Values("config-import.json", "config-env-label.json", "config-run.json",
                                           "config-invalid-utf8.json", "config-maps.json", "config-scratch-env.json",
                                           "config-import-base.json", "config-import-child.json",
                                           "config-label-base.json", "config-label-child.json"));

TEST(GoJson, EscapesAsDockerDidForEachCharacter) {
  // The value of ENV V in Dockerfile.env-label, and what Docker stored for it.
  std::string value = "<a>&b \xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 \x01 \x7F \t tab "
                      "\xE2\x80\xA8 \xE2\x80\xA9 \x1F end";
  std::string docker = DockerFixture("config-env-label.json");
  std::string encoded = GoJson(nlohmann::ordered_json("V=" + value));
  EXPECT_EQ(encoded,
            "\"V=\\u003ca\\u003e\\u0026b \xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 \\u0001 \x7F \\t tab "
            "\\u2028 \\u2029 \\u001f end\"");
  EXPECT_NE(docker.find(encoded), std::string::npos) << "Docker wrote something else for " << encoded;
}

TEST(GoJson, InvalidUtf8BecomesReplacementCharactersAsDockerStored) {
  // Dockerfile.invalid-utf8 sets B to these bytes.
  std::string encoded = GoJson(nlohmann::ordered_json("B=x\bx\fx\xFFx\xC3x"));
  EXPECT_EQ(encoded, "\"B=x\\u0008x\\u000cx\xEF\xBF\xBDx\xEF\xBF\xBDx\"");
  EXPECT_NE(DockerFixture("config-invalid-utf8.json").find(encoded), std::string::npos);
}

TEST(GoJson, InvalidSequencesAreReplacedByteByByte) {
  // Go's utf8.DecodeRune: overlong forms, surrogates and truncated sequences
  // are invalid one byte at a time.
  EXPECT_EQ(GoJson(nlohmann::ordered_json("\xC0\xAF")), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(GoJson(nlohmann::ordered_json("\xED\xA0\x80")), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(GoJson(nlohmann::ordered_json("\xE6\x97")), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(GoJson(nlohmann::ordered_json("\xF4\x90\x80\x80")),
            "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(GoJson(nlohmann::ordered_json("\xF4\x8F\xBF\xBF")), "\"\xF4\x8F\xBF\xBF\"");
}

TEST(GoJson, InspectStyleIsDockersApiReply) {
  // `docker image inspect` prints the engine's reply indented by four spaces,
  // '<', '>', '&' unescaped; everything else escaped as in a config.
  std::string docker = DockerFixture("inspect-env-label.json");
  std::string encoded = GoJson(nlohmann::ordered_json::parse(docker), {.indent = 4, .escape_html = false}) + "\n";
  EXPECT_EQ(encoded, docker);
  EXPECT_NE(encoded.find("<a>&b"), std::string::npos);
  EXPECT_NE(encoded.find("\\u2028"), std::string::npos);
}

TEST(GoJson, EmptyContainersAndScalars) {
  nlohmann::ordered_json v = {{"a", nlohmann::ordered_json::array()}, {"b", nlohmann::ordered_json::object()},
                              {"c", nullptr}, {"d", true}, {"e", 42}};
  EXPECT_EQ(GoJson(v), R"({"a":[],"b":{},"c":null,"d":true,"e":42})");
  EXPECT_EQ(GoJson(v, {.indent = 2}), "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": null,\n  \"d\": true,\n  \"e\": 42\n}");
}

// tar-split's member names: json.Marshal of a valid UTF-8 string.
TEST(GoJsonQuote, EscapesAsMarshalDoes) {
  EXPECT_EQ(GoJsonQuote(""), "\"\"");
  EXPECT_EQ(GoJsonQuote("usr/bin/env"), "\"usr/bin/env\"");
  EXPECT_EQ(GoJsonQuote("a\"b\\c\nd\re\tf"), "\"a\\\"b\\\\c\\nd\\re\\tf\"");
  EXPECT_EQ(GoJsonQuote("<a>&b"), "\"\\u003ca\\u003e\\u0026b\"");
  EXPECT_EQ(GoJsonQuote(std::string("\x01\0\x1F\x7F", 4)), "\"\\u0001\\u0000\\u001f\x7F\"");
  EXPECT_EQ(GoJsonQuote("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  EXPECT_EQ(GoJsonQuote("\xE2\x80\xA8\xE2\x80\xA9\xE2\x80\xAA"), "\"\\u2028\\u2029\xE2\x80\xAA\"");
}

}  // namespace
}  // namespace ubuild::store
