#include "builder/cli/build_flag_values.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include "builder/cli/commands.h"

namespace ubuild::cli {
namespace {

// The message names the flag, so a script's author sees which value was bad.
template <typename F>
std::string UsageMessage(F f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ParseByteSize, TakesDockersUnitsInAnyCase) {
  EXPECT_EQ(ParseByteSize("shm-size", "64m"), 64 << 20);
  EXPECT_EQ(ParseByteSize("shm-size", "64MB"), 64 << 20);
  EXPECT_EQ(ParseByteSize("shm-size", "1g"), int64_t{1} << 30);
  EXPECT_EQ(ParseByteSize("shm-size", "512"), 512);
  EXPECT_EQ(ParseByteSize("shm-size", "2k"), 2048);
}

TEST(ParseByteSize, RefusesOtherUnitsNamingTheFlag) {
  EXPECT_EQ(UsageMessage([] { ParseByteSize("shm-size", "12q"); }), "--shm-size 12q: want a size such as 512m or 2g");
  EXPECT_EQ(UsageMessage([] { ParseByteSize("memory", "m"); }), "--memory m: want a size such as 512m or 2g");
  EXPECT_NE(UsageMessage([] { ParseByteSize("shm-size", "9000000000p"); }).find("too large"), std::string::npos);
}

TEST(ParseAddHost, SplitsAtTheFirstColonSoIpv6Stays) {
  builder::ExtraHost h = ParseAddHost("db:10.0.0.5");
  EXPECT_EQ(h.name, "db");
  EXPECT_EQ(h.address, "10.0.0.5");
  h = ParseAddHost("v6:2001:db8::1");
  EXPECT_EQ(h.name, "v6");
  EXPECT_EQ(h.address, "2001:db8::1");
  EXPECT_EQ(ParseAddHost("eq=10.0.0.6").address, "10.0.0.6");
  EXPECT_EQ(ParseAddHost("gw:host-gateway").address, "host-gateway");
  EXPECT_EQ(ParseAddHost("br:[::1]").address, "::1");
}

TEST(ParseAddHost, RefusesAMissingNameOrABadAddress) {
  EXPECT_EQ(UsageMessage([] { ParseAddHost("db"); }), "--add-host db: want NAME:ADDRESS (e.g. db:10.0.0.5)");
  EXPECT_EQ(UsageMessage([] { ParseAddHost(":10.0.0.1"); }), "--add-host :10.0.0.1: want NAME:ADDRESS (e.g. db:10.0.0.5)");
  EXPECT_EQ(UsageMessage([] { ParseAddHost("db:1.2.3"); }), "--add-host db:1.2.3: 1.2.3 is not an IP address (nor host-gateway)");
}

TEST(ParseUlimit, SoftAloneIsAlsoTheHardLimit) {
  builder::RunUlimit u = ParseUlimit("nofile=1024:2048");
  EXPECT_EQ(u.resource, RLIMIT_NOFILE);
  EXPECT_EQ(u.soft, 1024u);
  EXPECT_EQ(u.hard, 2048u);
  u = ParseUlimit("nproc=50");
  EXPECT_EQ(u.resource, RLIMIT_NPROC);
  EXPECT_EQ(u.soft, 50u);
  EXPECT_EQ(u.hard, 50u);
  u = ParseUlimit("core=-1");
  EXPECT_EQ(u.soft, RLIM_INFINITY);
  EXPECT_EQ(u.hard, RLIM_INFINITY);
}

TEST(ParseUlimit, RefusesUnknownNamesBadNumbersAndSoftAboveHard) {
  EXPECT_NE(UsageMessage([] { ParseUlimit("files=1"); }).find("--ulimit files=1: unknown limit files (one of core"),
            std::string::npos);
  EXPECT_EQ(UsageMessage([] { ParseUlimit("nofile"); }), "--ulimit nofile: want NAME=SOFT[:HARD] (e.g. nofile=1024:2048)");
  EXPECT_EQ(UsageMessage([] { ParseUlimit("nofile=x"); }), "--ulimit nofile=x: want numbers, SOFT[:HARD] (-1: unlimited)");
  EXPECT_EQ(UsageMessage([] { ParseUlimit("nofile=3:2"); }),
            "--ulimit nofile=3:2: the soft limit must not exceed the hard limit");
  EXPECT_EQ(UsageMessage([] { ParseUlimit("nofile=-1:2"); }),
            "--ulimit nofile=-1:2: the soft limit must not exceed the hard limit");
}

TEST(ParseOutput, ReadsEachTypeAndTheShorthands) {
  OutputSpec o = ParseOutput("type=local,dest=out");
  EXPECT_EQ(o.type, OutputSpec::Type::kLocal);
  EXPECT_EQ(o.dest, "out");
  EXPECT_EQ(ParseOutput("type=tar,dest=fs.tar").type, OutputSpec::Type::kTar);
  o = ParseOutput("type=docker,dest=img.tar,name=app:1");
  EXPECT_EQ(o.type, OutputSpec::Type::kDocker);
  EXPECT_EQ(o.name, "app:1");
  EXPECT_EQ(ParseOutput("dest=x.tar,type=oci").type, OutputSpec::Type::kOci);
  o = ParseOutput("some/dir");
  EXPECT_EQ(o.type, OutputSpec::Type::kLocal);
  EXPECT_EQ(o.dest, "some/dir");
  o = ParseOutput("-");
  EXPECT_EQ(o.type, OutputSpec::Type::kTar);
  EXPECT_EQ(o.dest, "-");
}

TEST(ParseOutput, RefusesUnknownTypesKeysAndAMissingDest) {
  EXPECT_EQ(UsageMessage([] { ParseOutput("type=registry,dest=x"); }),
            "--output type=registry,dest=x: type registry: ubuild writes type=local, tar, docker or oci");
  EXPECT_EQ(UsageMessage([] { ParseOutput("type=tar"); }), "--output type=tar: dest=PATH is missing");
  EXPECT_EQ(UsageMessage([] { ParseOutput("type=tar,dest=x,push=true"); }),
            "--output type=tar,dest=x,push=true: ubuild knows the keys type, dest and name, not push");
  EXPECT_EQ(UsageMessage([] { ParseOutput("type=local,dest=-"); }),
            "--output type=local,dest=-: type=local needs a directory, not standard output");
  EXPECT_EQ(UsageMessage([] { ParseOutput("type=tar,dest"); }), "--output type=tar,dest: dest is not KEY=VALUE");
}

TEST(ParseBuildContext, TakesAnImageOrADirectory) {
  auto [name, c] = ParseBuildContext("base=docker-image://busybox:1.36");
  EXPECT_EQ(name, "base");
  EXPECT_TRUE(c.is_image);
  EXPECT_EQ(c.image, "busybox:1.36");
  auto [dir_name, d] = ParseBuildContext("files=.");
  EXPECT_EQ(dir_name, "files");
  EXPECT_FALSE(d.is_image);
  EXPECT_EQ(d.dir, std::filesystem::absolute("."));
}

TEST(ParseBuildContext, RefusesOtherSourcesAndBadNames) {
  EXPECT_EQ(UsageMessage([] { ParseBuildContext("base"); }), "--build-context base: want NAME=DIR or NAME=docker-image://REF");
  EXPECT_EQ(UsageMessage([] { ParseBuildContext("Base=."); }),
            "--build-context Base=.: the name Base may hold only lower-case letters, digits, '.', '_', '-' and '/'");
  EXPECT_EQ(UsageMessage([] { ParseBuildContext("x=oci-layout:///srv/l"); }),
            "--build-context x=oci-layout:///srv/l: ubuild takes a directory or docker-image://REF, not oci-layout://");
  EXPECT_EQ(UsageMessage([] { ParseBuildContext("x=target:build"); }),
            "--build-context x=target:build: ubuild takes a directory or docker-image://REF, not target:");
  EXPECT_EQ(UsageMessage([] { ParseBuildContext("x=/nonexistent/dir"); }),
            "--build-context x=/nonexistent/dir: /nonexistent/dir is not a directory");
}

}  // namespace
}  // namespace ubuild::cli
