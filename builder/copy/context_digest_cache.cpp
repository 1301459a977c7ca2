#include "builder/copy/context_digest_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "store/base/fd.h"
#include "store/digest.h"

namespace ubuild::builder {

namespace {

constexpr std::string_view kHeader = "ubuild-context-digests v1\n";
// Coarse filesystem clocks tick every few ms; a file changed in the same tick
// as our read could keep its (mtime, ctime). Only older entries are trusted.
constexpr long long kRacyWindowNs = 100'000'000;

long long Ns(const struct timespec& ts) { return static_cast<long long>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec; }

}  // namespace

ContextDigestCache::ContextDigestCache(const std::filesystem::path& cache_dir,
                                       const std::filesystem::path& context_dir) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(context_dir, ec).lexically_normal();
  file_ = cache_dir / store::Sha256Of(abs.string()).hex();
  struct timespec now {};
  clock_gettime(CLOCK_REALTIME, &now);
  trust_before_ns_ = Ns(now) - kRacyWindowNs;

  std::ifstream in(file_, std::ios::binary);
  if (!in) return;
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string data = ss.str();
  if (data.compare(0, kHeader.size(), kHeader) != 0) return;
  const char* p = data.c_str() + kHeader.size();
  const char* end = data.c_str() + data.size();
  while (p < end) {
    const char* nl = static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(end - p)));
    if (!nl) break;
    Entry e;
    char* q = nullptr;
    e.ino = strtoull(p, &q, 10);
    e.size = strtoull(q, &q, 10);
    e.mtime_ns = strtoll(q, &q, 10);
    e.ctime_ns = strtoll(q, &q, 10);
    if (q >= nl || *q != ' ' || q + 66 > nl || q[65] != ' ') {  // malformed line: drop the cache
      entries_.clear();
      return;
    }
    e.hex.assign(q + 1, 64);
    std::string rel(static_cast<const char*>(q + 66), nl);
    entries_[std::move(rel)] = std::move(e);
    p = nl + 1;
  }
}

bool ContextDigestCache::Lookup(const std::string& rel, const struct stat& st, std::string* hex) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(rel);
  if (it == entries_.end()) return false;
  const Entry& e = it->second;
  if (e.ino != static_cast<unsigned long long>(st.st_ino) || e.size != static_cast<unsigned long long>(st.st_size) ||
      e.mtime_ns != Ns(st.st_mtim) || e.ctime_ns != Ns(st.st_ctim)) {
    return false;
  }
  *hex = e.hex;
  return true;
}

void ContextDigestCache::Store(const std::string& rel, const struct stat& st, const std::string& hex) {
  if (rel.find('\n') != std::string::npos || hex.size() != 64) return;
  if (Ns(st.st_ctim) >= trust_before_ns_ || Ns(st.st_mtim) >= trust_before_ns_) return;
  std::lock_guard<std::mutex> lock(mu_);
  Entry e;
  e.ino = static_cast<unsigned long long>(st.st_ino);
  e.size = static_cast<unsigned long long>(st.st_size);
  e.mtime_ns = Ns(st.st_mtim);
  e.ctime_ns = Ns(st.st_ctim);
  e.hex = hex;
  entries_[rel] = std::move(e);
  dirty_ = true;
}

void ContextDigestCache::Save() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!dirty_) return;
  std::string out(kHeader);
  out.reserve(kHeader.size() + entries_.size() * 120);
  for (const auto& [rel, e] : entries_) {
    out += std::to_string(e.ino);
    out += ' ';
    out += std::to_string(e.size);
    out += ' ';
    out += std::to_string(e.mtime_ns);
    out += ' ';
    out += std::to_string(e.ctime_ns);
    out += ' ';
    out += e.hex;
    out += ' ';
    out += rel;
    out += '\n';
  }
  std::error_code ec;
  std::filesystem::create_directories(file_.parent_path(), ec);
  std::string tmp = file_.string() + ".tmp." + std::to_string(getpid());
  Fd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return;
  size_t off = 0;
  bool ok = true;
  while (off < out.size()) {
    ssize_t n = write(fd.get(), out.data() + off, out.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    off += static_cast<size_t>(n);
  }
  if (close(fd.release()) != 0) ok = false;  // best effort: a failed save is a cold cache next time
  if (!ok || rename(tmp.c_str(), file_.c_str()) != 0) {
    unlink(tmp.c_str());
    return;
  }
  dirty_ = false;
}

}  // namespace ubuild::builder
