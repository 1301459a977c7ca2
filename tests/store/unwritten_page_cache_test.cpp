// The unwritten page cache is read from /proc/meminfo's Dirty and
// Writeback lines, in kB; a text without them gives no figure, so the
// caller falls back to its per-file barrier.
#include "store/unwritten_page_cache.h"

#include <gtest/gtest.h>

namespace ubuild::store {
namespace {

TEST(UnwrittenPageCacheTest, AddsDirtyAndWritebackInBytes) {
  const char* meminfo =
      "MemTotal:       24597720 kB\n"
      "Dirty:              1536 kB\n"
      "DirtyExtra:           99 kB\n"
      "Writeback:           512 kB\n"
      "WritebackTmp:          7 kB\n";
  EXPECT_EQ(UnwrittenBytesIn(meminfo), uint64_t{2048} * 1024);
}

TEST(UnwrittenPageCacheTest, NoFigureWithoutBothLines) {
  EXPECT_EQ(UnwrittenBytesIn("Dirty:  4 kB\n"), std::nullopt);
  EXPECT_EQ(UnwrittenBytesIn("Writeback:  4 kB\nDirtyish: 3 kB\n"), std::nullopt);
  EXPECT_EQ(UnwrittenBytesIn("Dirty: kB\nWriteback: 0 kB\n"), std::nullopt);
  EXPECT_EQ(UnwrittenBytesIn(""), std::nullopt);
}

TEST(UnwrittenPageCacheTest, ThisMachineHasAFigure) {
  // Every Linux with /proc has both lines.
  EXPECT_TRUE(UnwrittenPageCacheBytes().has_value());
}

}  // namespace
}  // namespace ubuild::store
