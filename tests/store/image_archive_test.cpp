// Image archives: the outer tar's fixed form, save -> load round trips
// through real stores, the three input formats, and rejection of damaged
// or hostile archives with the store left byte-for-byte as it was.
#include <gtest/gtest.h>
#include <archive.h>
#include <archive_entry.h>

#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "store/archive_image_plan.h"
#include "store/byte_stream.h"
#include "store/chain_id.h"
#include "store/base/error.h"
#include "store/image_archive_reader.h"
#include "store/image_archive_writer.h"
#include "store/layer_tar.h"
#include "store/layout.h"
#include "store/oci_layout_directory.h"
#include "store/pipelined_sink.h"
#include "store/reference_forms.h"
#include "store/spooled_archive.h"
#include "store/store.h"
#include "store/tar_archive_input.h"
#include "store/tar_archive_output.h"
#include "store/tar_split.h"
#include "store/tar_split_size.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

void PutFile(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

struct Member {
  std::string path;
  TarArchiveInput::Kind kind;
  std::string data;
  std::string link;
};

std::vector<Member> ReadTar(const std::string& bytes) {
  StringSource src(bytes);
  TarArchiveInput in(src, "test");
  std::vector<Member> out;
  TarArchiveInput::Entry e;
  while (in.Next(e)) {
    Member m{e.path, e.kind, {}, e.link};
    char buf[4096];
    for (size_t n; (n = in.data().Read(buf, sizeof buf)) > 0;) m.data.append(buf, n);
    out.push_back(std::move(m));
  }
  return out;
}

std::map<std::string, std::string> ByPath(const std::vector<Member>& members) {
  std::map<std::string, std::string> m;
  for (const Member& x : members) m[x.path] = x.data;
  return m;
}

// Every path under the store root with its type, mode, size and content
// hash: equal listings mean an unchanged store.
std::string Listing(const fs::path& root) {
  std::string out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    struct stat st {};
    lstat(it->path().c_str(), &st);
    out += fs::relative(it->path(), root).string() + " " + std::to_string(st.st_mode) + " ";
    if (S_ISREG(st.st_mode)) {
      std::ifstream f(it->path(), std::ios::binary);
      std::string content((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      out += Sha256Of(content).hex();
    } else if (S_ISLNK(st.st_mode)) {
      out += fs::read_symlink(it->path()).string();
    }
    out += "\n";
  }
  return out;
}

std::string Gzip(const std::string& data) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_raw(a);
  std::vector<char> buf(data.size() + 65536);
  size_t used = 0;
  archive_write_open_memory(a, buf.data(), buf.size(), &used);
  archive_entry* e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
  archive_write_header(a, e);
  archive_write_data(a, data.data(), data.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

TEST(TarArchiveOutput, FixedHeadersAndExactEnd) {
  StringSink sink;
  TarArchiveOutput tar(sink);
  tar.AddDirectory("blobs/");
  tar.AddFile("blobs/a", "hello");
  tar.Close();
  // 2 headers + one data block + 2 end blocks, no record padding.
  EXPECT_EQ(sink.out.size(), 512u * 5);
  const char* h = sink.out.data() + 512;  // header of blobs/a
  EXPECT_EQ(std::string(h, 7), "blobs/a");
  auto octal = [&](size_t off, size_t len) { return std::stoul(std::string(h + off, len), nullptr, 8); };
  EXPECT_EQ(octal(100, 8), 0644u);  // mode
  EXPECT_EQ(octal(108, 8), 0u);     // uid
  EXPECT_EQ(octal(116, 8), 0u);     // gid
  EXPECT_EQ(octal(124, 12), 5u);    // size
  EXPECT_EQ(octal(136, 12), 0u);    // mtime
  EXPECT_EQ(std::string(h + 257, 6), std::string("ustar\0", 6));  // plain ustar
  EXPECT_EQ(h[265], '\0');                                        // no user name
  auto members = ReadTar(sink.out);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[1].data, "hello");
}

TEST(TarArchiveOutput, RefusesMoreOrFewerBytesThanAnnounced) {
  StringSink sink;
  TarArchiveOutput tar(sink);
  ByteSink& f = tar.BeginFile("x", 3);
  EXPECT_THROW(f.Write("abcd", 4), Error);
  f.Write("ab", 2);
  EXPECT_THROW(tar.EndFile(), Error);
}

TEST(PipelinedSink, KeepsOrderAcrossChunks) {
  StringSink out;
  std::string expect;
  {
    PipelinedSink pipe(out);
    for (int i = 0; i < 5000; ++i) {
      std::string piece(static_cast<size_t>(i % 1777) + 1, static_cast<char>('a' + i % 26));
      pipe.Write(piece.data(), piece.size());
      expect += piece;
    }
    pipe.Finish();
  }
  EXPECT_EQ(out.out.size(), expect.size());
  EXPECT_TRUE(out.out == expect);
}

TEST(PipelinedSink, ConsumerErrorReachesTheProducer) {
  class FailingSink : public ByteSink {
   public:
    void Write(const void*, size_t) override { throw Error("disk full", "out"); }
  } failing;
  PipelinedSink pipe(failing);
  std::string mib(1 << 20, 'x');
  EXPECT_THROW(
      {
        for (int i = 0; i < 64; ++i) pipe.Write(mib.data(), mib.size());
        pipe.Finish();
      },
      Error);
}

TEST(TarSplitTarSize, EqualsTheReplayedLength) {
  testing::TestDir dir;
  PutFile(dir.path() / "diff/a/b", std::string(70000, 'x'));
  PutFile(dir.path() / "diff/c", "");
  PutFile(dir.path() / "diff" / std::string(150, 'n'), "long name");
  StringSink tar;
  {
    TarSplitWriter split(dir.path() / "ts.json.gz");
    WriteLayerTar(dir.path() / "diff", &tar, &split);
    split.Close();
  }
  EXPECT_EQ(TarSplitTarSize(dir.path() / "ts.json.gz"), tar.out.size());
}

TEST(SpooledArchive, MemberPathsStayInsideTheArchive) {
  EXPECT_EQ(NormalizeMemberPath("./a//b/"), "a/b");
  EXPECT_EQ(NormalizeMemberPath("/abs/x"), "abs/x");
  EXPECT_EQ(NormalizeMemberPath("a/../b"), "b");
  EXPECT_EQ(NormalizeMemberPath("../etc/passwd"), "");
  EXPECT_EQ(NormalizeMemberPath("a/../../x"), "");
  EXPECT_EQ(NormalizeMemberPath("/../x"), "");  // a leading '/' does not clamp ".."
  EXPECT_EQ(NormalizeMemberPath("./"), "");
}

TEST(ReferenceForms, FamiliarAndFullyQualified) {
  EXPECT_EQ(FullyQualifiedReference("hello:latest"), "docker.io/library/hello:latest");
  EXPECT_EQ(FullyQualifiedReference("me/app:1"), "docker.io/me/app:1");
  EXPECT_EQ(FullyQualifiedReference("localhost:5000/app:1"), "localhost:5000/app:1");
  EXPECT_EQ(FamiliarReference("docker.io/library/hello:latest"), "hello:latest");
  EXPECT_EQ(FamiliarReference("docker.io/me/app:1"), "me/app:1");
  EXPECT_EQ(FamiliarReference("quay.io/x/y:2"), "quay.io/x/y:2");
  EXPECT_EQ(SplitNameTag("localhost:5000/app:1"), std::make_pair(std::string("localhost:5000/app"), std::string("1")));
  EXPECT_EQ(SplitNameTag("localhost:5000/app"), std::make_pair(std::string("localhost:5000/app"), std::string()));
}

// A store holding two images that share a base layer:
//   base: [L1]            tagged base:1
//   app:  [L1, L2]        tagged app:latest and app:v2
class ArchiveTest : public ::testing::Test {
 protected:
  testing::TestDir dir_;
  Store src_ = Store::Open(dir_.path() / "src", Store::Mode::kWrite);
  Store dst_ = Store::Open(dir_.path() / "dst", Store::Mode::kWrite);
  Digest base_id_, app_id_;
  Layer l1_, l2_;

  void SetUp() override {
    l1_ = Commit(src_, {{"bin/tool", "#!/bin/sh\necho tool\n"}, {"etc/motd", "base"}}, std::nullopt);
    l2_ = Commit(src_, {{"app/data", std::string(3 << 20, 'd')}, {"etc/motd", "app"}}, l1_.chain_id);
    base_id_ = src_.images().Put(Config({l1_.diff_id}, "base"));
    app_id_ = src_.images().Put(Config({l1_.diff_id, l2_.diff_id}, "app"));
    src_.refs().Tag("base:1", base_id_);
    src_.refs().Tag("app:latest", app_id_);
    src_.refs().Tag("app:v2", app_id_);
  }

  static Layer Commit(Store& s, const std::map<std::string, std::string>& files, const std::optional<Digest>& parent) {
    PendingLayer p = s.layers().CreatePending();
    for (const auto& [name, content] : files) PutFile(p.diff_dir / name, content);
    return *s.layers().Commit(p, parent);
  }

  static std::string Config(const std::vector<Digest>& diff_ids, const std::string& cmd) {
    json j;
    j["architecture"] = "amd64";
    j["os"] = "linux";
    j["config"] = {{"Cmd", {"echo", cmd}}};
    j["rootfs"] = {{"type", "layers"}, {"diff_ids", json::array()}};
    for (const Digest& d : diff_ids) j["rootfs"]["diff_ids"].push_back(d.str());
    return j.dump();
  }

  std::string Save(const std::vector<ImageToSave>& images) {
    StringSink out;
    WriteImageArchive(src_, images, out);
    return out.out;
  }
  std::string SaveBoth() { return Save({{app_id_, {"app:latest", "app:v2"}}, {base_id_, {"base:1"}}}); }

  std::vector<LoadedImage> Load(const std::string& bytes) {
    StringSource in(bytes);
    return LoadImageArchive(dst_, in, "test archive");
  }

  // Loading `bytes` must fail and leave dst_ exactly as it was.
  void ExpectRejected(const std::string& bytes, const std::string& message_part) {
    ASSERT_FALSE(message_part.empty()) << "name the error expected: any error would do otherwise";
    std::string before = Listing(dst_.root());
    try {
      Load(bytes);
      ADD_FAILURE() << "load succeeded, expected an error containing: " << message_part;
    } catch (const Error& e) {
      EXPECT_NE(e.message().find(message_part), std::string::npos) << e.message();
    }
    EXPECT_EQ(Listing(dst_.root()), before);
  }
};

TEST_F(ArchiveTest, SaveHasDocker25Shape) {
  std::string bytes = SaveBoth();
  auto members = ReadTar(bytes);
  std::vector<std::string> names;
  for (const Member& m : members) names.push_back(m.path);
  std::vector<std::string> want = {"oci-layout", "index.json", "manifest.json", "repositories", "blobs/",
                                   "blobs/sha256/"};
  ASSERT_GE(names.size(), want.size());
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 6), want);
  auto files = ByPath(members);

  EXPECT_EQ(files["oci-layout"], R"({"imageLayoutVersion": "1.0.0"})");
  json manifest = json::parse(files["manifest.json"]);
  ASSERT_EQ(manifest.size(), 2u);
  EXPECT_EQ(manifest[0]["Config"], "blobs/sha256/" + app_id_.hex());
  EXPECT_EQ(manifest[0]["RepoTags"], json({"app:latest", "app:v2"}));
  EXPECT_EQ(manifest[0]["Layers"], json({"blobs/sha256/" + l1_.diff_id.hex(), "blobs/sha256/" + l2_.diff_id.hex()}));
  EXPECT_EQ(json::parse(files["repositories"]),
            json::parse(R"({"app":{"latest":")" + l2_.diff_id.hex() + R"(","v2":")" + l2_.diff_id.hex() +
                        R"("},"base":{"1":")" + l1_.diff_id.hex() + R"("}})"));

  json index = json::parse(files["index.json"]);
  EXPECT_EQ(index["mediaType"], "application/vnd.oci.image.index.v1+json");
  ASSERT_EQ(index["manifests"].size(), 3u);  // one per tag
  const json& d = index["manifests"][0];
  EXPECT_EQ(d["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(d["annotations"]["io.containerd.image.name"], "docker.io/library/app:latest");
  EXPECT_EQ(d["annotations"]["org.opencontainers.image.ref.name"], "latest");
  std::string mbytes = files["blobs/sha256/" + Digest::Parse(d["digest"].get<std::string>()).hex()];
  EXPECT_EQ(Sha256Of(mbytes).str(), d["digest"]);
  EXPECT_EQ(mbytes.size(), d["size"].get<size_t>());
  json m = json::parse(mbytes);
  EXPECT_EQ(m["config"]["mediaType"], "application/vnd.oci.image.config.v1+json");
  EXPECT_EQ(m["config"]["digest"], app_id_.str());
  ASSERT_EQ(m["layers"].size(), 2u);
  EXPECT_EQ(m["layers"][1]["mediaType"], "application/vnd.oci.image.layer.v1.tar");

  // Every blob matches its name; the shared layer is stored once; config
  // bytes are the store's exact bytes.
  int layer_blobs = 0;
  for (const Member& x : members) {
    if (x.path.rfind("blobs/sha256/", 0) == 0 && x.path.size() > 13) {
      EXPECT_EQ(Sha256Of(x.data).hex(), x.path.substr(13));
      if (x.path.substr(13) == l1_.diff_id.hex() || x.path.substr(13) == l2_.diff_id.hex()) ++layer_blobs;
    }
  }
  EXPECT_EQ(layer_blobs, 2);
  EXPECT_EQ(files["blobs/sha256/" + app_id_.hex()], src_.images().GetConfig(app_id_));
  EXPECT_EQ(m["layers"][1]["size"].get<size_t>(), files["blobs/sha256/" + l2_.diff_id.hex()].size());
}

TEST_F(ArchiveTest, SaveIsByteIdentical) { EXPECT_EQ(SaveBoth(), SaveBoth()); }

TEST_F(ArchiveTest, UntaggedImageHasNoNames) {
  auto files = ByPath(ReadTar(Save({{base_id_, {}}})));
  EXPECT_EQ(json::parse(files["manifest.json"])[0]["RepoTags"], nullptr);
  EXPECT_FALSE(json::parse(files["index.json"])["manifests"][0].contains("annotations"));
  EXPECT_EQ(files.count("repositories"), 0u);
}

TEST_F(ArchiveTest, RoundTripKeepsIdsTagsAndBytes) {
  std::string bytes = SaveBoth();
  auto loaded = Load(bytes);
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].id, app_id_);
  EXPECT_EQ(loaded[0].tags, (std::vector<std::string>{"app:latest", "app:v2"}));
  EXPECT_EQ(loaded[1].id, base_id_);
  EXPECT_EQ(dst_.refs().Get("base:1"), base_id_);
  EXPECT_EQ(dst_.images().GetConfig(app_id_), src_.images().GetConfig(app_id_));
  EXPECT_EQ(dst_.layers().List().size(), 2u);  // the shared layer once
  auto top = dst_.layers().Get(l2_.chain_id);
  ASSERT_TRUE(top);
  std::ifstream f(top->diff_dir / "app/data", std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(data, std::string(3 << 20, 'd'));

  // Saving from the loaded store gives the same archive.
  StringSink again;
  WriteImageArchive(dst_, {{app_id_, {"app:latest", "app:v2"}}, {base_id_, {"base:1"}}}, again);
  EXPECT_EQ(again.out, bytes);
  EXPECT_TRUE(fs::is_empty(layout::LayerDbTmp(dst_.root())));  // staging removed
}

