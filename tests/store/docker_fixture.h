#pragma once
// Bytes Docker 20.10.24 wrote, kept under tests/store/testdata/docker-20.10/
// (README.md there says how they were made).
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ubuild::store::testing {

// UBUILD_SOURCE_DIR is the checkout, compiled in by CMakeLists.txt.
inline std::string DockerFixture(const std::string& name) {
  std::string path = std::string(UBUILD_SOURCE_DIR) + "/tests/store/testdata/docker-20.10/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read fixture \"" + path + "\"");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace ubuild::store::testing
