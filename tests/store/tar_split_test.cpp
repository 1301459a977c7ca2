#include "store/tar_split.h"

#include <gtest/gtest.h>
#include <sys/time.h>

#include "store/crc64.h"
#include "store/base64.h"
#include "store/base/error.h"
#include "store/layer_tar.h"
#include "tests/needs_root.h"
#include "tests/store/layer_tar_test_util.h"

namespace ubuild::store {
namespace {

using testing::ReadFile;
using testing::Run;
using testing::TempDir;
using testing::WriteFile;

// A small tree with a big file (several read chunks), an empty file, a
// hard link, a symlink and a nested directory.
void MakeTree(const std::filesystem::path& root) {
  std::filesystem::create_directories(root / "etc/deep/er");
  std::string big(700 * 1024 + 3, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  WriteFile(root / "etc/big", big);
  WriteFile(root / "etc/empty", "");
  WriteFile(root / "etc/deep/er/x", "xyz");
  ASSERT_EQ(::link((root / "etc/deep/er/x").c_str(), (root / "etc/x-link").c_str()), 0);
  ASSERT_EQ(::symlink("deep/er/x", (root / "etc/sym").c_str()), 0);
}

std::string Gunzip(const std::filesystem::path& gz) {
  TempDir tmp;
  testing::Run("gzip -dc " + gz.string() + " > " + (tmp / "out").string());
  return ReadFile(tmp / "out");
}

TEST(Crc64Iso, GoVector) {
  Crc64Iso crc;
  crc.Update("123456789", 9);
  EXPECT_EQ(crc.value(), 0xB90956C775A41001ULL);
  Crc64Iso split;
  split.Update("1234", 4);
  split.Update("56789", 5);
  EXPECT_EQ(split.value(), crc.value());
}

TEST(TarSplit, WriterRecordsDockerFormat) {
  TempDir dir, meta;
  WriteFile(dir / "hello", "hi\n");
  std::filesystem::create_directory(dir / "d");
  {
    TarSplitWriter split(meta / "tar-split.json.gz");
    WriteLayerTar(dir.path(), nullptr, &split);
    split.Close();
  }
  std::string text = Gunzip(meta / "tar-split.json.gz");
  Crc64Iso crc;
  crc.Update("hi\n", 3);
  // Segment, file, segment, file, then the padding plus end-of-archive zeros.
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    ASSERT_NE(nl, std::string::npos);
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].rfind("{\"type\":2,\"payload\":\"", 0), 0u);
  EXPECT_NE(lines[0].find("\"position\":0}"), std::string::npos);
  EXPECT_EQ(lines[1], "{\"type\":1,\"name\":\"d/\",\"payload\":null,\"position\":1}");
  EXPECT_EQ(lines[3], "{\"type\":1,\"name\":\"hello\",\"size\":3,\"payload\":\"" + Base64Encode(crc.BigEndianBytes()) +
                          "\",\"position\":3}");
  // 509 bytes of padding after "hi\n" and 1024 zeros.
  EXPECT_EQ(lines[4], "{\"type\":2,\"payload\":\"" + Base64Encode(std::string(509 + 1024, '\0')) + "\",\"position\":4}");
}

TEST(TarSplit, WriteThenReplayGivesIdenticalBytes) {
  TempDir dir, meta;
  MakeTree(dir.path());
  StringSink tar;
  LayerTarResult written;
  {
    TarSplitWriter split(meta / "ts.json.gz");
    written = WriteLayerTar(dir.path(), &tar, &split);
    split.Close();
  }
  StringSink replayed;
  Digest d = ReplayTarSplit(meta / "ts.json.gz", dir.path(), replayed);
  EXPECT_EQ(d, written.diff_id);
  EXPECT_EQ(replayed.out, tar.out);
}

// Applies `tar_file` into a fresh diff dir, then replays it: the bytes must
// come back unchanged, whoever wrote the tar.
void ExpectApplyReplayRoundTrip(const std::filesystem::path& tar_file) {
  TempDir diff, meta;
  std::string original = ReadFile(tar_file);
  StringSource in(original);
  LayerTarResult applied;
  {
    TarSplitWriter split(meta / "ts.json.gz");
    applied = ApplyLayerTar(in, diff.path(), &split, "test layer");
    split.Close();
  }
  EXPECT_EQ(applied.diff_id, Sha256Of(original));
  EXPECT_EQ(applied.tar_size, original.size());
  StringSink replayed;
  Digest d = ReplayTarSplit(meta / "ts.json.gz", diff.path(), replayed);
  EXPECT_EQ(d, applied.diff_id);
  EXPECT_TRUE(replayed.out == original) << "replayed " << replayed.out.size() << " bytes, original " << original.size();
}

TEST(TarSplit, GnuTarApplyReplay) {
  TempDir src, out;
  MakeTree(src.path());
  // GNU format with long names (././@LongLink) and the default 10 KiB record padding.
  std::filesystem::create_directories(src / std::string(120, 'L'));
  WriteFile(src / std::string(120, 'L') / std::string(130, 'n'), "long name");
  testing::Run("tar --format=gnu -C " + src.path().string() + " -cf " + (out / "gnu.tar").string() + " .");
  ExpectApplyReplayRoundTrip(out / "gnu.tar");
  testing::Run("tar --format=posix --sort=name -C " + src.path().string() + " -cf " + (out / "posix.tar").string() + " etc");
  ExpectApplyReplayRoundTrip(out / "posix.tar");
}

TEST(TarSplit, PythonPaxTarApplyReplay) {
  UBUILD_SKIP_UNLESS_ROOT("applying a tar chowns each entry to its owner");
  TempDir src, out;
  MakeTree(src.path());
  WriteFile(src / "etc/caf\xc3\xa9", "unicode name");
  std::string script = out.path().string() + "/mk.py";
  WriteFile(script,
            "import tarfile, sys\n"
            "with tarfile.open(sys.argv[2], 'w', format=tarfile.PAX_FORMAT) as t:\n"
            "    t.add(sys.argv[1] + '/etc', arcname='etc')\n"
            "    ti = tarfile.TarInfo('p/' + 'x' * 150)\n"
            "    ti.pax_headers = {'comment': 'hello'}\n"
            "    data = b'pax payload' * 100\n"
            "    ti.size = len(data)\n"
            "    import io\n"
            "    t.addfile(ti, io.BytesIO(data))\n");
  testing::Run("python3 " + script + " " + src.path().string() + " " + (out / "pax.tar").string());
  ExpectApplyReplayRoundTrip(out / "pax.tar");
}

TEST(TarSplit, ReplayFailsWhenAFileChanged) {
  TempDir dir, meta;
  MakeTree(dir.path());
  {
    TarSplitWriter split(meta / "ts.json.gz");
    WriteLayerTar(dir.path(), nullptr, &split);
    split.Close();
  }
  StringSink sink;
  // Same size, different content: caught by the crc64.
  std::string big = ReadFile(dir / "etc/big");
  big[1000] ^= 1;
  WriteFile(dir / "etc/big", big);
  EXPECT_THROW(ReplayTarSplit(meta / "ts.json.gz", dir.path(), sink), Error);
  big[1000] ^= 1;
  WriteFile(dir / "etc/big", big);
  StringSink ok;
  EXPECT_NO_THROW(ReplayTarSplit(meta / "ts.json.gz", dir.path(), ok));
  // Different size.
  WriteFile(dir / "etc/deep/er/x", "xyzw");
  StringSink sink2;
  try {
    ReplayTarSplit(meta / "ts.json.gz", dir.path(), sink2);
    ADD_FAILURE() << "replay of a changed file succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("etc/deep/er/x"), std::string::npos) << e.what();
  }
  // Missing.
  std::filesystem::remove(dir / "etc/deep/er/x");
  std::filesystem::remove(dir / "etc/x-link");
  StringSink sink3;
  EXPECT_THROW(ReplayTarSplit(meta / "ts.json.gz", dir.path(), sink3), Error);
}

TEST(TarSplit, NonUtf8NamesUseNameRaw) {
  TempDir dir, meta, back;
  WriteFile(dir / "latin\xff", "bytes");
  StringSink tar;
  {
    TarSplitWriter split(meta / "ts.json.gz");
    WriteLayerTar(dir.path(), &tar, &split);
    split.Close();
  }
  std::string text = Gunzip(meta / "ts.json.gz");
  EXPECT_NE(text.find("\"name_raw\":\"" + Base64Encode("latin\xff") + "\""), std::string::npos) << text;
  StringSink replayed;
  ReplayTarSplit(meta / "ts.json.gz", dir.path(), replayed);
  EXPECT_TRUE(replayed.out == tar.out);
  // Applied elsewhere, the same bytes come back from the new diff dir.
  StringSource in(tar.out);
  ApplyLayerTar(in, back.path(), nullptr, "non-utf8");
  StringSink again;
  ReplayTarSplit(meta / "ts.json.gz", back.path(), again);
  EXPECT_TRUE(again.out == tar.out);
}

TEST(TarSplit, MissingOrCorruptFileIsAnError) {
  TempDir dir;
  StringSink sink;
  EXPECT_THROW(ReplayTarSplit(dir / "nope.json.gz", dir.path(), sink), Error);
  testing::Run("echo '{\"type\":1,\"name\":\"../etc/passwd\",\"size\":5,\"payload\":null,\"position\":0}' | gzip > " +
      (dir / "evil.json.gz").string());
  EXPECT_THROW(ReplayTarSplit(dir / "evil.json.gz", dir.path(), sink), Error);
  testing::Run("echo 'not json' | gzip > " + (dir / "bad.json.gz").string());
  EXPECT_THROW(ReplayTarSplit(dir / "bad.json.gz", dir.path(), sink), Error);
}

}  // namespace
}  // namespace ubuild::store
