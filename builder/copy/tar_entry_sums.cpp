#include "builder/copy/tar_entry_sums.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "builder/copy/source_hash.h"
#include "store/base/error.h"
#include "store/base/lexical_path.h"
#include "store/digest.h"

namespace ubuild::builder {

namespace {

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

// The decompressed bytes of the archive, in order.
class RawStream {
 public:
  RawStream(const std::filesystem::path& path, std::string what) : what_(std::move(what)) {
    a_.reset(archive_read_new());
    archive_read_support_filter_all(a_.get());
    archive_read_support_format_raw(a_.get());
    struct archive_entry* e = nullptr;
    if (archive_read_open_filename(a_.get(), path.c_str(), 1 << 16) != ARCHIVE_OK ||
        archive_read_next_header(a_.get(), &e) != ARCHIVE_OK) {
      throw Error(std::string("cannot read the archive: ") + ErrorText(), what_);
    }
  }
  // Exactly n bytes, or false at the end of the stream before any.
  bool Read(char* out, size_t n) {
    size_t got = 0;
    while (got < n) {
      const la_ssize_t r = archive_read_data(a_.get(), out + got, n - got);
      if (r < 0) throw Error(std::string("cannot read the archive: ") + ErrorText(), what_);
      if (r == 0) {
        if (got == 0) return false;
        throw Error("the archive ends inside an entry", what_);
      }
      got += static_cast<size_t>(r);
    }
    return true;
  }
  const std::string& what() const { return what_; }

 private:
  std::string ErrorText() const {
    const char* s = archive_error_string(a_.get());
    return s ? s : "unknown error";
  }
  std::unique_ptr<struct archive, ArchiveFree> a_;
  std::string what_;
};

std::string CString(const char* p, size_t n) { return std::string(p, std::find(p, p + n, '\0')); }

// Go's parseNumeric: base-256 when the top bit is set, else octal with
// spaces and NULs trimmed.
long long Numeric(const char* p, size_t n) {
  if (n > 0 && (static_cast<unsigned char>(p[0]) & 0x80)) {
    unsigned long long v = static_cast<unsigned char>(p[0]) & 0x7f;
    for (size_t i = 1; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return static_cast<long long>(v);
  }
  std::string s(p, n);
  const size_t start = s.find_first_not_of(std::string(" \0", 2));
  if (start == std::string::npos) return 0;
  const size_t end = s.find_last_not_of(std::string(" \0", 2));
  s = s.substr(start, end - start + 1);
  if (s.find_first_not_of("01234567") != std::string::npos) return 0;
  return std::stoll(s, nullptr, 8);
}

bool ChecksumOk(const char* b) {
  long long want = Numeric(b + 148, 8);
  unsigned long long u = 0;
  long long s = 0;
  for (int i = 0; i < 512; ++i) {
    const char c = (i >= 148 && i < 156) ? ' ' : b[i];
    u += static_cast<unsigned char>(c);
    s += static_cast<signed char>(c);
  }
  return want == static_cast<long long>(u) || want == s;
}

std::string ReadPadded(RawStream& in, long long size) {
  if (size < 0 || size > (64 << 20)) throw Error("an archive metadata entry is too large", in.what());
  const size_t padded = (static_cast<size_t>(size) + 511) / 512 * 512;
  std::string data(padded, '\0');
  if (padded && !in.Read(data.data(), padded)) throw Error("the archive ends inside an entry", in.what());
  data.resize(static_cast<size_t>(size));
  return data;
}

// PAX records: "LEN KEY=VALUE\n"...
std::vector<std::pair<std::string, std::string>> PaxRecords(const std::string& data, const std::string& what) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t at = 0;
  while (at < data.size()) {
    const size_t space = data.find(' ', at);
    if (space == std::string::npos) throw Error("invalid PAX record", what);
    const size_t len = std::stoul(data.substr(at, space - at));
    if (len == 0 || at + len > data.size()) throw Error("invalid PAX record", what);
    const std::string record = data.substr(space + 1, at + len - space - 2);  // without the '\n'
    const size_t eq = record.find('=');
    if (eq == std::string::npos) throw Error("invalid PAX record", what);
    out.emplace_back(record.substr(0, eq), record.substr(eq + 1));
    at += len;
  }
  return out;
}

// A header block's own fields, as Go's archive/tar reads ustar and GNU.
TarsumHeader HeaderFields(const char* b) {
  TarsumHeader h;
  h.name = CString(b, 100);
  h.mode = Numeric(b + 100, 8);
  h.uid = Numeric(b + 108, 8);
  h.gid = Numeric(b + 116, 8);
  h.size = Numeric(b + 124, 12);
  h.typeflag = b[156];
  h.linkname = CString(b + 157, 100);
  const std::string magic(b + 257, 8);
  const bool ustar = magic == std::string("ustar\0" "00", 8);
  const bool gnu = magic == std::string("ustar  \0", 8);
  if (ustar || gnu) {
    h.uname = CString(b + 265, 32);
    h.gname = CString(b + 297, 32);
    h.devmajor = Numeric(b + 329, 8);
    h.devminor = Numeric(b + 337, 8);
  }
  if (ustar) {
    const std::string prefix = CString(b + 345, 155);
    if (!prefix.empty()) h.name = prefix + "/" + h.name;
  }
  return h;
}

// What PAX and GNU long-name entries say about the entry after them.
struct PendingMeta {
  std::vector<std::pair<std::string, std::string>> pax;
  std::string long_name, long_link;
  bool have_long_name = false, have_long_link = false;

