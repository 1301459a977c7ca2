#include "store/spooled_archive.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/base/lexical_path.h"

namespace ubuild::store {

namespace {

constexpr uint64_t kInMemoryMember = 1 << 20;    // larger members go to files
constexpr uint64_t kInMemoryTotal = 64 << 20;    // then everything does
constexpr int kMaxLinkHops = 16;

class OwnedFdSource : public ByteSource {
 public:
  OwnedFdSource(int fd, std::string name) : fd_(fd), source_(fd, std::move(name)) {}
  size_t Read(void* data, size_t len) override { return source_.Read(data, len); }

 private:
  Fd fd_;
  FdSource source_;
};

void WriteAll(int fd, const char* p, size_t len, const std::filesystem::path& path) {
  while (len > 0) {
    ssize_t n = ::write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SysError("write", path.string(), errno);
    }
    p += n;
    len -= static_cast<size_t>(n);
  }
}

}  // namespace

std::string NormalizeMemberPath(const std::string& path) {
  // A leading '/' does not make a member absolute: "/../x" leaves the root too.
  std::string_view rel = path;
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  std::string clean = CleanPath(rel);
  if (clean == "." || clean == ".." || clean.rfind("../", 0) == 0) return "";
  return clean;
}

SpooledArchive::SpooledArchive(const std::filesystem::path& staging_parent, std::string what)
    : what_(std::move(what)) {
  std::error_code ec;
  std::filesystem::create_directories(staging_parent, ec);
  if (ec) throw SysError("mkdir", staging_parent.string(), ec.value());
  std::string tmpl = (staging_parent / "load-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw SysError("mkdtemp", tmpl, errno);
  dir_ = tmpl;
}

SpooledArchive::~SpooledArchive() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void SpooledArchive::Add(const std::string& path, Member m) {
  if (path.empty()) throw Error("archive member with an empty or escaping path", what_);
  if (!members_.emplace(path, std::move(m)).second) throw Error("duplicate archive member", what_ + ": " + path);
}

void SpooledArchive::AddFile(const std::string& path, ByteSource& data, uint64_t size) {
  if (members_.count(path) != 0) throw Error("duplicate archive member", what_ + ": " + path);
  Member m;
  m.size = size;
  char buf[256 << 10];
  if (size <= kInMemoryMember && memory_used_ + size <= kInMemoryTotal) {
    m.data.reserve(size);
    for (size_t n; (n = data.Read(buf, sizeof buf)) > 0;) m.data.append(buf, n);
    memory_used_ += m.data.size();
  } else {
    m.file = dir_ / ("m" + std::to_string(spooled_++));
    Fd fd(::open(m.file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.valid()) throw SysError("open", m.file.string(), errno);
    for (size_t n; (n = data.Read(buf, sizeof buf)) > 0;) WriteAll(fd.get(), buf, n, m.file);
    fd.Close(m.file.string());
  }
  Add(path, std::move(m));
}

void SpooledArchive::AddLink(const std::string& path, const std::string& target, bool hardlink) {
  Member m;
  m.is_link = true;
  m.hardlink = hardlink;
  // A hardlink names its target from the archive root, a symlink from its
  // own directory (or the root when absolute).
  std::string base;
  if (!hardlink && !target.empty() && target[0] != '/') {
    size_t slash = path.rfind('/');
    if (slash != std::string::npos) base = path.substr(0, slash + 1);
  }
  m.target = NormalizeMemberPath(base + target);
  Add(path, std::move(m));
}

void SpooledArchive::AddConsumed(const std::string& path) {
  Member m;
  m.consumed = true;
  Add(path, std::move(m));
}

const SpooledArchive::Member& SpooledArchive::Resolve(const std::string& path) const {
  std::string p = path;
  for (int hop = 0; hop <= kMaxLinkHops; ++hop) {
    auto it = members_.find(p);
    if (it == members_.end()) throw Error("archive has no member " + p, what_);
    if (!it->second.is_link) {
      if (it->second.consumed) throw Error("archive member " + p + " is used twice in different ways", what_);
      return it->second;
    }
    p = it->second.target;
  }
  throw Error("too many links resolving archive member \"" + path + "\"", what_);
}

bool SpooledArchive::Has(const std::string& path) const { return members_.count(path) != 0; }

std::optional<uint64_t> SpooledArchive::Size(const std::string& path) const {
  if (!Has(path)) return std::nullopt;
  return Resolve(path).size;
}

std::string SpooledArchive::ReadString(const std::string& path, uint64_t limit) const {
  const Member& m = Resolve(path);
  if (m.size > limit) {
    throw Error("archive member \"" + path + "\" is too large (" + std::to_string(m.size) + " bytes)", what_);
  }
  if (m.file.empty()) return m.data;
  std::string out;
  auto src = Open(path);
  char buf[64 << 10];
  for (size_t n; (n = src->Read(buf, sizeof buf)) > 0;) out.append(buf, n);
  return out;
}

std::unique_ptr<ByteSource> SpooledArchive::Open(const std::string& path) const {
  const Member& m = Resolve(path);
  if (m.file.empty()) return std::make_unique<StringSource>(m.data);
  int fd = ::open(m.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw SysError("open", m.file.string(), errno);
  return std::make_unique<OwnedFdSource>(fd, what_ + ": " + path);
}

}  // namespace ubuild::store
