// ExecuteCopy against what Docker 20.10's classic builder left in its layers
// for the same COPY/ADD instructions (owners, modes, mtimes, links, created
// directories), plus the escape cases.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "builder/copy/copy_step.h"
#include "copy_test_tree.h"
#include "store/base/error.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {

using testing::Lstat;
using testing::MakeDir;
using testing::ReadFile;
using testing::Symlink;
using testing::TempDir;
using testing::WriteFile;

class CopyStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UBUILD_SKIP_UNLESS_ROOT("chown of context files to another user and of copies to 0:0");
    ctx_ = dir_.path() / "ctx";
    root_ = dir_.path() / "rootfs";
    testing::MakeDockerVectorContext(ctx_);
    // Context files owned by someone else must still land as 0:0.
    ASSERT_EQ(lchown((ctx_ / "a.txt").c_str(), 1000, 1000), 0);
    ASSERT_EQ(lchown((ctx_ / "d/f1").c_str(), 1000, 1000), 0);
    struct timespec times[2] = {{1577836800, 0}, {1577836800, 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, (ctx_ / "a.txt").c_str(), times, 0), 0);
    MakeDir(root_ / "etc");
    WriteFile(root_ / "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nbob:x:1001:1002::/home/bob:/bin/sh\n");
    WriteFile(root_ / "etc/group", "root:x:0:\nbob:x:1002:\nstaff:x:50:bob\n");
  }

  CopySpec Spec(std::vector<std::string> sources, std::string dest) {
    CopySpec spec;
    spec.sources = std::move(sources);
    spec.dest = std::move(dest);
    spec.source_root = ctx_;
    spec.ignore = &ignore_;
    return spec;
  }

  std::string Fails(const CopySpec& spec) {
    try {
      ExecuteCopy(spec, root_);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  }

  TempDir dir_;
  std::filesystem::path ctx_, root_;
  DockerIgnore ignore_;
};

void ExpectOwnerMode(const std::filesystem::path& p, uid_t uid, gid_t gid, mode_t mode) {
  struct stat st = Lstat(p);
  EXPECT_EQ(st.st_uid, uid) << p;
  EXPECT_EQ(st.st_gid, gid) << p;
  EXPECT_EQ(st.st_mode & 07777, mode) << p;
}

TEST_F(CopyStepTest, SingleFileKeepsModeAndMtimeAndBecomesRoot) {
  ExecuteCopy(Spec({"a.txt"}, "/"), root_);
  ExpectOwnerMode(root_ / "a.txt", 0, 0, 0644);
  EXPECT_EQ(ReadFile(root_ / "a.txt"), "hello\n");
  EXPECT_EQ(Lstat(root_ / "a.txt").st_mtim.tv_sec, 1577836800);
  ExecuteCopy(Spec({"run.sh"}, "/bin/"), root_);
  ExpectOwnerMode(root_ / "bin", 0, 0, 0755);
  ExpectOwnerMode(root_ / "bin/run.sh", 0, 0, 0755);
}

TEST_F(CopyStepTest, DirectoryContentsWithLinksAndModes) {
  ExecuteCopy(Spec({"d"}, "/d1/"), root_);
  ExpectOwnerMode(root_ / "d1", 0, 0, 0755);
  ExpectOwnerMode(root_ / "d1/f1", 0, 0, 0644);
  ExpectOwnerMode(root_ / "d1/sub", 0, 0, 0750);
  ExpectOwnerMode(root_ / "d1/sub/f2", 0, 0, 0600);
  EXPECT_EQ(Lstat(root_ / "d1/f1").st_ino, Lstat(root_ / "d1/hard").st_ino);
  EXPECT_EQ(std::filesystem::read_symlink(root_ / "d1/link"), "f1");
  EXPECT_EQ(std::filesystem::read_symlink(root_ / "d1/uplink"), "../a.txt");
  EXPECT_EQ(std::filesystem::read_symlink(root_ / "d1/dangling"), "nowhere");
  EXPECT_EQ(Lstat(root_ / "d1/sub").st_mtim.tv_sec, Lstat(ctx_ / "d/sub").st_mtim.tv_sec);
  EXPECT_EQ(Lstat(root_ / "d1/link").st_mtim.tv_sec, Lstat(ctx_ / "d/link").st_mtim.tv_sec);
  EXPECT_FALSE(std::filesystem::exists(root_ / "d1/d"));
}

TEST_F(CopyStepTest, NewDestinationDirIs0755WhateverTheSourceDirMode) {
  MakeDir(ctx_ / "priv", 0700);
  WriteFile(ctx_ / "priv/in/x", "p");
  ExecuteCopy(Spec({"priv"}, "/x"), root_);
  ExpectOwnerMode(root_ / "x", 0, 0, 0755);
  EXPECT_EQ(ReadFile(root_ / "x/in/x"), "p");
}