TEST_F(ArchiveTest, LoadingTwiceSharesEverything) {
  std::string bytes = SaveBoth();
  Load(bytes);
  std::string before = Listing(dst_.root());
  Load(bytes);
  EXPECT_EQ(Listing(dst_.root()), before);
}

TEST_F(ArchiveTest, GzipCompressedArchiveLoads) {
  auto loaded = Load(Gzip(SaveBoth()));
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(dst_.refs().Get("app:v2"), app_id_);
}

// Docker 20.10's layout: <v1id>/layer.tar, <id>.json, manifest.json last,
// and a repeated layer as a symlink to the first copy.
TEST_F(ArchiveTest, LoadsDocker2010LegacyFormat) {
  StringSink l1, l2;
  src_.layers().WriteTar(l1_, l1);
  src_.layers().WriteTar(l2_, l2);
  StringSink sink;
  {
    TarArchiveOutput tar(sink);
    tar.AddDirectory("aaaa/");
    tar.AddFile("aaaa/layer.tar", l1.out);
    tar.AddDirectory("bbbb/");
    tar.AddFile("bbbb/layer.tar", l2.out);
    tar.AddFile(app_id_.hex() + ".json", src_.images().GetConfig(app_id_));
    tar.AddFile("manifest.json", R"([{"Config":")" + app_id_.hex() +
                                     R"(.json","RepoTags":["docker.io/library/legacy:1"],"Layers":["aaaa/layer.tar","cccc/layer.tar"]}])");
    tar.Close();
  }
  // Add "cccc/layer.tar" -> "../bbbb/layer.tar" with libarchive (our writer
  // only makes files and directories), before the manifest.
  archive* in = archive_read_new();
  archive_read_support_format_tar(in);
  archive_read_open_memory(in, sink.out.data(), sink.out.size());
  std::vector<char> buf(sink.out.size() + 65536);
  size_t used = 0;
  archive* out = archive_write_new();
  archive_write_set_format_pax_restricted(out);
  archive_write_open_memory(out, buf.data(), buf.size(), &used);
  archive_entry* e;
  while (archive_read_next_header(in, &e) == ARCHIVE_OK) {
    if (std::string(archive_entry_pathname(e)) == "manifest.json") {
      archive_entry* link = archive_entry_new();
      archive_entry_set_pathname(link, "cccc/layer.tar");
      archive_entry_set_filetype(link, AE_IFLNK);
      archive_entry_set_perm(link, 0777);
      archive_entry_set_symlink(link, "../bbbb/layer.tar");
      archive_write_header(out, link);
      archive_entry_free(link);
    }
    archive_write_header(out, e);
    std::string data(static_cast<size_t>(archive_entry_size(e)), '\0');
    if (!data.empty()) {
      archive_read_data(in, data.data(), data.size());
      archive_write_data(out, data.data(), data.size());
    }
  }
  archive_read_free(in);
  archive_write_close(out);
  archive_write_free(out);

  auto loaded = Load(std::string(buf.data(), used));
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].id, app_id_);
  EXPECT_EQ(loaded[0].tags, std::vector<std::string>{"legacy:1"});
  EXPECT_TRUE(dst_.layers().Get(l2_.chain_id));
}

