// Dispatch and the build cache without root: whole builds through
// builder::Build on a temporary store, with mounts and processes faked
// (fake_step_runtime.h) and everything else real — cache keys, configs,
// history, layer commits and image records.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "builder/build.h"
#include "store/base/error.h"
#include "store/image_config.h"
#include "store/store.h"
#include "tests/builder/copy/copy_test_tree.h"
#include "tests/builder/fake_step_runtime.h"

namespace ubuild::builder {
namespace {

namespace fs = std::filesystem;
using testing::FakeStepRuntime;
using testing::TempDir;
using testing::WriteFile;

// COPY makes context files root's; as our own user that needs no privilege.
std::string OwnChown() { return "--chown=" + std::to_string(geteuid()) + ":" + std::to_string(getegid()); }

class DispatchTest : public ::testing::Test {
 protected:
  struct Built {
    store::Digest id;
    std::vector<bool> cached;  // per step after FROM: did it hit the cache?
    store::ImageConfig config;
    std::string log;
  };

  Built BuildText(const std::string& dockerfile, std::map<std::string, std::string> build_args = {},
                  bool no_cache = false, std::map<std::string, std::string> labels = {}) {
    WriteFile(context_ / "Dockerfile", dockerfile);
    BuildOptions options;
    options.context = context_;
    options.build_args = std::move(build_args);
    options.build_args.emplace("SOURCE_DATE_EPOCH", "0");  // same bytes, same ids, build after build
    options.no_cache = no_cache;
    options.labels = std::move(labels);
    options.progress = Progress::kPlain;
    options.network = network_;
    options.run_limits = run_limits_;
    std::ostringstream log;
    store::Digest id = Build(options, store_, runtime_, log);
    return Built{id, CachedSteps(log.str()), Config(id), log.str()};
  }

  // The authors of the history entries, oldest first.
  static std::vector<std::string> HistoryAuthors(const store::ImageConfig& config) {
    std::vector<std::string> authors;
    for (const store::HistoryEntry& h : config.history()) authors.push_back(h.author);
    return authors;
  }

  store::ImageConfig Config(const store::Digest& id) {
    return store::ImageConfig::Parse(store_.images().GetConfig(id), id.str());
  }

  // "Step N/M : ..." lines, each followed by " ---> Using cache" on a hit.
  static std::vector<bool> CachedSteps(const std::string& log) {
    std::vector<bool> cached;
    std::istringstream in(log);
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
      if (line.rfind("Step ", 0) == 0) {
        if (!first) cached.push_back(false);
        first = false;
      } else if (line == " ---> Using cache" && !cached.empty()) {
        cached.back() = true;
      }
    }
    return cached;
  }

  // Every file under the store root with its content: what a failed step must not change.
  std::map<std::string, std::string> StoreFiles() const {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root_)) {
      std::string rel = fs::relative(e.path(), root_).string();
      if (e.is_symlink()) {
        files[rel] = "-> " + fs::read_symlink(e.path()).string();
      } else if (e.is_regular_file()) {
        std::ifstream f(e.path(), std::ios::binary);
        files[rel] = std::string(std::istreambuf_iterator<char>(f), {});
      } else {
        files[rel] = "<dir>";
      }
    }
    return files;
  }

  TempDir tmp_;
  fs::path context_ = tmp_.path() / "context";
  fs::path root_ = tmp_.path() / "root";
  store::Store store_ = store::Store::Open(root_, store::Store::Mode::kWrite);
  FakeStepRuntime runtime_;
  RunNetwork network_ = RunNetwork::kDefault;
  RunLimits run_limits_;
};

std::string CacheDockerfile(const std::string& run = "make") {
  return "FROM scratch\n"
         "ARG V=1\n"
         "ENV A=1\n"
         "COPY " + OwnChown() + " f /f\n"
         "RUN " + run + "\n"
         "WORKDIR /w\n"
         "LABEL x=y\n";
}

