#pragma once
// Bytes Docker 20.10.24 wrote, kept under tests/store/testdata/docker-20.10/
// (README.md there says how they were made).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ubuild::store::testing {

// Found from UBUILD_SOURCE_DIR when set, else beside this header (__FILE__ is
// relative to the build directory, where ctest runs the tests, under ccache's base dir).
inline std::string DockerFixture(const std::string& name) {
  const char* source = std::getenv("UBUILD_SOURCE_DIR");
  std::filesystem::path dir = source != nullptr ? std::filesystem::path(source) / "tests/store"
                                                : std::filesystem::path(__FILE__).parent_path();
  std::string path = (dir / "testdata/docker-20.10" / name).string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read fixture \"" + path + "\"");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace ubuild::store::testing