// A layer the store already holds is not taken on trust: the archive's copy
// is hashed anyway, and a damaged one fails the load (the stored layer stays,
// nothing new is added). Docker 20.10's layout, so that no blob digest in a
// path or an OCI manifest could catch the damage first.
TEST_F(ArchiveTest, LayerAlreadyInTheStoreIsRecheckedOnLoad) {
  Load(Save({{base_id_, {"base:1"}}}));
  ASSERT_TRUE(dst_.layers().Get(l1_.chain_id));
  StringSink l1, l2;
  src_.layers().WriteTar(l1_, l1);
  src_.layers().WriteTar(l2_, l2);
  auto legacy = [&](const std::string& first_layer) {
    StringSink sink;
    TarArchiveOutput tar(sink);
    tar.AddDirectory("aaaa/");
    tar.AddFile("aaaa/layer.tar", first_layer);
    tar.AddDirectory("bbbb/");
    tar.AddFile("bbbb/layer.tar", l2.out);
    tar.AddFile(app_id_.hex() + ".json", src_.images().GetConfig(app_id_));
    tar.AddFile("manifest.json", R"([{"Config":")" + app_id_.hex() +
                                     R"(.json","RepoTags":["app:latest"],"Layers":["aaaa/layer.tar","bbbb/layer.tar"]}])");
    tar.Close();
    return sink.out;
  };
  // Same length, one byte of file data changed: only hashing tells.
  std::string damaged = l1.out;
  size_t at = damaged.find("echo tool");
  ASSERT_NE(at, std::string::npos);
  damaged[at] = 'E';
  ExpectRejected(legacy(damaged), "layer does not match its diff_id");
  EXPECT_TRUE(dst_.layers().Get(l1_.chain_id));
  EXPECT_FALSE(dst_.layers().Get(l2_.chain_id));
  EXPECT_FALSE(dst_.refs().Get("app:latest"));

  // The same archive undamaged loads: the rejection above was the recheck's.
  auto loaded = Load(legacy(l1.out));
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].id, app_id_);
  EXPECT_TRUE(dst_.layers().Get(l2_.chain_id));
}