TEST_F(DispatchTest, SecondBuildTakesEveryStepFromTheCache) {
  WriteFile(context_ / "f", "one");
  Built first = BuildText(CacheDockerfile());
  EXPECT_EQ(first.cached, std::vector<bool>(6, false));
  ASSERT_EQ(runtime_.runs.size(), 1u);

  Built second = BuildText(CacheDockerfile());
  EXPECT_EQ(second.cached, std::vector<bool>(6, true));
  EXPECT_EQ(runtime_.runs.size(), 1u) << "a cached RUN must not run";
  EXPECT_EQ(second.id, first.id);
}

TEST_F(DispatchTest, ChangedBuildArgMissesFromTheRunThatSeesIt) {
  WriteFile(context_ / "f", "one");
  BuildText(CacheDockerfile());
  Built changed = BuildText(CacheDockerfile(), {{"V", "2"}});
  // ARG's own text ("ARG V=1") does not carry the value; RUN's does.
  EXPECT_EQ(changed.cached, (std::vector<bool>{true, true, true, false, false, false}));
  ASSERT_EQ(runtime_.runs.size(), 2u);
  const std::vector<std::string>& env = runtime_.runs[1].env;
  EXPECT_NE(std::find(env.begin(), env.end(), "V=2"), env.end());
  EXPECT_EQ(changed.config.history().at(3).created_by, "|1 V=2 /bin/sh -c make");
}

TEST_F(DispatchTest, ChangedRunTextMissesFromThatStep) {
  WriteFile(context_ / "f", "one");
  BuildText(CacheDockerfile("make"));
  Built changed = BuildText(CacheDockerfile("make all"));
  EXPECT_EQ(changed.cached, (std::vector<bool>{true, true, true, false, false, false}));
}

TEST_F(DispatchTest, ChangedCopySourceMissesFromTheCopy) {
  WriteFile(context_ / "f", "one");
  Built first = BuildText(CacheDockerfile());
  WriteFile(context_ / "f", "two");
  Built changed = BuildText(CacheDockerfile());
  EXPECT_EQ(changed.cached, (std::vector<bool>{true, true, false, false, false, false}));
  EXPECT_NE(changed.config.diff_ids().at(0), first.config.diff_ids().at(0));
}

