#include "store/byte_source_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "store/base/error.h"

namespace ubuild::store {
namespace {

// `content` gzipped, or as a gzipped tar holding it as `name`, written by libarchive.
std::string Gzip(const std::string& content, const char* tar_name = nullptr) {
  std::string out(content.size() + (64 << 10), '\0');
  size_t used = 0;
  struct archive* a = archive_write_new();
  if (tar_name != nullptr) {
    archive_write_set_format_pax_restricted(a);
  } else {
    archive_write_set_format_raw(a);
  }
  archive_write_add_filter_gzip(a);
  EXPECT_EQ(archive_write_open_memory(a, out.data(), out.size(), &used), ARCHIVE_OK);
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, tar_name != nullptr ? tar_name : "data");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
  EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK);
  EXPECT_EQ(archive_write_data(a, content.data(), content.size()), static_cast<la_ssize_t>(content.size()));
  archive_entry_free(e);
  EXPECT_EQ(archive_write_free(a), ARCHIVE_OK);
  out.resize(used);
  return out;
}

// Text that compresses poorly, so a cut-off copy fails only when read.
std::string Noise(size_t size) {
  std::string out;
  uint32_t x = 12345;
  while (out.size() < size) {
    x = x * 1103515245 + 12345;
    out += static_cast<char>('a' + (x >> 16) % 26);
  }
  return out;
}

std::string ReadAll(struct archive* a) {
  std::string out;
  char buf[7];
  la_ssize_t n;
  while ((n = archive_read_data(a, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(n, 0);
  return out;
}

class FailingSource : public ByteSource {
 public:
  size_t Read(void*, size_t) override { throw Error("disk on fire", "blob sha256:abc"); }
};

TEST(ByteSourceArchive, RawFormatGivesTheDecompressedStream) {
  StringSource in(Gzip("hello, layer\n"));
  ByteSourceArchive archive(in, ByteSourceArchive::Format::kRaw, 4, "blob", "cannot decompress");
  struct archive_entry* e = nullptr;
  ASSERT_EQ(archive_read_next_header(archive.get(), &e), ARCHIVE_OK);
  EXPECT_EQ(ReadAll(archive.get()), "hello, layer\n");
}

TEST(ByteSourceArchive, TarFormatReadsCompressedMembers) {
  StringSource in(Gzip("welcome\n", "etc/motd"));
  ByteSourceArchive archive(in, ByteSourceArchive::Format::kTar, 1 << 20, "archive x.tar", "not a tar archive");
  struct archive_entry* e = nullptr;
  ASSERT_EQ(archive_read_next_header(archive.get(), &e), ARCHIVE_OK);
  EXPECT_STREQ(archive_entry_pathname(e), "etc/motd");
  EXPECT_EQ(ReadAll(archive.get()), "welcome\n");
  EXPECT_EQ(archive_read_next_header(archive.get(), &e), ARCHIVE_EOF);
}

TEST(ByteSourceArchive, WhatCannotBeOpenedFailsWithTheGivenStep) {
  StringSource in(std::string(2048, 'x'));
  try {
    ByteSourceArchive archive(in, ByteSourceArchive::Format::kTar, 512, "archive x.tar", "not a tar archive");
    FAIL() << "opened 2048 bytes of 'x' as a tar archive";
  } catch (const Error& err) {
    EXPECT_EQ(err.where(), "archive x.tar");
    EXPECT_EQ(std::string(err.what()).rfind("not a tar archive: ", 0), 0u) << err.what();
  }
}

TEST(ByteSourceArchive, FailNamesTheStepLibarchivesReasonAndWhere) {
  StringSource in(Gzip(Noise(1 << 20)).substr(0, 256 << 10));  // truncated
  ByteSourceArchive archive(in, ByteSourceArchive::Format::kRaw, 4096, "blob", "cannot decompress");
  struct archive_entry* e = nullptr;
  ASSERT_EQ(archive_read_next_header(archive.get(), &e), ARCHIVE_OK);
  char buf[4096];
  la_ssize_t n = 0;
  while ((n = archive_read_data(archive.get(), buf, sizeof buf)) > 0) {
  }
  ASSERT_LT(n, 0);
  const std::string reason = archive_error_string(archive.get());
  try {
    archive.Fail("decompressing", "blob sha256:abc");
    FAIL() << "Fail returned";
  } catch (const Error& err) {
    EXPECT_EQ(err.message(), "blob sha256:abc: decompressing: " + reason);
  }
}

TEST(ByteSourceArchive, TheSourcesOwnErrorComesOutNotLibarchives) {
  FailingSource in;
  try {
    ByteSourceArchive archive(in, ByteSourceArchive::Format::kTar, 512, "archive x.tar", "not a tar archive");
    FAIL() << "opening a failing source succeeded";
  } catch (const Error& err) {
    EXPECT_EQ(err.message(), "blob sha256:abc: disk on fire");
  }
}

}  // namespace
}  // namespace ubuild::store