// A plain OCI layout: no manifest.json; index.json -> nested index ->
// per-platform manifests.
TEST_F(ArchiveTest, LoadsPlainOciLayoutThroughNestedIndex) {
  auto files = ByPath(ReadTar(Save({{app_id_, {"app:latest"}}})));
  json top = json::parse(files["index.json"]);
  json app_manifest = top["manifests"][0];
  app_manifest.erase("annotations");
  app_manifest["platform"] = {{"os", "linux"}, {"architecture", HostArchitecture()}};
  json other = app_manifest;
  other["platform"] = {{"os", "linux"}, {"architecture", "s390x"}};
  other["digest"] = "sha256:" + std::string(64, '0');  // never followed
  json nested = {{"schemaVersion", 2},
                 {"mediaType", "application/vnd.oci.image.index.v1+json"},
                 {"manifests", {other, app_manifest}}};
  std::string nested_bytes = nested.dump();
  Digest nd = Sha256Of(nested_bytes);
  json index = {{"schemaVersion", 2},
                {"manifests",
                 {{{"mediaType", "application/vnd.oci.image.index.v1+json"},
                   {"digest", nd.str()},
                   {"size", nested_bytes.size()},
                   {"annotations", {{"org.opencontainers.image.ref.name", "oci:one"}}}}}}};
  StringSink sink;
  {
    TarArchiveOutput tar(sink);
    tar.AddFile("oci-layout", files["oci-layout"]);
    for (const auto& [path, data] : files) {
      if (path.rfind("blobs/sha256/", 0) == 0 && path.size() > 13) tar.AddFile(path, data);
    }
    tar.AddFile("blobs/sha256/" + nd.hex(), nested_bytes);
    tar.AddFile("index.json", index.dump());
    tar.Close();
  }
  auto loaded = Load(sink.out);
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].id, app_id_);
  EXPECT_EQ(loaded[0].tags, std::vector<std::string>{"oci:one"});
}

