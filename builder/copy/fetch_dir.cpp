#include "builder/copy/fetch_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "store/base/error.h"
#include "store/session_scratch.h"

namespace ubuild::builder {

FetchDir::FetchDir(const std::filesystem::path& scratch) : path_(store::MakeScratchDir(scratch, "add")) {}

FetchDir::~FetchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path FetchDir::Next() {
  std::filesystem::path dir = path_ / std::to_string(count_++);
  if (mkdir(dir.c_str(), 0700) != 0) throw SysError("mkdir", dir.string(), errno);
  return dir;
}

}  // namespace ubuild::builder
