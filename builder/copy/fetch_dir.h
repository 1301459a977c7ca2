#pragma once
// A private directory for ADD's fetched sources, made inside `scratch` (in
// a build, the store session's: store/session_scratch.h, so a killed build's
// downloads go with its session) and removed with everything in it when the
// step is done.
#include <filesystem>

namespace ubuild::builder {

class FetchDir {
 public:
  explicit FetchDir(const std::filesystem::path& scratch);
  ~FetchDir();
  FetchDir(const FetchDir&) = delete;
  FetchDir& operator=(const FetchDir&) = delete;

  // A new, empty directory inside it for one source.
  std::filesystem::path Next();

 private:
  std::filesystem::path path_;
  int count_ = 0;
};

}  // namespace ubuild::builder
