#include "store/build_cache.h"

#include <gtest/gtest.h>

#include <fstream>

#include "store/base/error.h"
#include "store/layout.h"
#include "store/store.h"
#include "store_test_dir.h"

namespace ubuild::store {
namespace {

Digest Key(char c) { return Digest::FromHex(std::string(64, c)); }

TEST(BuildCache, RecordsAndFindsAStoredImage) {
  testing::TestDir dir;
  Store s = Store::Open(dir.path(), Store::Mode::kWrite);
  BuildCache cache(s.root(), s.images());
  const Digest image = s.images().Put(R"({"rootfs":{"type":"layers","diff_ids":[]}})");
  EXPECT_FALSE(cache.Lookup(Key('a')));
  cache.Record(Key('a'), image);
  ASSERT_TRUE(cache.Lookup(Key('a')));
  EXPECT_EQ(*cache.Lookup(Key('a')), image);
  EXPECT_TRUE(std::filesystem::exists(layout::BuildCacheEntry(s.root(), Key('a'))));
}

TEST(BuildCache, AnEntryForAMissingImageIsAMiss) {
  testing::TestDir dir;
  Store s = Store::Open(dir.path(), Store::Mode::kWrite);
  BuildCache cache(s.root(), s.images());
  cache.Record(Key('b'), Key('c'));  // no such image
  EXPECT_FALSE(cache.Lookup(Key('b')));
}

// A failing filesystem call names the call and the path, instead of escaping
// as std::filesystem::filesystem_error ("internal error" at the CLI).
TEST(BuildCache, RecordFailureNamesTheDirectory) {
  testing::TestDir dir;
  Store s = Store::Open(dir.path(), Store::Mode::kWrite);
  std::ofstream(layout::BuildCacheDir(s.root())) << "not a directory";
  BuildCache cache(s.root(), s.images());
  try {
    cache.Record(Key('d'), Key('e'));
    FAIL() << "Record into a file did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("mkdir " + layout::BuildCacheDir(s.root()).string() + ": ", 0), 0u)
        << e.what();
  }
}

// prune's sweep: entries whose image went (or that are torn) go; live
// entries, the context digest dir and everything else stay.
TEST(BuildCache, RemoveDanglingKeepsEntriesOfStoredImages) {
  testing::TestDir dir;
  Store s = Store::Open(dir.path(), Store::Mode::kWrite);
  BuildCache cache(s.root(), s.images());
  const Digest image = s.images().Put(R"({"rootfs":{"type":"layers","diff_ids":[]}})");
  cache.Record(Key('a'), image);
  cache.Record(Key('b'), Key('c'));  // no such image
  std::ofstream(layout::BuildCacheEntry(s.root(), Key('d'))) << "torn";
  std::filesystem::create_directories(layout::ContextDigestCacheDir(s.root()));
  EXPECT_EQ(cache.RemoveDangling(), 2u);
  EXPECT_TRUE(std::filesystem::exists(layout::BuildCacheEntry(s.root(), Key('a'))));
  EXPECT_FALSE(std::filesystem::exists(layout::BuildCacheEntry(s.root(), Key('b'))));
  EXPECT_FALSE(std::filesystem::exists(layout::BuildCacheEntry(s.root(), Key('d'))));
  EXPECT_TRUE(std::filesystem::is_directory(layout::ContextDigestCacheDir(s.root())));
  EXPECT_EQ(cache.RemoveDangling(), 0u);
}

TEST(BuildCache, RemoveDanglingWithoutACacheDirRemovesNothing) {
  testing::TestDir dir;
  Store s = Store::Open(dir.path(), Store::Mode::kWrite);
  EXPECT_EQ(BuildCache(s.root(), s.images()).RemoveDangling(), 0u);
}

// Config-only steps: one line each in buildcache/config-steps, found by a
// later build (a fresh BuildCache reads the file), the later line winning;
// a line torn by a crash is skipped and the next append still counts.
TEST(BuildCache, UnstoredStepsAreLinesOfOneFile) {
  testing::TestDir dir;
  Store s = Store::Open(dir.path(), Store::Mode::kWrite);
  {
    BuildCache cache(s.root(), s.images());
    EXPECT_FALSE(cache.LookupUnstored(Key('a')));
    cache.RecordUnstored(Key('a'), UnstoredStep{Key('1'), "2026-01-01T00:00:00Z"});
    cache.RecordUnstored(Key('b'), UnstoredStep{Key('2'), "2026-01-01T00:00:01Z"});
    cache.RecordUnstored(Key('a'), UnstoredStep{Key('3'), "2026-01-01T00:00:02Z"});
    ASSERT_TRUE(cache.LookupUnstored(Key('a')));
    EXPECT_EQ(cache.LookupUnstored(Key('a'))->image_id, Key('3'));
  }
  std::ofstream(layout::ConfigStepLog(s.root()), std::ios::app) << Key('c').hex() << " sha256:12";
  {
    BuildCache cache(s.root(), s.images());
    cache.RecordUnstored(Key('d'), UnstoredStep{Key('4'), "2026-01-01T00:00:03Z"});
  }
  BuildCache cache(s.root(), s.images());
  ASSERT_TRUE(cache.LookupUnstored(Key('a')));
  EXPECT_EQ(cache.LookupUnstored(Key('a'))->image_id, Key('3'));
  EXPECT_EQ(cache.LookupUnstored(Key('a'))->created, "2026-01-01T00:00:02Z");
  EXPECT_EQ(cache.LookupUnstored(Key('b'))->image_id, Key('2'));
  EXPECT_FALSE(cache.LookupUnstored(Key('c')));
  // The torn line swallowed the start of the next: a miss, never a wrong id.
  EXPECT_FALSE(cache.LookupUnstored(Key('d')));
  // Plain lookups never see these entries.
  EXPECT_FALSE(cache.Lookup(Key('a')));
}

// builder prune: every record goes (entries, the config-steps log, the
// context digest cache), the images stay, and the freed bytes are counted.
TEST(BuildCache, RemoveAllEmptiesTheCacheAndKeepsImages) {
  testing::TestDir dir;
  Store s = Store::Open(dir.path(), Store::Mode::kWrite);
  const Digest image = s.images().Put(R"({"rootfs":{"type":"layers","diff_ids":[]}})");
  {
    BuildCache cache(s.root(), s.images());
    cache.Record(Key('a'), image);
    cache.RecordUnstored(Key('b'), UnstoredStep{Key('1'), "2026-01-01T00:00:00Z"});
  }
  std::filesystem::create_directories(layout::ContextDigestCacheDir(s.root()));
  std::ofstream(layout::ContextDigestCacheDir(s.root()) / Key('c').hex()) << "0123456789";
  BuildCache cache(s.root(), s.images());
  const uint64_t expected = image.str().size() + std::filesystem::file_size(layout::ConfigStepLog(s.root())) + 10;
  EXPECT_EQ(cache.RemoveAll(), expected);
  EXPECT_FALSE(cache.Lookup(Key('a')));
  EXPECT_FALSE(cache.LookupUnstored(Key('b')));
  EXPECT_FALSE(std::filesystem::exists(layout::BuildCacheDir(s.root())));
  EXPECT_TRUE(s.images().Exists(image));
  EXPECT_EQ(cache.RemoveAll(), 0u);
  cache.Record(Key('d'), image);  // the next build records again
  EXPECT_EQ(cache.Lookup(Key('d')), image);
}

}  // namespace
}  // namespace ubuild::store
