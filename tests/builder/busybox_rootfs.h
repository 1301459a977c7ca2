#pragma once
// Test fixtures for the runtime tests: scratch directories and a minimal
// image rootfs made of the host's busybox-static (bin/busybox + applet links).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace ubuild::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ubuild-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void WriteFile(const std::filesystem::path& p, const std::string& content) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every entry under `dir`, relative, sorted ("tmp", "tmp/x").
inline std::vector<std::string> ListTree(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (auto it = std::filesystem::recursive_directory_iterator(dir); it != decltype(it)(); ++it) {
    out.push_back(it->path().lexically_relative(dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// bin/ with busybox and its applets, etc/passwd and etc/group with root,
// nobody and a user "app" (1000:1000, also in group "extra" 2000), tmp/ 1777.
inline void MakeBusyboxRootfs(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  fs::create_directories(root / "bin");
  fs::copy_file("/bin/busybox", root / "bin/busybox", fs::copy_options::overwrite_existing);
  for (const char* applet : {"sh", "ls", "cat", "touch", "rm", "mkdir", "id", "hostname", "echo", "sleep", "true",
                             "false", "pwd", "env", "test", "stat", "grep", "kill", "ps", "mount", "ln", "rmdir",
                             "readlink", "wc", "chmod"}) {
    fs::create_symlink("busybox", root / "bin" / applet);
  }
  WriteFile(root / "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
            "app:x:1000:1000:app user:/home/app:/bin/sh\n");
  WriteFile(root / "etc/group",
            "root:x:0:\n"
            "nogroup:x:65534:\n"
            "app:x:1000:\n"
            "extra:x:2000:nobody,app\n"
            "more:x:2001:app\n");
  fs::create_directories(root / "tmp");
  ::chmod((root / "tmp").c_str(), 01777);
}

}  // namespace ubuild::testing
