// The template engine against what Go's text/template (with docker's
// functions) prints for the same template and data; the expected strings
// are Go's output, checked with docker 20.10's CLI where docker can show them.
#include "builder/cli/go_template.h"

#include <gtest/gtest.h>

#include "builder/cli/go_tabwriter.h"
#include "builder/cli/listing_format.h"
#include "store/base/error.h"

namespace ubuild::cli {
namespace {

using go_template::Json;

const Json kImage = Json::parse(R"({
  "Id": "sha256:9b17",
  "RepoTags": ["app:1", "app:2"],
  "RepoDigests": [],
  "Size": 1984294,
  "Config": {"Env": ["PATH=/bin", "A=1"], "Cmd": ["sh"], "Entrypoint": null, "Volumes": null,
             "Labels": {"y": "a b", "x": "1"}, "Image": "sha256:47a2"},
  "Metadata": {"LastTagTime": "2026-12-02T04:13:29.465624500Z"}
})");
const Json kHints = Json::parse(R"({
  "RepoTags": "slice", "RepoDigests": "slice", "Size": "int",
  "Config": {"Env": "slice", "Cmd": "slice", "Entrypoint": "slice", "Volumes": "map", "Labels": "map",
             "Healthcheck": {"Test": "slice"}, "StopSignal": "string", "Shell": "slice"},
  "Metadata": {"LastTagTime": "time"}
})");

std::string Render(const std::string& text, const Json& data = kImage, const Json& hints = kHints) {
  return GoTemplate(text).Execute(data, hints);
}

