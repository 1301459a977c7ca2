#pragma once
// A private directory under $TMPDIR (default /tmp) for ADD's fetched
// sources, removed with everything in it when the step is done.
#include <filesystem>

namespace ubuild::builder {

class FetchDir {
 public:
  FetchDir();
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