TEST_F(ArchiveTest, RejectsTruncatedArchivesAtEveryStage) {
  std::string bytes = SaveBoth();
  for (size_t cut : {size_t{100}, size_t{1500}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 3000}) {
    SCOPED_TRACE(cut);
    std::string before = Listing(dst_.root());
    EXPECT_THROW(Load(bytes.substr(0, cut)), Error);
    EXPECT_EQ(Listing(dst_.root()), before);
  }
}

TEST_F(ArchiveTest, RejectsCorruptedLayerAndLeavesNoLayerBehind) {
  std::string bytes = SaveBoth();
  // Flip a byte inside the 3 MiB file of the top layer: the base layer is
  // already registered when the damage is found, and must go again.
  size_t at = bytes.find(std::string(4096, 'd'));
  ASSERT_NE(at, std::string::npos);
  bytes[at + 100] = 'X';
  ExpectRejected(bytes, "digest");
  EXPECT_TRUE(dst_.layers().List().empty());
  EXPECT_TRUE(dst_.images().List().empty());
}

TEST_F(ArchiveTest, RejectsTamperedConfig) {
  auto members = ReadTar(Save({{base_id_, {"base:1"}}}));
  StringSink sink;
  {
    TarArchiveOutput tar(sink);
    for (const Member& m : members) {
      if (m.kind == TarArchiveInput::Kind::kDirectory) continue;
      std::string data = m.data;
      if (m.path == "blobs/sha256/" + base_id_.hex()) data.replace(data.find("base"), 4, "evil");
      tar.AddFile(m.path, data);
    }
    tar.Close();
  }
  ExpectRejected(sink.out, "does not match its digest");
}

