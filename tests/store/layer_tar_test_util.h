#pragma once
// Shared fixtures for the layer tar tests: scratch directories under /tmp
// (ext4 there keeps trusted.* xattrs; tests run as root) and a libarchive
// listing of a tar held in memory.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/base/error.h"
#include "store/byte_stream.h"
#include "store/layer_tar.h"
#include "store/utf8_locale.h"

namespace ubuild::store::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ubuild-tartest-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

inline void WriteFile(const std::filesystem::path& p, const std::string& content, mode_t mode = 0644) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) throw std::runtime_error("open " + p.string());
  if (::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    ::close(fd);
    throw std::runtime_error("write " + p.string());
  }
  ::close(fd);
  ::chmod(p.c_str(), mode);
}

inline std::string ReadFile(const std::filesystem::path& p) {
  std::string out;
  int fd = ::open(p.c_str(), O_RDONLY);
  if (fd < 0) throw std::runtime_error("open " + p.string());
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

inline void Run(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("command failed: " + cmd);
}

inline void MakeWhiteout(const std::filesystem::path& p) {
  if (::mknod(p.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0) throw std::runtime_error("mknod " + p.string());
}

inline void SetXattr(const std::filesystem::path& p, const std::string& name, const std::string& value) {
  if (::lsetxattr(p.c_str(), name.c_str(), value.data(), value.size(), 0) != 0) {
    throw std::runtime_error("setxattr " + name + " on " + p.string());
  }
}

struct TarMember {
  std::string name;
  mode_t mode = 0;  // type and permission bits
  int64_t size = 0;
  int64_t uid = 0, gid = 0;
  int64_t mtime = 0;
  std::string symlink, hardlink;
  unsigned rdev_major = 0, rdev_minor = 0;
  bool has_uname = false;
  std::map<std::string, std::string> xattrs;
  std::string data;
};

inline std::vector<TarMember> ListTar(const std::string& bytes) {
  std::vector<TarMember> out;
  ScopedUtf8Locale utf8;  // PAX names are UTF-8, as the layer code reads them
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  if (archive_read_open_memory(a, bytes.data(), bytes.size()) != ARCHIVE_OK) {
    throw std::runtime_error(archive_error_string(a));
  }
  struct archive_entry* e;
  int r;
  while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    TarMember m;
    m.name = archive_entry_pathname(e);
    m.mode = archive_entry_mode(e);
    m.size = archive_entry_size(e);
    m.uid = archive_entry_uid(e);
    m.gid = archive_entry_gid(e);
    m.mtime = archive_entry_mtime(e);
    if (archive_entry_symlink(e)) m.symlink = archive_entry_symlink(e);
    if (archive_entry_hardlink(e)) m.hardlink = archive_entry_hardlink(e);
    m.rdev_major = archive_entry_rdevmajor(e);
    m.rdev_minor = archive_entry_rdevminor(e);
    m.has_uname = archive_entry_uname(e) != nullptr && *archive_entry_uname(e) != '\0';
    archive_entry_xattr_reset(e);
    const char* xn;
    const void* xv;
    size_t xs;
    while (archive_entry_xattr_next(e, &xn, &xv, &xs) == ARCHIVE_OK) {
      m.xattrs[xn] = std::string(static_cast<const char*>(xv), xs);
    }
    char buf[8192];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) m.data.append(buf, static_cast<size_t>(n));
    out.push_back(std::move(m));
  }
  std::string err = r == ARCHIVE_EOF ? "" : archive_error_string(a);
  archive_read_free(a);
  if (!err.empty()) throw std::runtime_error(err);
  return out;
}

// A tar built member by member with libarchive, for inputs no honest
// writer produces.
struct Member {
  std::string name;
  mode_t type;
  std::string link;  // symlink or hardlink target
  std::string data;
  bool hard = false;
};

inline std::string BuildTar(const std::vector<Member>& members) {
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  size_t room = 1 << 20;
  for (const Member& m : members) room += m.data.size() + 2048;
  std::vector<char> buf(room);
  size_t used = 0;
  archive_write_open_memory(a, buf.data(), buf.size(), &used);
  for (const Member& m : members) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    archive_entry_set_mode(e, m.type | 0755);
    if (m.hard) {
      archive_entry_set_hardlink(e, m.link.c_str());
    } else if (m.type == AE_IFLNK) {
      archive_entry_set_symlink(e, m.link.c_str());
    }
    archive_entry_set_size(e, static_cast<la_int64_t>(m.data.size()));
    archive_write_header(a, e);
    if (!m.data.empty()) archive_write_data(a, m.data.data(), m.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

// Applies a tar the test built and returns the error text ("" if it was accepted).
inline std::string ApplyError(const std::vector<Member>& members, const std::filesystem::path& into,
                              const std::string& what = "layer of hostile.tar") {
  StringSource in(BuildTar(members));
  try {
    ApplyLayerTar(in, into, nullptr, what);
  } catch (const Error& e) {
    return e.message();
  }
  return "";
}

}  // namespace ubuild::store::testing