TEST_F(CopyStepTest, SetuidDroppedLikeDockersChown) {
  ExecuteCopy(Spec({"e"}, "/e"), root_);
  ExpectOwnerMode(root_ / "e/s", 0, 0, 0755);
}

TEST_F(CopyStepTest, TopLevelSymlinkIsFollowed) {
  ExecuteCopy(Spec({"toplink"}, "/t"), root_);
  EXPECT_TRUE(S_ISREG(Lstat(root_ / "t").st_mode));
  EXPECT_EQ(ReadFile(root_ / "t"), "hello\n");
  ExecuteCopy(Spec({"toplink"}, "/dir/"), root_);
  EXPECT_EQ(ReadFile(root_ / "dir/toplink"), "hello\n");
}

TEST_F(CopyStepTest, ChownAppliesToCopiedEntriesAndNewDestOnly) {
  WriteFile(ctx_ / "g/a1", "g1");
  WriteFile(ctx_ / "g/sub/s", "s");
  CopySpec spec = Spec({"g"}, "/p/q/");
  spec.chown = "5:6";
  ExecuteCopy(spec, root_);
  ExpectOwnerMode(root_ / "p", 0, 0, 0755);  // parents of a dir destination stay root's
  ExpectOwnerMode(root_ / "p/q", 5, 6, 0755);
  ExpectOwnerMode(root_ / "p/q/a1", 5, 6, 0644);
  ExpectOwnerMode(root_ / "p/q/sub/s", 5, 6, 0644);
  spec.chown = "9:9";
  ExecuteCopy(spec, root_);
  ExpectOwnerMode(root_ / "p/q", 5, 6, 0755);  // existed: left alone
  ExpectOwnerMode(root_ / "p/q/a1", 9, 9, 0644);

  CopySpec file = Spec({"a.txt"}, "/newparent/deep/");
  file.chown = "7:8";
  ExecuteCopy(file, root_);
  ExpectOwnerMode(root_ / "newparent", 7, 8, 0755);  // parents of a file destination get the owner
  ExpectOwnerMode(root_ / "newparent/deep", 7, 8, 0755);
  ExpectOwnerMode(root_ / "newparent/deep/a.txt", 7, 8, 0644);
}

TEST_F(CopyStepTest, ChownByNameResolvedInTheImage) {
  CopySpec spec = Spec({"a.txt"}, "/home/");
  spec.chown = "bob";  // user bob, group bob
  ExecuteCopy(spec, root_);
  ExpectOwnerMode(root_ / "home/a.txt", 1001, 1002, 0644);
  spec.chown = "bob:staff";
  spec.dest = "/home2/";
  ExecuteCopy(spec, root_);
  ExpectOwnerMode(root_ / "home2/a.txt", 1001, 50, 0644);
  spec.chown = "nobody-here";
  EXPECT_NE(Fails(spec), "no error");
}

TEST_F(CopyStepTest, ChmodAppliesToFilesAndDirs) {
  CopySpec spec = Spec({"d"}, "/c/");
  spec.chmod = "700";
  ExecuteCopy(spec, root_);
  ExpectOwnerMode(root_ / "c", 0, 0, 0700);
  ExpectOwnerMode(root_ / "c/f1", 0, 0, 0700);
  ExpectOwnerMode(root_ / "c/sub", 0, 0, 0700);
  spec.chmod = "9x";
  EXPECT_NE(Fails(spec).find("invalid --chmod"), std::string::npos);
}

TEST_F(CopyStepTest, GlobsAndSeveralSources) {
  ExecuteCopy(Spec({"*.txt"}, "/glob/"), root_);
  EXPECT_EQ(ReadFile(root_ / "glob/a.txt"), "hello\n");
  ExecuteCopy(Spec({"a.txt", "run.sh"}, "/m/"), root_);
  EXPECT_TRUE(std::filesystem::exists(root_ / "m/a.txt"));
  EXPECT_TRUE(std::filesystem::exists(root_ / "m/run.sh"));
  EXPECT_EQ(Fails(Spec({"a.txt", "run.sh"}, "/m")),
            "When using COPY with more than one source file, the destination must be a directory and end with a /");
  EXPECT_EQ(Fails(Spec({"*.none"}, "/x/")), "COPY failed: no source files were specified");
  EXPECT_EQ(Fails(Spec({"missing.txt"}, "/x/")),
            "COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does "
            "not exist");
}

TEST_F(CopyStepTest, RelativeDestUsesWorkdir) {
  CopySpec spec = Spec({"a.txt"}, "rel/");
  spec.workdir = "/w";
  ExecuteCopy(spec, root_);
  EXPECT_TRUE(std::filesystem::exists(root_ / "w/rel/a.txt"));
  spec.dest = ".";
  ExecuteCopy(spec, root_);
  EXPECT_TRUE(std::filesystem::exists(root_ / "w/a.txt"));
}