TEST_F(ArchiveTest, RejectsLayerEscapingItsRoot) {
  // A layer tar with "../../escaped", named by its true digest, with a
  // config that claims it: only the applier's escape check stands between
  // it and the host.
  StringSink evil;
  {
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    std::vector<char> buf(1 << 16);
    size_t used = 0;
    archive_write_open_memory(a, buf.data(), buf.size(), &used);
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, "../../escaped");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, 4);
    archive_write_header(a, e);
    archive_write_data(a, "boom", 4);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    evil.out.assign(buf.data(), used);
  }
  Digest diff = Sha256Of(evil.out);
  std::string config = Config({diff}, "evil");
  Digest id = Sha256Of(config);
  StringSink sink;
  {
    TarArchiveOutput tar(sink);
    tar.AddFile("manifest.json", R"([{"Config":"blobs/sha256/)" + id.hex() + R"(","RepoTags":["evil:1"],"Layers":["blobs/sha256/)" + diff.hex() + R"("]}])");
    tar.AddFile("blobs/sha256/" + id.hex(), config);
    tar.AddFile("blobs/sha256/" + diff.hex(), evil.out);
    tar.Close();
  }
  ExpectRejected(sink.out, "entry \"../../escaped\": \"..\" would leave the layer directory");
  EXPECT_FALSE(fs::exists(dst_.root().parent_path() / "escaped"));
  EXPECT_FALSE(fs::exists(dst_.root() / "escaped"));
  EXPECT_FALSE(fs::exists(dst_.root() / "overlay2/escaped"));
}