  // Reads the body of a metadata entry ('x', 'g', 'L', 'K'); false for
  // any other type, whose body is left unread.
  bool Read(RawStream& in, const TarsumHeader& h) {
    switch (h.typeflag) {
      case 'x': {
        auto records = PaxRecords(ReadPadded(in, h.size), in.what());
        pax.insert(pax.end(), records.begin(), records.end());
        return true;
      }
      case 'g':
        ReadPadded(in, h.size);
        return true;
      case 'L':
        long_name = CString(ReadPadded(in, h.size).c_str(), static_cast<size_t>(h.size));
        have_long_name = true;
        return true;
      case 'K':
        long_link = CString(ReadPadded(in, h.size).c_str(), static_cast<size_t>(h.size));
        have_long_link = true;
        return true;
      default:
        return false;
    }
  }

  // Applies what was read to the entry h, then forgets it.
  void ApplyTo(TarsumHeader& h) {
    if (have_long_name) h.name = long_name;
    if (have_long_link) h.linkname = long_link;
    for (const auto& [k, v] : pax) {
      if (k == "path") h.name = v;
      else if (k == "linkpath") h.linkname = v;
      else if (k == "size") h.size = std::stoll(v);
      else if (k == "uid") h.uid = std::stoll(v);
      else if (k == "gid") h.gid = std::stoll(v);
      else if (k == "uname") h.uname = v;
      else if (k == "gname") h.gname = v;
      else if (k.rfind("SCHILY.xattr.", 0) == 0) h.xattrs.emplace_back(k.substr(13), v);
    }
    pax.clear();
    have_long_name = have_long_link = false;
  }
};

// Hashes the entry's data (and skips its padding) into sha.
void HashData(RawStream& in, const TarsumHeader& h, std::vector<char>& buf, store::Sha256& sha) {
  // Header-only types carry no data whatever their size field says.
  const bool has_data = h.typeflag != '1' && h.typeflag != '2' && h.typeflag != '3' && h.typeflag != '4' &&
                        h.typeflag != '5' && h.typeflag != '6';
  if (!has_data || h.size <= 0) return;
  long long left = h.size;
  while (left > 0) {
    const size_t n = static_cast<size_t>(std::min<long long>(left, static_cast<long long>(buf.size())));
    if (!in.Read(buf.data(), n)) throw Error("the archive ends inside " + h.name, in.what());
    sha.Update(buf.data(), n);
    left -= static_cast<long long>(n);
  }
  const size_t pad = static_cast<size_t>((512 - h.size % 512) % 512);
  if (pad && !in.Read(buf.data(), pad)) throw Error("the archive ends inside " + h.name, in.what());
}

}  // namespace

TarEntrySums ReadTarEntrySums(const std::filesystem::path& archive, const std::string& what) {
  RawStream in(archive, what);
  TarEntrySums sums;
  PendingMeta meta;
  char b[512];
  std::vector<char> buf(1 << 16);
  while (in.Read(b, sizeof b)) {
    if (std::all_of(b, b + 512, [](char c) { return c == 0; })) break;  // the end-of-archive blocks
    if (!ChecksumOk(b)) throw Error("not a tar archive (a header's checksum is wrong)", what);
    TarsumHeader h = HeaderFields(b);
    if (meta.Read(in, h)) continue;
    meta.ApplyTo(h);
    if (h.typeflag == '\0') h.typeflag = !h.name.empty() && h.name.back() == '/' ? '5' : '0';
    // The daemon's sums name no owners: checked against Docker 20.10, whose
    // COPY hashes of a GNU tar (uname "root") match only with both empty.
    h.uname.clear();
    h.gname.clear();

    store::Sha256 sha;
    HashTarsumHeader(h, &sha);
    HashData(in, h, buf, sha);
    // tarsum's name for lookups: path.Join(".", path.Join("/", name)).
    const std::string key = CleanPath("/" + h.name);
    sums.emplace(key == "/" ? "." : key.substr(1), sha.Final().hex());
  }
  return sums;
}

}  // namespace ubuild::builder