TEST_F(CopyStepTest, SourceEscapesAreErrors) {
  WriteFile(dir_.path() / "secret", "s");
  Symlink("../secret", ctx_ / "up");
  Symlink("/etc/passwd", ctx_ / "abs");
  EXPECT_EQ(Fails(Spec({"../secret"}, "/x")), "COPY failed: forbidden path outside the build context: ../secret");
  EXPECT_EQ(Fails(Spec({"up"}, "/x")), "COPY failed: forbidden path outside the build context: up");
  EXPECT_EQ(Fails(Spec({"abs"}, "/x")), "COPY failed: forbidden path outside the build context: abs");
  EXPECT_FALSE(std::filesystem::exists(root_ / "x"));
}

TEST_F(CopyStepTest, ImageSymlinksCannotRedirectWritesOutOfTheRoot) {
  // The "host" is a directory next to the rootfs; the image's links point at it.
  const auto host = dir_.path() / "host";
  MakeDir(host);
  Symlink("/etc", root_ / "app");                  // absolute: means rootfs/etc
  Symlink("../../../../host", root_ / "rel");      // climbs above the root
  Symlink("../../host/target", root_ / "lnk");     // final component
  ExecuteCopy(Spec({"a.txt"}, "/app/"), root_);
  EXPECT_EQ(ReadFile(root_ / "etc/a.txt"), "hello\n");
  ExecuteCopy(Spec({"a.txt"}, "/rel/x"), root_);
  EXPECT_EQ(ReadFile(root_ / "host/x"), "hello\n");
  ExecuteCopy(Spec({"d"}, "/rel/dd"), root_);
  EXPECT_TRUE(std::filesystem::exists(root_ / "host/dd/f1"));
  ExecuteCopy(Spec({"a.txt"}, "/lnk"), root_);
  EXPECT_EQ(ReadFile(root_ / "host/target"), "hello\n");
  EXPECT_TRUE(std::filesystem::is_empty(host));
}

TEST_F(CopyStepTest, ExistingEntriesOfAnotherKindAreReplaced) {
  MakeDir(root_ / "r/f1");                // a dir where the source has a file
  WriteFile(root_ / "r/f1/inner", "x");
  WriteFile(root_ / "r/sub", "file");     // a file where the source has a dir
  Symlink("/etc", root_ / "r/link");      // a symlink where the source has a symlink
  ExecuteCopy(Spec({"d"}, "/r/"), root_);
  EXPECT_EQ(ReadFile(root_ / "r/f1"), "one");
  EXPECT_TRUE(S_ISDIR(Lstat(root_ / "r/sub").st_mode));
  EXPECT_EQ(std::filesystem::read_symlink(root_ / "r/link"), "f1");
}

TEST_F(CopyStepTest, FromImageKeepsOwnersAndSetuid) {
  const auto img = dir_.path() / "img";
  WriteFile(img / "bin/tool", "t", 04755);
  ASSERT_EQ(lchown((img / "bin/tool").c_str(), 1234, 5678), 0);
  ASSERT_EQ(chmod((img / "bin/tool").c_str(), 04755), 0);
  CopySpec spec;
  spec.from_image = true;
  spec.source_root = img;
  spec.sources = {"/bin/tool"};
  spec.dest = "/usr/local/bin/";
  ExecuteCopy(spec, root_);
  ExpectOwnerMode(root_ / "usr/local/bin/tool", 1234, 5678, 04755);
  spec.chown = "1:2";
  spec.dest = "/other/";
  ExecuteCopy(spec, root_);
  ExpectOwnerMode(root_ / "other/tool", 1, 2, 0755);
}

TEST_F(CopyStepTest, DockerignoreAppliesToCopies) {
  WriteFile(ctx_ / "logs/a.log", "l");
  WriteFile(ctx_ / "logs/keep/k.log", "k");
  WriteFile(ctx_ / "logs/t.txt", "t");
  WriteFile(ctx_ / "ign/i", "i");
  ignore_ = DockerIgnore({"**/*.log", "!logs/keep", "/ign", "Dockerfile"});
  ExecuteCopy(Spec({"."}, "/all/"), root_);
  EXPECT_TRUE(std::filesystem::exists(root_ / "all/logs/t.txt"));
  EXPECT_TRUE(std::filesystem::is_directory(root_ / "all/logs/keep"));
  EXPECT_FALSE(std::filesystem::exists(root_ / "all/logs/a.log"));
  EXPECT_TRUE(std::filesystem::exists(root_ / "all/logs/keep/k.log"));  // as the 20.10 CLI: re-included
  EXPECT_FALSE(std::filesystem::exists(root_ / "all/ign"));
  EXPECT_FALSE(std::filesystem::exists(root_ / "all/Dockerfile"));
  EXPECT_TRUE(std::filesystem::exists(root_ / "all/a.txt"));
  EXPECT_EQ(Fails(Spec({"ign/i"}, "/x")),
            "COPY failed: file not found in build context or excluded by .dockerignore: stat ign/i: file does not exist");
}