TEST_F(ArchiveTest, RejectsWhatIsNotAnImageArchive) {
  ExpectRejected("this is not a tar archive at all, just text. " + std::string(2000, 'x'), "not a tar archive");
  StringSink sink;
  {
    TarArchiveOutput tar(sink);
    tar.AddFile("hello.txt", "hi");
    tar.Close();
  }
  ExpectRejected(sink.out, "neither manifest.json nor index.json");
}

TEST_F(ArchiveTest, RejectsLayerCountMismatch) {
  std::string config = src_.images().GetConfig(app_id_);
  StringSink sink;
  {
    TarArchiveOutput tar(sink);
    tar.AddFile("manifest.json", R"([{"Config":"c.json","RepoTags":null,"Layers":["l1"]}])");
    tar.AddFile("c.json", config);
    StringSink l1;
    src_.layers().WriteTar(l1_, l1);
    tar.AddFile("l1", l1.out);
    tar.Close();
  }
  ExpectRejected(sink.out, "lists 1 layers");
}

TEST_F(ArchiveTest, SaveOfUnknownImageFails) {
  StringSink out;
  EXPECT_THROW(WriteImageArchive(src_, {{Sha256Of("nope"), {}}}, out), Error);
}

// The archive ubuild writes, unpacked: an OCI image layout directory.
fs::path Unpack(const std::string& archive, const fs::path& dir) {
  for (const Member& m : ReadTar(archive)) {
    if (m.kind == TarArchiveInput::Kind::kFile) PutFile(dir / m.path, m.data);
  }
  return dir;
}

