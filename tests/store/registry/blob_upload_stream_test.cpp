#include "store/registry/blob_upload_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <thread>

#include "store/base/error.h"

namespace ubuild::store::registry {
namespace {

std::string Data(size_t n) {
  std::mt19937 rng(13);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::string ReadAll(ByteSource& in, size_t piece) {
  std::string out;
  std::string buf(piece, '\0');
  for (size_t n; (n = in.Read(buf.data(), buf.size())) > 0;) out.append(buf.data(), n);
  return out;
}

TEST(BlobUploadStream, BytesArriveInOrderWithTheirDigest) {
  const std::string data = Data((5 << 20) + 12345);  // more than the queue holds
  BlobUploadStream stream("test");
  std::thread writer([&] {
    for (size_t i = 0; i < data.size(); i += 70001) stream.Write(data.data() + i, std::min<size_t>(70001, data.size() - i));
    stream.Finish();
  });
  const std::string got = ReadAll(stream, 16411);
  writer.join();
  EXPECT_EQ(got, data);
  EXPECT_EQ(stream.size(), data.size());
  EXPECT_EQ(stream.digest(), Sha256Of(data));
  EXPECT_FALSE(stream.failed());
}

TEST(BlobUploadStream, AnEmptyBlob) {
  BlobUploadStream stream("test");
  stream.Finish();
  EXPECT_EQ(ReadAll(stream, 10), "");
  EXPECT_EQ(stream.digest(), Sha256Of(""));
}

TEST(BlobUploadStream, TheWritersErrorReachesTheReader) {
  BlobUploadStream stream("test");
  const std::string data = Data(1 << 20);
  std::thread writer([&] {
    stream.Write(data.data(), data.size());
    stream.Fail(std::make_exception_ptr(Error("cannot read the layer")));
  });
  std::string buf(1 << 16, '\0');
  try {
    while (stream.Read(buf.data(), buf.size()) > 0) {
    }
    ADD_FAILURE() << "Read ended without the writer's error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "cannot read the layer");
  }
  writer.join();
  EXPECT_TRUE(stream.failed());
}

TEST(BlobUploadStream, CloseStopsAWriterWaitingOnAFullQueue) {
  BlobUploadStream stream("test");
  const std::string data = Data(1 << 20);
  std::thread writer([&] {
    try {
      for (;;) stream.Write(data.data(), data.size());
    } catch (const Error& e) {
      EXPECT_NE(e.message().find("the reading side stopped"), std::string::npos) << e.message();
    }
  });
  char byte;
  EXPECT_EQ(stream.Read(&byte, 1), 1u);
  EXPECT_EQ(byte, data[0]);
  stream.Close();
  writer.join();
}

}  // namespace
}  // namespace ubuild::store::registry
