#include "store/chain_id.h"

#include <gtest/gtest.h>

namespace ubuild::store {
namespace {

Digest D(const char* s) { return Digest::Parse(s); }

TEST(ChainId, DesignVectors) {
  EXPECT_EQ(NextChainId(D("sha256:9f54eef412758095c8079ac465d494a2872e02e90bf1fb5f12a1641c0d1bb78b"),
                        D("sha256:b3cce2ce0405ffbb4971b872588c5b7fc840514b807f18047bf7d486af79884c")).str(),
            "sha256:6613b10b697b0a267c9573ee23e54c0373ccf72e7991cf4479bd0b66609a631c");
  EXPECT_EQ(NextChainId(D("sha256:50644c29ef5a27c9a40c393a73ece2479de78325cae7d762ef3cdc19bf42dd0a"),
                        D("sha256:9c572ba82b91e3ac35c7351bdacc6876c67f5d9bc69c5e51e8b2deeafae95e4f")).str(),
            "sha256:fe267088885017d5e9a4621e68617a7f35e58dc2d0d747927882da21059854e3");
}

TEST(ChainId, FiveLayerPythonAlpineChain) {
  std::vector<Digest> diff_ids = {
      D("sha256:f4666769fca7a1db532e3de298ca87f7e3124f74d17e1937d1127cb17058fead"),
      D("sha256:f2bc6754fc86dfbd965dfb93127dc473c36bc44cf21f87a779dcd0f94d924f3d"),
      D("sha256:e25ee6f7192be198a37c00741fce057aaa0eef58b0fb77a9fc2a23dcd84a5302"),
      D("sha256:0d2c65b855c43c1c83cf24e866e70e232f3ba451aa6aa159adc1e4dc3d51f96a"),
      D("sha256:debde983e4fe3ad328c6aa3f37cf9ee30d268b8266e37da87417133d0cc252ad"),
  };
  std::vector<std::string> want = {
      "f4666769fca7a1db532e3de298ca87f7e3124f74d17e1937d1127cb17058fead",
      "25370907defafe1eacf55dd1df121dd16890773e4a3d0637629de56ed6c69198",
      "2d87c3c42dcce905c4f0aafd9657cc0247a9a79c461f0e8abf81a2c8523dacfb",
      "49c9ddedef77ac89647c786c3bd53c7c6bb9db897a0465087e1847afeb5c9eba",
      "66604bb690d7ccdba67800376f20617e4821baf9c716534a399288bd9845be12",
  };
  auto chain = ChainIds(diff_ids);
  ASSERT_EQ(chain.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(chain[i].hex(), want[i]) << "layer " << i;
}

TEST(Digest, EmptyLayerIsSha256OfTwoZeroBlocks) {
  EXPECT_EQ(Sha256Of(std::string(1024, '\0')).str(), kEmptyLayerDiffId);
}

TEST(Digest, RejectsMalformed) {
  EXPECT_THROW(Digest::Parse("sha256:abc"), std::exception);
  EXPECT_THROW(Digest::Parse("md5:" + std::string(64, 'a')), std::exception);
  EXPECT_THROW(Digest::Parse("sha256:" + std::string(64, 'A')), std::exception);
}

}  // namespace
}  // namespace ubuild::store
