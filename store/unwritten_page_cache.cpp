#include "store/unwritten_page_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>

#include "store/base/fd.h"

namespace ubuild::store {

namespace {

// The kB figure of the line "NAME:   123 kB", or nullopt.
std::optional<uint64_t> KilobytesOf(std::string_view meminfo, std::string_view name) {
  for (size_t at = 0; at < meminfo.size();) {
    size_t end = meminfo.find('\n', at);
    if (end == std::string_view::npos) end = meminfo.size();
    std::string_view line = meminfo.substr(at, end - at);
    at = end + 1;
    if (line.size() <= name.size() || line.compare(0, name.size(), name) != 0 || line[name.size()] != ':') continue;
    size_t digits = line.find_first_of("0123456789", name.size() + 1);
    if (digits == std::string_view::npos) return std::nullopt;
    uint64_t kb = 0;
    auto [ptr, ec] = std::from_chars(line.data() + digits, line.data() + line.size(), kb);
    if (ec != std::errc()) return std::nullopt;
    return kb;
  }
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> UnwrittenBytesIn(std::string_view meminfo) {
  std::optional<uint64_t> dirty = KilobytesOf(meminfo, "Dirty");
  std::optional<uint64_t> writeback = KilobytesOf(meminfo, "Writeback");
  if (!dirty || !writeback) return std::nullopt;
  return (*dirty + *writeback) * 1024;
}

std::optional<uint64_t> UnwrittenPageCacheBytes() {
  Fd fd(::open("/proc/meminfo", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  // The file is a few KiB; one read of a procfs file returns it whole.
  char buf[8192];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n <= 0) return std::nullopt;
  return UnwrittenBytesIn(std::string_view(buf, static_cast<size_t>(n)));
}

}  // namespace ubuild::store
