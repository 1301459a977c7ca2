#include "store/registry/chunk_pipe.h"

#include <gtest/gtest.h>

#include <thread>

#include "store/base/error.h"

namespace ubuild::store::registry {
namespace {

std::string Data(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 2654435761u) >> 24);
  return s;
}

// Written in odd pieces on one thread, read in other odd pieces on another:
// the same bytes in order, far more than the queue holds at once.
TEST(ChunkPipe, CarriesTheBytesInOrderBetweenThreads) {
  const std::string data = Data(5 * ChunkPipe::kChunk * ChunkPipe::kMaxQueued + 12345);
  ChunkPipe pipe("test");
  std::thread writer([&] {
    for (size_t i = 0; i < data.size(); i += 70001) pipe.sink().Write(data.data() + i, std::min<size_t>(70001, data.size() - i));
    pipe.Close();
  });
  std::string got;
  char buf[99991];
  for (size_t n; (n = pipe.source().Read(buf, sizeof buf)) > 0;) got.append(buf, n);
  writer.join();
  EXPECT_EQ(got, data);
}

TEST(ChunkPipe, AbortReachesTheReader) {
  ChunkPipe pipe("test");
  std::thread writer([&] {
    pipe.sink().Write("abc", 3);
    pipe.Abort(std::make_exception_ptr(Error("the download failed")));
  });
  writer.join();
  char buf[8];
  try {
    while (pipe.source().Read(buf, sizeof buf) > 0) {
    }
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the download failed"), std::string::npos);
  }
}

// A reader that gives up unblocks a writer waiting on a full queue.
TEST(ChunkPipe, StopReadingReachesABlockedWriter) {
  ChunkPipe pipe("test");
  const std::string chunk = Data(ChunkPipe::kChunk);
  std::thread writer([&] {
    EXPECT_THROW(
        for (;;) pipe.sink().Write(chunk.data(), chunk.size()), Error);
  });
  char buf[16];
  pipe.source().Read(buf, sizeof buf);
  pipe.StopReading();
  writer.join();
}

}  // namespace
}  // namespace ubuild::store::registry
