#include "builder/copy/tar_entry_sums.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "store/base/error.h"
#include "store/digest.h"
#include "tests/builder/busybox_rootfs.h"

namespace ubuild::builder {
namespace {

using ubuild::testing::TempDir;
using ubuild::testing::WriteFile;

void Sh(const std::string& cmd) { ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd; }

// pkg/tarsum v1's string for one entry, written out by hand: each field's
// key then value, mtime left out, then the content. The owner names stay
// empty, as in the sums Docker 20.10's daemon takes (the archive says app/grp).
std::string Tarsum(const std::string& fields, const std::string& content) {
  return store::Sha256Of(fields + content).hex();
}

TEST(ReadTarEntrySums, HashesTheArchivesOwnHeadersAsTarsumV1) {
  TempDir tmp;
  const auto dir = tmp.path() / "ctx";
  std::filesystem::create_directories(dir / "d");
  WriteFile(dir / "a.txt", "hi\n");
  const std::string long_name(120, 'n');
  WriteFile(dir / "d" / long_name, "");
  Sh("ln " + (dir / "a.txt").string() + " " + (dir / "hard").string());
  const auto tar = tmp.path() / "c.tar";
  // GNU format: modes without file type bits, names as "./…", a GNU long name.
  Sh("tar -C " + dir.string() + " --format=gnu --owner=app:1000 --group=grp:100 --mode=640 --sort=name -cf " +
     tar.string() + " .");
  const TarEntrySums sums = ReadTarEntrySums(tar, "c.tar");
  const std::string owners = "uid1000gid100";
  EXPECT_EQ(sums.at("a.txt"),
            Tarsum("name./a.txtmode416" + owners + "size3typeflag0linknameunamegnamedevmajor0devminor0", "hi\n"));
  EXPECT_EQ(sums.at("."), Tarsum("name./mode416" + owners + "size0typeflag5linknameunamegnamedevmajor0devminor0", ""));
  EXPECT_EQ(sums.at("d"), Tarsum("name./d/mode416" + owners + "size0typeflag5linknameunamegnamedevmajor0devminor0", ""));
  EXPECT_EQ(sums.at("hard"),
            Tarsum("name./hardmode416" + owners + "size0typeflag1linkname./a.txtunamegnamedevmajor0devminor0", ""));
  EXPECT_EQ(sums.at("d/" + long_name),
            Tarsum("name./d/" + long_name + "mode416" + owners + "size0typeflag0linknameunamegnamedevmajor0devminor0", ""));
  EXPECT_EQ(sums.size(), 5u);  // ., a.txt, d, d/<long>, hard

  Sh("gzip -k " + tar.string());
  EXPECT_EQ(ReadTarEntrySums(tar.string() + ".gz", "c.tar.gz"), sums);
}

TEST(ReadTarEntrySums, TakesPaxRecordsOverTheHeader) {
  TempDir tmp;
  const auto dir = tmp.path() / "ctx";
  std::filesystem::create_directories(dir);
  WriteFile(dir / "f", "x");
  const auto tar = tmp.path() / "p.tar";
  Sh("tar -C " + dir.string() + " --format=pax --owner=u:7 --group=g:8 --mode=600 -cf " + tar.string() + " f");
  const TarEntrySums sums = ReadTarEntrySums(tar, "p.tar");
  EXPECT_EQ(sums.at("f"), Tarsum("namefmode384uid7gid8size1typeflag0linknameunamegnamedevmajor0devminor0", "x"));
}

TEST(ReadTarEntrySums, RefusesWhatIsNoTar) {
  TempDir tmp;
  WriteFile(tmp.path() / "x", std::string(1024, 'x'));
  EXPECT_THROW(ReadTarEntrySums(tmp.path() / "x", "x"), Error);
}

}  // namespace
}  // namespace ubuild::builder