std::filesystem::path MakeTarGz(const std::filesystem::path& path) {
  struct archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  archive_write_open_filename(a, path.c_str());
  auto add = [&](const char* name, mode_t type, mode_t perm, const std::string& data, const char* link = nullptr) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, perm);
    archive_entry_set_uid(e, 1000);
    archive_entry_set_gid(e, 1001);
    archive_entry_set_mtime(e, 1600000000, 0);
    if (link) archive_entry_set_symlink(e, link);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_write_header(a, e);
    if (!data.empty()) archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  };
  add("inner/", AE_IFDIR, 0755, "");
  add("inner/t", AE_IFREG, 0640, "T");
  add("inner/l", AE_IFLNK, 0777, "", "t");
  archive_write_close(a);
  archive_write_free(a);
  return path;
}

TEST_F(CopyStepTest, AddUnpacksArchivesByContentKeepingTheirOwners) {
  MakeTarGz(ctx_ / "arch.tgz");
  std::filesystem::copy_file(ctx_ / "arch.tgz", ctx_ / "plain.notar");
  CopySpec spec = Spec({"arch.tgz"}, "/ar/");
  spec.is_add = true;
  spec.chown = "3:3";  // Docker does not apply it to archive members
  ExecuteCopy(spec, root_);
  ExpectOwnerMode(root_ / "ar", 0, 0, 0755);
  ExpectOwnerMode(root_ / "ar/inner/t", 1000, 1001, 0640);
  EXPECT_EQ(ReadFile(root_ / "ar/inner/t"), "T");
  EXPECT_EQ(std::filesystem::read_symlink(root_ / "ar/inner/l"), "t");
  EXPECT_EQ(Lstat(root_ / "ar/inner").st_mtim.tv_sec, 1600000000);
  spec.sources = {"plain.notar"};
  spec.dest = "/ar2/";
  ExecuteCopy(spec, root_);
  EXPECT_EQ(ReadFile(root_ / "ar2/inner/t"), "T");
  // Not an archive: copied as a file.
  spec.sources = {"a.txt"};
  spec.dest = "/ad";
  spec.chown = "";
  ExecuteCopy(spec, root_);
  EXPECT_EQ(ReadFile(root_ / "ad"), "hello\n");
  // COPY never unpacks.
  CopySpec copy = Spec({"arch.tgz"}, "/cp/");
  ExecuteCopy(copy, root_);
  EXPECT_TRUE(std::filesystem::is_regular_file(root_ / "cp/arch.tgz"));
}

TEST_F(CopyStepTest, AddUnpacksNoUrlAndRefusesEscapingArchives) {
  CopySpec spec = Spec({"https://example.com/x.tar"}, "/x/");
  spec.is_add = true;
  EXPECT_EQ(Fails(spec), "ADD failed: https://example.com/x.tar was not fetched");

  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_open_filename(a, (ctx_ / "evil.tar").c_str());
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "../../evil");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, 1);
  archive_write_header(a, e);
  archive_write_data(a, "x", 1);
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  // The same archive fetched from a URL (url_source.h) is copied as it is.
  const std::filesystem::path fetched = dir_.path() / "fetched";
  std::filesystem::create_directories(fetched);
  std::filesystem::copy_file(ctx_ / "evil.tar", fetched / "x.tar");
  ASSERT_EQ(chmod((fetched / "x.tar").c_str(), 0600), 0);
  spec.remote["https://example.com/x.tar"] = CopySpec::Remote{fetched, "x.tar", ""};
  ExecuteCopy(spec, root_);
  ExpectOwnerMode(root_ / "x/x.tar", 0, 0, 0600);
  EXPECT_FALSE(std::filesystem::exists(root_ / "evil"));

  spec.sources = {"evil.tar"};
  EXPECT_NE(Fails(spec).find("escapes the destination"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "evil"));
}

TEST_F(CopyStepTest, HeredocBecomesAFile) {
  CopySpec spec = Spec({}, "/h/");
  spec.heredocs = {{"script.sh", "echo hi\n"}};
  ExecuteCopy(spec, root_);
  ExpectOwnerMode(root_ / "h/script.sh", 0, 0, 0644);
  EXPECT_EQ(ReadFile(root_ / "h/script.sh"), "echo hi\n");
}

}  // namespace
}  // namespace ubuild::builder
