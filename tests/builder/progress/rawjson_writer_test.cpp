// rawjson: every line one JSON object in BuildKit's SolveStatus shape.
#include "builder/progress/rawjson_writer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "store/base64.h"

namespace ubuild::progress {
namespace {

class Lines : public Terminal {
 public:
  void Write(std::string_view bytes) override { text += bytes; }
  int Width() const override { return 80; }
  std::vector<store::Json> Parsed() const {
    std::vector<store::Json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(store::Json::parse(line));
    return out;
  }
  std::string text;
};

TEST(RawJsonWriter, StepsOutputAndBytes) {
  Lines out;
  RawJsonWriter w(out, [] { return std::string("2026-01-02T03:04:05Z"); });
  w.Step(1, 2, "FROM busybox");
  w.StepDone("sha256:aa");
  w.Step(2, 2, "RUN echo hi");
  w.RunOutputLine("hi");
  {
    ProgressTask t(&w, "committing layer");
    t.Add(5);
  }
  w.StepFailed("boom");
  w.Stop();
  std::vector<store::Json> lines = out.Parsed();
  ASSERT_GE(lines.size(), 6u);
  EXPECT_EQ(lines[0]["vertexes"][0]["name"], "[1/2] FROM busybox");
  EXPECT_EQ(lines[0]["vertexes"][0]["started"], "2026-01-02T03:04:05Z");
  EXPECT_FALSE(lines[0]["vertexes"][0].contains("completed"));
  EXPECT_EQ(lines[1]["vertexes"][0]["completed"], "2026-01-02T03:04:05Z");
  const std::string run = lines[2]["vertexes"][0]["digest"];
  EXPECT_EQ(run.rfind("sha256:", 0), 0u);
  EXPECT_EQ(lines[3]["logs"][0]["vertex"], run);
  EXPECT_EQ(store::Base64Decode(lines[3]["logs"][0]["data"].get<std::string>()), "hi\n");
  EXPECT_EQ(lines[4]["statuses"][0]["vertex"], run);
  EXPECT_EQ(lines[4]["statuses"][0]["current"], 0);
  EXPECT_EQ(lines[5]["statuses"][0]["current"], 5);
  EXPECT_TRUE(lines[5]["statuses"][0].contains("completed"));
  EXPECT_EQ(lines[6]["vertexes"][0]["error"], "boom");
}

TEST(RawJsonWriter, ATaskOnItsOwnIsItsVertex) {
  Lines out;
  RawJsonWriter w(out, [] { return std::string("t"); });
  {
    ProgressTask t(&w, "reading app.tar", 10);
    t.Add(4);
    w.Sample();
    w.Sample();  // nothing moved: no line
    t.Add(6);
  }
  w.Stop();
  std::vector<store::Json> lines = out.Parsed();
  ASSERT_EQ(lines.size(), 4u);
  const std::string v = lines[0]["vertexes"][0]["digest"];
  EXPECT_EQ(lines[1]["statuses"][0]["vertex"], v);
  EXPECT_EQ(lines[2]["statuses"][0]["current"], 4);
  EXPECT_EQ(lines[2]["statuses"][0]["total"], 10);
  EXPECT_EQ(lines[3]["statuses"][0]["current"], 10);
  EXPECT_EQ(lines[3]["vertexes"][0]["completed"], "t");
}

}  // namespace
}  // namespace ubuild::progress