TEST_F(DispatchTest, CachedImageMissingItsLayerIsRebuiltOnTheStageImage) {
  Built first = BuildText("FROM scratch\nENV A=1\nRUN make\nLABEL x=y\n");
  std::optional<store::Digest> top = store::TopChainId(first.config);
  ASSERT_TRUE(top.has_value());
  store_.layers().Remove(*top);
  Built again = BuildText("FROM scratch\nENV A=1\nRUN make\nLABEL x=y\n");
  EXPECT_EQ(again.cached, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(runtime_.runs.size(), 2u);
  // The RUN went on ENV's image (no layers), not on the broken cached one.
  EXPECT_TRUE(runtime_.lowers.at(1).empty());
  EXPECT_EQ(again.id, first.id);
  EXPECT_TRUE(store_.layers().Exists(*top));
}

TEST_F(DispatchTest, NoCacheRebuildsEveryStepToTheSameImage) {
  WriteFile(context_ / "f", "one");
  Built first = BuildText(CacheDockerfile());
  Built again = BuildText(CacheDockerfile(), {}, /*no_cache=*/true);
  EXPECT_EQ(again.cached, std::vector<bool>(6, false));
  EXPECT_EQ(runtime_.runs.size(), 2u);
  EXPECT_EQ(again.id, first.id);
}

TEST_F(DispatchTest, ConfigInstructionsEditTheConfigAndRecordEmptyLayers) {
  Built b = BuildText(
      "FROM scratch\n"
      "MAINTAINER me <me@example.com>\n"
      "ENV A=1 B=\"two words\"\n"
      "LABEL l=v \"k 2\"=w\n"
      "CMD [\"run\", \"me\"]\n"
      "ENTRYPOINT [\"/ep\"]\n"
      "USER app\n"
      "EXPOSE 80 53/udp 8000-8001\n"
      "VOLUME [\"/data\"]\n"
      "STOPSIGNAL SIGTERM\n"
      "HEALTHCHECK --interval=5s --retries=3 CMD [\"check\"]\n"
      "HEALTHCHECK --timeout=2s CMD check2\n"
      "SHELL [\"/bin/bash\", \"-c\"]\n"
      "ONBUILD RUN echo child\n"
      "ARG V=1\n"
      "WORKDIR /w\n");
  const store::Json& c = b.config.config();
  EXPECT_EQ(b.config.author, "me <me@example.com>");
  EXPECT_EQ(c["Env"], store::Json::parse(
                          R"(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","A=1","B=two words"])"));
  EXPECT_EQ(c["Labels"], store::Json::parse(R"({"k 2":"w","l":"v"})"));
  EXPECT_EQ(c["Cmd"], store::Json::parse(R"(["run","me"])")) << "ENTRYPOINT keeps a CMD of the same stage";
  EXPECT_EQ(c["Entrypoint"], store::Json::parse(R"(["/ep"])"));
  EXPECT_EQ(c["User"], "app");
  EXPECT_EQ(c["ExposedPorts"], store::Json::parse(R"({"53/udp":{},"80/tcp":{},"8000/tcp":{},"8001/tcp":{}})"));
  EXPECT_EQ(c["Volumes"], store::Json::parse(R"({"/data":{}})"));
  EXPECT_EQ(c["StopSignal"], "SIGTERM");
  // The second HEALTHCHECK keeps the first one's interval and retries.
  EXPECT_EQ(c["Healthcheck"],
            store::Json::parse(R"({"Test":["CMD-SHELL","check2"],"Interval":5000000000,"Timeout":2000000000,"Retries":3})"));
  EXPECT_EQ(c["Shell"], store::Json::parse(R"(["/bin/bash","-c"])"));
  EXPECT_EQ(c["OnBuild"], store::Json::parse(R"(["RUN echo child"])"));
  EXPECT_EQ(c["WorkingDir"], "/w");
  EXPECT_TRUE(runtime_.runs.empty()) << "ONBUILD RUN runs in a child, not here";

  const std::vector<std::pair<std::string, bool>> want = {
      {"/bin/sh -c #(nop)  MAINTAINER me <me@example.com>", true},
      {"/bin/sh -c #(nop)  ENV A=1 B=two words", true},
      {"/bin/sh -c #(nop)  LABEL l=v k 2=w", true},
      {"/bin/sh -c #(nop)  CMD [\"run\" \"me\"]", true},
      {"/bin/sh -c #(nop)  ENTRYPOINT [\"/ep\"]", true},
      {"/bin/sh -c #(nop)  USER app", true},
      {"/bin/sh -c #(nop)  EXPOSE 53/udp 80 8000-8001", true},
      {"/bin/sh -c #(nop)  VOLUME [/data]", true},
      {"/bin/sh -c #(nop)  STOPSIGNAL SIGTERM", true},
      {"/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD\" \"check\"] \"5s\" \"0s\" \"0s\" '\\x03'}", true},
      {"/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD-SHELL\" \"check2\"] \"0s\" \"2s\" \"0s\" '\\x00'}", true},
      {"/bin/bash -c #(nop)  SHELL [/bin/bash -c]", true},
      {"/bin/bash -c #(nop)  ONBUILD RUN echo child", true},
      {"/bin/bash -c #(nop)  ARG V=1", true},
      {"/bin/bash -c #(nop) WORKDIR /w", false},  // WORKDIR makes the directory: a layer
  };
  ASSERT_EQ(b.config.history().size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(b.config.history()[i].created_by, want[i].first) << "step " << i + 1;
    EXPECT_EQ(b.config.history()[i].empty_layer, want[i].second) << "step " << i + 1;
    // Docker stamps the author on MAINTAINER's own entry and every one after.
    EXPECT_EQ(b.config.history()[i].author, "me <me@example.com>") << "step " << i + 1;
  }
  ASSERT_EQ(b.config.diff_ids().size(), 1u);
}

TEST_F(DispatchTest, AuthorIsWhatThisStagesMaintainerSet) {
  Built base = BuildText("FROM scratch\nMAINTAINER me\n");
  store_.refs().Tag("authbase", base.id);
  ASSERT_EQ(base.config.author, "me");

  // Docker 20.10 starts each stage without an author: the base's stays on
  // the base's own history entries only.
  Built child = BuildText("FROM authbase\nENV A=1\n");
  EXPECT_EQ(child.config.author, "");
  EXPECT_EQ(HistoryAuthors(child.config), (std::vector<std::string>{"me", ""}));

  Built stages = BuildText(
      "FROM scratch AS s1\n"
      "MAINTAINER me\n"
      "ENV X=1\n"
      "FROM s1\n"
      "ENV A=1\n"
      "MAINTAINER you\n"
      "ENV B=2\n");
  EXPECT_EQ(stages.config.author, "you");
  EXPECT_EQ(HistoryAuthors(stages.config), (std::vector<std::string>{"me", "me", "", "you", "you"}));
}

TEST_F(DispatchTest, EachLabelFlagIsALabelStepInKeyOrder) {
  Built b = BuildText("FROM scratch AS s1\nENV X=1\nFROM s1\nENV A=1\n", {}, false,
                      {{"q", "cli"}, {"b", "cli"}, {"c", "cli2"}, {"a", "c d"}, {"k", "\"v\" $X"}, {"f", ""}});
  // As Docker 20.10 logs and records them: key=value as given, unquoted and
  // unexpanded, one step each, sorted by key.
  const std::vector<std::string> want = {"LABEL a=c d", "LABEL b=cli", "LABEL c=cli2",
                                         "LABEL f=",    "LABEL k=\"v\" $X", "LABEL q=cli"};
  const auto& h = b.config.history();
  ASSERT_EQ(h.size(), 2 + want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(h[2 + i].created_by, "/bin/sh -c #(nop)  " + want[i]);
    EXPECT_TRUE(h[2 + i].empty_layer);
    const std::string line = "Step " + std::to_string(5 + i) + "/10 : " + want[i] + "\n";
    EXPECT_NE(b.log.find(line), std::string::npos) << line << "in\n" << b.log;
  }
  EXPECT_EQ(b.config.config()["Labels"],
            store::Json::parse(R"({"a":"c d","b":"cli","c":"cli2","f":"","k":"\"v\" $X","q":"cli"})"));
}

TEST_F(DispatchTest, EntrypointDropsAnInheritedCmd) {
  Built b = BuildText(
      "FROM scratch AS base\n"
      "CMD [\"old\"]\n"
      "FROM base\n"
      "ENTRYPOINT [\"/ep\"]\n");
  EXPECT_TRUE(b.config.config()["Cmd"].is_null());
  EXPECT_EQ(b.config.config()["Entrypoint"], store::Json::parse(R"(["/ep"])"));
}

TEST_F(DispatchTest, RunMakesALayerOnlyWhenItChangesFiles) {
  runtime_.on_run = [](const RunSpec& spec) {
    if (spec.argv.back() == "write") std::ofstream(spec.rootfs / "out") << "x";
    return 0;
  };
  Built b = BuildText("FROM scratch\nRUN write\nRUN nothing\n");
  ASSERT_EQ(b.config.history().size(), 2u);
  EXPECT_EQ(b.config.history()[0].created_by, "/bin/sh -c write");
  EXPECT_FALSE(b.config.history()[0].empty_layer);
  EXPECT_EQ(b.config.history()[1].created_by, "/bin/sh -c nothing");
  EXPECT_TRUE(b.config.history()[1].empty_layer);
  ASSERT_EQ(b.config.diff_ids().size(), 1u);
  std::optional<store::Digest> top = store::TopChainId(b.config);
  ASSERT_TRUE(top.has_value());
  std::optional<store::Layer> layer = store_.layers().Get(*top);
  ASSERT_TRUE(layer.has_value());
  EXPECT_TRUE(fs::exists(layer->diff_dir / "out"));
  // The second RUN stacked on the first one's layer.
  ASSERT_EQ(runtime_.lowers.size(), 2u);
  EXPECT_TRUE(runtime_.lowers[0].empty());
  EXPECT_EQ(runtime_.lowers[1].size(), 1u);
}

TEST_F(DispatchTest, OnbuildTriggersRunInTheChildAndLeaveItsConfig) {
  Built parent = BuildText("FROM scratch\nONBUILD ENV T=1\nONBUILD RUN echo child\n");
  store_.refs().Tag("parent", parent.id);
  Built child = BuildText("FROM parent\nLABEL c=1\n");
  EXPECT_TRUE(child.config.config()["OnBuild"].is_null());
  EXPECT_EQ(child.config.GetEnv("T"), "1");
  ASSERT_EQ(runtime_.runs.size(), 1u);
  EXPECT_EQ(runtime_.runs[0].argv, (std::vector<std::string>{"/bin/sh", "-c", "echo child"}));
  const auto& h = child.config.history();
  ASSERT_EQ(h.size(), 5u);
  EXPECT_EQ(h[2].created_by, "/bin/sh -c #(nop)  ENV T=1");
  EXPECT_EQ(h[3].created_by, "/bin/sh -c echo child");
  EXPECT_EQ(h[4].created_by, "/bin/sh -c #(nop)  LABEL c=1");
}

TEST_F(DispatchTest, FailedRunRegistersNothing) {
  const std::string prefix = "FROM scratch\nENV A=1\nRUN ok\n";
  BuildText(prefix);
  const std::map<std::string, std::string> before = StoreFiles();
  const std::vector<store::Digest> images = store_.images().List();

  runtime_.on_run = [](const RunSpec& spec) {
    std::ofstream(spec.rootfs / "half-done") << "x";  // a failed command may still have written
    return 1;
  };
  try {
    BuildText(prefix + "RUN fail\n");
    FAIL() << "the build succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "Dockerfile:4: The command '/bin/sh -c fail' returned a non-zero code: 1");
  }
  EXPECT_EQ(runtime_.runs.size(), 2u) << "ok ran once (then cached), fail once";
  EXPECT_EQ(store_.images().List(), images);
  EXPECT_EQ(StoreFiles(), before);
}

// The build's --network and limits reach every RUN; RUN --network=none
// narrows one RUN, --network=default keeps the build's.
TEST_F(DispatchTest, RunGetsTheBuildsNetworkAndLimits) {
  network_ = RunNetwork::kHost;
  run_limits_ = RunLimits{64 << 20, 50};
  BuildText("FROM scratch\nRUN a\nRUN --network=none b\nRUN --network=default c\nRUN --network=host d\n");
  ASSERT_EQ(runtime_.runs.size(), 4u);
  EXPECT_EQ(runtime_.runs[0].network, RunNetwork::kHost);
  EXPECT_EQ(runtime_.runs[1].network, RunNetwork::kNone);
  EXPECT_EQ(runtime_.runs[2].network, RunNetwork::kHost);
  EXPECT_EQ(runtime_.runs[3].network, RunNetwork::kHost);
  for (const RunSpec& run : runtime_.runs) {
    EXPECT_EQ(run.limits.memory_bytes, 64 << 20);
    EXPECT_EQ(run.limits.pids, 50);
  }
}

// A Dockerfile cannot lift the sandbox by itself: RUN --network=host needs
// the build's --network host (BuildKit wants --allow network.host).
TEST_F(DispatchTest, RunNetworkHostNeedsTheBuildsConsent) {
  try {
    BuildText("FROM scratch\nRUN --network=host x\n");
    FAIL() << "the build succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "Dockerfile:2: RUN --network=host needs the build's consent: ubuild build --network host");
  }
  EXPECT_TRUE(runtime_.runs.empty());
  BuildText("FROM scratch\nRUN y\n");
  ASSERT_EQ(runtime_.runs.size(), 1u);
  EXPECT_EQ(runtime_.runs[0].network, RunNetwork::kDefault);
}

}  // namespace
}  // namespace ubuild::builder