TEST_F(ArchiveTest, LayoutDirectoryLoadsFromIndexJson) {
  fs::path layout = Unpack(SaveBoth(), dir_.path() / "layout");
  fs::remove(layout / "manifest.json");  // a plain OCI layout has none
  auto loaded = LoadImageLayoutDirectory(dst_, layout);
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].id, app_id_);
  EXPECT_EQ(loaded[0].tags, (std::vector<std::string>{"app:latest", "app:v2"}));
  EXPECT_EQ(loaded[1].id, base_id_);
  EXPECT_EQ(dst_.refs().Get("base:1"), base_id_);
  EXPECT_TRUE(dst_.layers().Get(l2_.chain_id).has_value());
}

TEST_F(ArchiveTest, LayoutDirectoryRefusalsLeaveTheStoreAsItWas) {
  const std::string archive = SaveBoth();
  auto expect_refused = [&](const std::string& name, const std::function<void(const fs::path&)>& damage,
                            const std::string& message_part) {
    fs::path layout = Unpack(archive, dir_.path() / name);
    damage(layout);
    const std::string before = Listing(dst_.root());
    try {
      LoadImageLayoutDirectory(dst_, layout);
      ADD_FAILURE() << name << ": loaded, expected an error containing " << message_part;
    } catch (const Error& e) {
      EXPECT_NE(e.message().find(message_part), std::string::npos) << name << ": " << e.message();
      EXPECT_NE(e.message().find(layout.string()), std::string::npos) << name << ": unlocated: " << e.message();
    }
    EXPECT_EQ(Listing(dst_.root()), before) << name;
  };
  const fs::path top = fs::path("blobs/sha256") / l2_.diff_id.hex();
  expect_refused("missing", [&](const fs::path& d) { fs::remove(d / top); }, l2_.diff_id.str() + " is missing");
  expect_refused("flipped", [&](const fs::path& d) {
    std::fstream f(d / top, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    f.put('\x7f');
  }, "layer " + l2_.diff_id.str());
  expect_refused("version", [&](const fs::path& d) { PutFile(d / "oci-layout", R"({"imageLayoutVersion":"1.1.0"})"); },
                 "unsupported imageLayoutVersion \"1.1.0\"");
  expect_refused("no-version", [&](const fs::path& d) { PutFile(d / "oci-layout", "{}"); },
                 "oci-layout has no imageLayoutVersion");
  expect_refused("no-layout", [&](const fs::path& d) { fs::remove(d / "oci-layout"); }, "oci-layout is missing");
}

TEST(OciLayoutDirectory, ReadsRegularFilesBeneathItOnly) {
  testing::TestDir dir;
  const fs::path d = dir.path() / "layout";
  PutFile(d / "blobs/sha256/inside", "bytes");
  PutFile(dir.path() / "outside", "secret");
  fs::create_symlink("inside", d / "blobs/sha256/near");
  fs::create_symlink("../../../outside", d / "blobs/sha256/far");
  ASSERT_EQ(::mkfifo((d / "fifo").c_str(), 0600), 0);
  OciLayoutDirectory layout(d);
  EXPECT_EQ(layout.Size("blobs/sha256/inside"), 5u);
  EXPECT_EQ(layout.ReadString("blobs/sha256/near"), "bytes");
  EXPECT_EQ(layout.Size("blobs/sha256/absent"), std::nullopt);
  EXPECT_EQ(layout.Size("nothing/below"), std::nullopt);
  try {
    layout.ReadString("blobs/sha256/far");
    ADD_FAILURE() << "read a file outside the layout";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("leads out of the layout directory"), std::string::npos) << e.message();
  }
  try {
    layout.Size("fifo");
    ADD_FAILURE() << "opened a FIFO";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("not a regular file"), std::string::npos) << e.message();
  }
  EXPECT_THROW(OciLayoutDirectory(dir.path() / "absent"), Error);
}

}  // namespace
}  // namespace ubuild::store
