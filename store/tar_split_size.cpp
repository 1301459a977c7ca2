#include "store/tar_split_size.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "store/byte_stream.h"
#include "store/decompressing_source.h"
#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild::store {

namespace {

// Decoded length of standard base64 text, from its length and padding.
uint64_t Base64DecodedSize(std::string_view b64) {
  size_t pad = 0;
  while (pad < 2 && pad < b64.size() && b64[b64.size() - 1 - pad] == '=') ++pad;
  return b64.size() / 4 * 3 - pad;
}

// One JSON line of tar-split (Docker's storage.Entry): type 1 = a file
// payload of "size" bytes, type 2 = raw bytes in base64 "payload".
uint64_t EntrySize(std::string_view line, const std::string& where) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Error("tar-split: line is not a JSON object", where);
  int type = j.value("type", 0);
  if (type == 1) {
    // "size" is omitempty in tar-split's Go struct: an empty file has none.
    auto it = j.find("size");
    if (it == j.end()) return 0;
    if (!it->is_number_integer() || it->get<int64_t>() < 0) {
      throw Error("tar-split: file entry without a size", where);
    }
    return it->get<uint64_t>();
  }
  if (type == 2) {
    auto it = j.find("payload");
    if (it == j.end() || it->is_null()) return 0;
    if (!it->is_string()) throw Error("tar-split: segment payload is not a string", where);
    const std::string& p = it->get_ref<const std::string&>();
    if (p.size() % 4 != 0) throw Error("tar-split: segment payload is not base64", where);
    return Base64DecodedSize(p);
  }
  throw Error("tar-split: unknown entry type " + std::to_string(type), where);
}

}  // namespace

uint64_t TarSplitTarSize(const std::filesystem::path& gz_path) {
  const Fd fd(::open(gz_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw SysError("open", gz_path.string(), errno);
  FdSource file(fd.get(), gz_path.string());
  DecompressingSource json(file, gz_path.string());

  uint64_t total = 0;
  std::string pending;
  char buf[64 << 10];
  for (;;) {
    size_t n = json.Read(buf, sizeof buf);
    if (n == 0) break;
    pending.append(buf, n);
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (nl > start) total += EntrySize(std::string_view(pending).substr(start, nl - start), gz_path.string());
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) total += EntrySize(pending, gz_path.string());
  return total;
}

}  // namespace ubuild::store