std::string ErrorOf(const std::string& text, const Json& data = kImage) {
  try {
    Render(text, data);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(GoTemplate, FieldsPrintAsGoPrintsThem) {
  EXPECT_EQ(Render("{{.Id}}"), "sha256:9b17");
  EXPECT_EQ(Render("{{.Config.Env}}"), "[PATH=/bin A=1]");
  EXPECT_EQ(Render("{{.Config.Labels}}"), "map[x:1 y:a b]");  // keys sorted, as fmt prints a map
  EXPECT_EQ(Render("{{.Size}}"), "1984294");
  EXPECT_EQ(Render("{{.Config.Entrypoint}}|{{.Config.Volumes}}|{{.Config.Shell}}"), "[]|map[]|[]");
  EXPECT_EQ(Render("{{.Config.Healthcheck}}|{{.Config.StopSignal}}|"), "<nil>||");
  EXPECT_EQ(Render("{{.Config.Labels.nope}}"), "<no value>");
  EXPECT_EQ(Render("{{.Metadata.LastTagTime}}"), "2026-12-02 04:13:29.4656245 +0000 UTC");
  EXPECT_EQ(Render("{{.}}", Json::parse("[1, 2.5, 1e8, true, null, \"s\"]"), nullptr), "[1 2.5 1e+08 true <nil> s]");
}

TEST(GoTemplate, JsonIsCompactAndUnescaped) {
  EXPECT_EQ(Render("{{json .Config.Env}}"), R"(["PATH=/bin","A=1"])");
  EXPECT_EQ(Render("{{json .Config.Entrypoint}}"), "null");
  EXPECT_EQ(Render("{{json .}}", Json{{"a", "<b>"}}, nullptr), R"({"a":"<b>"})");
  // A listing's row marshals itself, escaping HTML as json.Marshal does.
  EXPECT_EQ(Render("{{json .}}", Json{{"Digest", "<none>"}}, "context"), R"({"Digest":"\u003cnone\u003e"})");
}

TEST(GoTemplate, RangeIfWithAndVariables) {
  EXPECT_EQ(Render("{{range .RepoTags}}<{{.}}>{{end}}"), "<app:1><app:2>");
  EXPECT_EQ(Render("{{range $i, $t := .RepoTags}}{{$i}}={{$t}} {{end}}"), "0=app:1 1=app:2 ");
  EXPECT_EQ(Render("{{range $k, $v := .Config.Labels}}{{$k}}:{{$v}};{{end}}"), "x:1;y:a b;");
  EXPECT_EQ(Render("{{range .RepoDigests}}x{{else}}none{{end}}"), "none");
  EXPECT_EQ(Render("{{range .Config.Entrypoint}}x{{else}}nil{{end}}"), "nil");
  EXPECT_EQ(Render("{{if .RepoDigests}}a{{else if .RepoTags}}b{{else}}c{{end}}"), "b");
  EXPECT_EQ(Render("{{if not .Config.Cmd}}a{{else}}b{{end}}"), "b");
  EXPECT_EQ(Render("{{with .Config}}{{.Image}}{{end}}"), "sha256:47a2");
  EXPECT_EQ(Render("{{$id := .Id}}{{range .RepoTags}}{{$id}} {{$.Size}};{{end}}"), "sha256:9b17 1984294;sha256:9b17 1984294;");
  EXPECT_EQ(Render("a  {{- /* gone */ -}}  b\n {{- .Size}}"), "ab1984294");
}

TEST(GoTemplate, DockerFunctions) {
  EXPECT_EQ(Render("{{index .RepoTags 1}}"), "app:2");
  EXPECT_EQ(Render("{{index .Config.Labels \"x\"}}|{{index .Config.Labels \"nope\"}}|"), "1||");
  EXPECT_EQ(Render("{{join .Config.Env \",\"}}"), "PATH=/bin,A=1");
  EXPECT_EQ(Render("{{join .Config.Entrypoint \",\"}}"), "");
  EXPECT_EQ(Render("{{split .Id \":\"}}"), "[sha256 9b17]");
  EXPECT_EQ(Render("{{index (split .Id \":\") 1}}"), "9b17");
  EXPECT_EQ(Render("{{lower \"AbC\"}} {{upper .Id}} {{title \"hello wide-world\"}}"), "abc SHA256:9B17 Hello Wide-World");
  EXPECT_EQ(Render("{{.Id | upper | lower}}"), "sha256:9b17");
  EXPECT_EQ(Render("{{pad .Id 1 2}}|{{truncate .Id 6}}"), " sha256:9b17  |sha256");
  EXPECT_EQ(Render("{{println .Id}}{{print 1 2 \"x\" 3}}"), "sha256:9b17\n1 2x3");
  EXPECT_EQ(Render("{{printf \"%-8s|%3d|%q\" \"ab\" 7 \"c\"}}"), "ab      |  7|\"c\"");
  EXPECT_EQ(Render("{{len .RepoTags}} {{eq .Size 1984294}} {{ne .Id \"x\"}} {{lt 1 2}} {{ge 1.5 2}}"), "2 true true true false");
  EXPECT_EQ(Render("{{eq .Id \"a\" \"sha256:9b17\"}} {{and 1 0}} {{or 0 \"\" \"z\"}}"), "true 0 z");
}

TEST(GoTemplate, ErrorsReadAsGos) {
  EXPECT_EQ(ErrorOf("{{.Nope}}"), "template: :1:2: executing \"\" at <.Nope>: can't evaluate field Nope in type struct");
  EXPECT_EQ(ErrorOf("{{index .RepoTags 5}}"),
            "template: :1:2: executing \"\" at <index .RepoTags 5>: error calling index: index out of range: 5");
  EXPECT_EQ(ErrorOf("{{lower .Size}}"),
            "template: :1:2: executing \"\" at <lower .Size>: error calling lower: wrong type for value; expected "
            "string; got int64");
  EXPECT_THROW(GoTemplate("{{nosuch .Id}}"), Error);
  EXPECT_EQ(ErrorOf("x\n{{nosuch .Id}}"), "template: :2: function \"nosuch\" not defined");
  EXPECT_EQ(ErrorOf("{{.Id"), "template: :1: unclosed action");
  EXPECT_EQ(ErrorOf("{{if .Id}}x"), "template: :1: unexpected EOF");
  EXPECT_EQ(ErrorOf("{{end}}"), "template: :1: unexpected {{end}}");
  EXPECT_EQ(ErrorOf("{{template \"x\"}}"),
            "template: :1: {{template}} is not supported by ubuild's templates (README: Output formats)");
  EXPECT_EQ(ErrorOf("{{html .Id}}"),
            "template: :1: function \"html\" is not supported by ubuild's templates (README: Output formats)");
  EXPECT_EQ(ErrorOf("{{range .Config}}x{{end}}"),
            "template: :1:8: executing \"\" at <.Config>: range can't iterate over map[Cmd:[sh] Entrypoint:[] Env:[PATH=/bin "
            "A=1] Image:sha256:47a2 Labels:map[x:1 y:a b] Volumes:map[]]");
  EXPECT_EQ(ErrorOf("{{.Id 1}}"), "template: :1:2: executing \"\" at <.Id 1>: can't give argument to non-function .Id 1");
}

TEST(GoTabwriter, AlignsAsDockersTables) {
  // Columns: the widest cell plus 3, at least 10; the last cell unpadded.
  EXPECT_EQ(GoTabwriterAlign("A\tBB\tC\nlonger cell\tx\ty\n"),
            "A" + std::string(13, ' ') + "BB" + std::string(8, ' ') + "C\nlonger cell   x" + std::string(9, ' ') + "y\n");
  // A line with fewer cells ends the block of the column it lacks.
  EXPECT_EQ(GoTabwriterAlign("a\tb\nno tabs\nccccccccccccc\td\n"), "a" + std::string(9, ' ') + "b\nno tabs\nccccccccccccc   d\n");
  EXPECT_EQ(GoTabwriterAlign("é\tx\n"), "é" + std::string(9, ' ') + "x\n");  // runes, not bytes
}

TEST(ListingFormat, TableHeadersComeFromTheSameTemplate) {
  std::vector<Json> rows = {{{"ID", "abc"}, {"Tag", "v1"}}, {{"ID", "abcdef"}, {"Tag", "latest"}}};
  Json titles = {{"ID", "IMAGE ID"}, {"Tag", "TAG"}};
  EXPECT_EQ(ListingFormat("table {{.ID}}\\t{{upper .Tag}}", "").Render(rows, titles),
            "IMAGE ID   TAG\nabc        V1\nabcdef     LATEST\n");
  EXPECT_EQ(ListingFormat(" {{.ID}}:{{.Tag}} ", "").Render(rows, titles), "abc:v1\nabcdef:latest\n");
  EXPECT_EQ(ListingFormat("table", "table {{.Tag}}").Render(rows, titles), "TAG\nv1\nlatest\n");
  EXPECT_EQ(ListingFormat("table {{.ID}}", "").Render({}, titles), "IMAGE ID\n");
  try {
    ListingFormat("{{.ID", "");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "template parsing error: template: :1: unclosed action");
  }
}

}  // namespace
}  // namespace ubuild::cli
