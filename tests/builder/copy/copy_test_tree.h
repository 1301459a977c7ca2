#pragma once
// Small helpers for the COPY/ADD and source-hash tests: a temporary
// directory, files with exact modes, owners and links.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace ubuild::builder::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ubuild-copy-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void WriteFile(const std::filesystem::path& p, const std::string& content, mode_t mode = 0644) {
  std::filesystem::create_directories(p.parent_path());
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
  }
  if (chmod(p.c_str(), mode) != 0) throw std::runtime_error("chmod " + p.string());
}

inline void MakeDir(const std::filesystem::path& p, mode_t mode = 0755) {
  std::filesystem::create_directories(p);
  if (chmod(p.c_str(), mode) != 0) throw std::runtime_error("chmod " + p.string());
}

inline void Symlink(const std::string& target, const std::filesystem::path& p) {
  std::filesystem::create_directories(p.parent_path());
  if (symlink(target.c_str(), p.c_str()) != 0) throw std::runtime_error("symlink " + p.string());
}

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline struct stat Lstat(const std::filesystem::path& p) {
  struct stat st {};
  if (lstat(p.c_str(), &st) != 0) throw std::runtime_error("lstat " + p.string());
  return st;
}

// The context Docker 20.10 hashed for the vectors in source_hash_test.cpp.
inline void MakeDockerVectorContext(const std::filesystem::path& c) {
  MakeDir(c, 0755);
  WriteFile(c / "a.txt", "hello\n", 0644);
  WriteFile(c / "run.sh", "#!/bin/sh\necho x\n", 0755);
  MakeDir(c / "d", 0755);
  WriteFile(c / "d/f1", "one", 0644);
  MakeDir(c / "d/sub", 0750);
  WriteFile(c / "d/sub/f2", "two", 0600);
  Symlink("f1", c / "d/link");
  Symlink("../a.txt", c / "d/uplink");
  Symlink("nowhere", c / "d/dangling");
  if (link((c / "d/f1").c_str(), (c / "d/hard").c_str()) != 0) throw std::runtime_error("link");
  Symlink("a.txt", c / "toplink");
  MakeDir(c / "e", 0755);
  WriteFile(c / "e/s", "suid", 04755);
  WriteFile(c / "big", "x", 0644);
  WriteFile(c / "Dockerfile",
            "FROM scratch\nCOPY a.txt /\nCOPY run.sh /bin/\nCOPY d /d1/\nCOPY d/ /d2\nCOPY a.txt run.sh /m/\n"
            "COPY toplink /t\nCOPY e /e\nCOPY --chown=5:6 d /own/\nCOPY --chown=7:8 a.txt /newparent/deep/\n"
            "COPY *.txt /glob/\nCOPY . /all/\n",
            0644);
}

}  // namespace ubuild::builder::testing
