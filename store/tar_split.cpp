#include "store/tar_split.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <nlohmann/json.hpp>
#include <vector>

#include "store/base64.h"
#include "store/crc64.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/base/go_utf8.h"
#include "store/go_json.h"

namespace ubuild::store {

namespace {

constexpr size_t kFlushAt = 64 * 1024;
constexpr size_t kCopyBuffer = 256 * 1024;

std::string ArchiveMessage(struct archive* a) {
  const char* s = archive_error_string(a);
  return s != nullptr ? s : "unknown libarchive error";
}

// A payload name must stay inside the diff directory; tar-split files are
// ours, but a damaged one must not make replay read outside the layer.
bool IsSafeRelative(const std::string& name) {
  if (name.empty() || name[0] == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    if (name.compare(start, end - start, "..") == 0) return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

// Lines are built on the caller's thread and compressed on a worker, so a
// commit hashes files and gzips tar-split on two cores at once (the
// `tar | sha256sum` it is measured against is two processes). At most
// kMaxQueued buffers wait, which bounds memory.
struct TarSplitWriter::Impl {
  static constexpr size_t kMaxQueued = 4;

  std::string path;
  Fd fd;
  struct archive* a = nullptr;
  std::string pending;
  int64_t position = 0;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> queue;
  bool stopping = false;
  std::exception_ptr worker_error;
  std::thread worker;

  [[noreturn]] void Fail(const std::string& doing) {
    throw Error("tar-split: " + doing + ": " + ArchiveMessage(a), path);
  }

  void Run() {
    for (;;) {
      std::string buffer;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !queue.empty() || stopping; });
        if (queue.empty()) return;
        buffer = std::move(queue.front());
        queue.pop_front();
        cv.notify_all();
        if (worker_error) continue;
      }
      try {
        if (archive_write_data(a, buffer.data(), buffer.size()) < 0) Fail("write");
      } catch (...) {
        std::lock_guard lock(mu);
        worker_error = std::current_exception();
        cv.notify_all();
      }
    }
  }

  void Flush() {
    if (pending.empty()) return;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return queue.size() < kMaxQueued || worker_error; });
    if (worker_error) std::rethrow_exception(worker_error);
    queue.push_back(std::move(pending));
    pending.clear();
    cv.notify_all();
  }

  void StopWorker() {
    if (!worker.joinable()) return;
    {
      std::lock_guard lock(mu);
      stopping = true;
      cv.notify_all();
    }
    worker.join();
  }

  void Line(std::string line) {
    pending += line;
    pending += '\n';
    if (pending.size() >= kFlushAt) Flush();
  }

  void Release() {
    StopWorker();
    if (a != nullptr) {
      archive_write_fail(a);
      archive_write_free(a);
    }
    a = nullptr;
    fd.reset();
  }
};

TarSplitWriter::TarSplitWriter(const std::filesystem::path& gz_path) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.path = gz_path.string();
  s.fd.reset(::open(s.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!s.fd.valid()) throw SysError("open", s.path, errno);
  s.a = archive_write_new();
  if (s.a == nullptr) {
    s.Release();
    throw Error("tar-split: out of memory", s.path);
  }
  try {
    if (archive_write_add_filter_gzip(s.a) != ARCHIVE_OK) s.Fail("gzip");
    // No name or time in the gzip header: the same layer gives the same file.
    archive_write_set_filter_option(s.a, "gzip", "timestamp", nullptr);
    // Mostly base64 of zero-filled headers: level 1 compresses it nearly as
    // well as the default and keeps a commit at the speed of reading files.
    archive_write_set_filter_option(s.a, "gzip", "compression-level", "1");
    if (archive_write_set_format_raw(s.a) != ARCHIVE_OK) s.Fail("format");
    archive_write_set_bytes_in_last_block(s.a, 1);
    if (archive_write_open_fd(s.a, s.fd.get()) != ARCHIVE_OK) s.Fail("open");
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, "tar-split.json");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    int r = archive_write_header(s.a, e);
    archive_entry_free(e);
    if (r != ARCHIVE_OK) s.Fail("header");
    s.worker = std::thread([&s] { s.Run(); });
  } catch (...) {
    s.Release();
    throw;
  }
}

TarSplitWriter::~TarSplitWriter() { impl_->Release(); }

void TarSplitWriter::Segment(const void* data, size_t len) {
  std::string& out = impl_->pending;
  out += "{\"type\":2,\"payload\":\"";
  Base64Append(out, std::string_view(static_cast<const char*>(data), len));
  out += "\",\"position\":";
  out += std::to_string(impl_->position++);
  out += "}\n";
  if (out.size() >= kFlushAt) impl_->Flush();
}

void TarSplitWriter::File(const std::string& name, uint64_t size, const std::string& crc64_base64) {
  // Field order and omitempty rules of tar-split's storage.Entry.
  std::string line = "{\"type\":1";
  if (IsValidUtf8(name)) {
    if (!name.empty()) line += ",\"name\":" + GoJsonQuote(name);
  } else {
    line += ",\"name_raw\":\"" + Base64Encode(name) + "\"";
  }
  if (size != 0) line += ",\"size\":" + std::to_string(size);
  line += ",\"payload\":";
  line += crc64_base64.empty() ? "null" : "\"" + crc64_base64 + "\"";
  line += ",\"position\":" + std::to_string(impl_->position++) + "}";
  impl_->Line(std::move(line));
}

void TarSplitWriter::Close() {
  Impl& s = *impl_;
  if (s.a == nullptr) throw Error("tar-split: already closed", s.path);
  s.Flush();
  s.StopWorker();
  if (s.worker_error) std::rethrow_exception(s.worker_error);
  if (archive_write_close(s.a) != ARCHIVE_OK) s.Fail("close");
  archive_write_free(s.a);
  s.a = nullptr;
  // No fsync: the layer's publication syncs the filesystem (atomic_file.h).
  s.fd.Close(s.path);
}

namespace {

class LineReader {
 public:
  explicit LineReader(const std::string& path) : path_(path) {
    a_ = archive_read_new();
    if (a_ == nullptr) throw Error("tar-split: out of memory", path_);
    archive_read_support_filter_gzip(a_);
    archive_read_support_format_raw(a_);
    struct archive_entry* e = nullptr;
    if (archive_read_open_filename(a_, path_.c_str(), 64 * 1024) != ARCHIVE_OK ||
        archive_read_next_header(a_, &e) != ARCHIVE_OK) {
      std::string msg = ArchiveMessage(a_);
      archive_read_free(a_);
      throw Error("cannot read tar-split: " + msg, path_);
    }
  }
  ~LineReader() { archive_read_free(a_); }

  bool Next(std::string& line) {
    for (;;) {
      size_t nl = buf_.find('\n', pos_);
      if (nl != std::string::npos) {
        line.assign(buf_, pos_, nl - pos_);
        pos_ = nl + 1;
        return true;
      }
      buf_.erase(0, pos_);
      pos_ = 0;
      if (eof_) {
        if (buf_.empty()) return false;
        line.swap(buf_);
        buf_.clear();
        return true;
      }
      char chunk[64 * 1024];
      la_ssize_t n = archive_read_data(a_, chunk, sizeof chunk);
      if (n < 0) throw Error("cannot read tar-split: " + ArchiveMessage(a_), path_);
      if (n == 0) eof_ = true;
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  std::string path_;
  struct archive* a_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
};

// One parsed line: `type` checked to be an integer and `payload` to be a
// string or null (tar-split's storage.Entry).
nlohmann::json ParseEntry(const std::string& line, uint64_t line_no, const std::string& where) {
  nlohmann::json entry;
  try {
    entry = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw Error("tar-split line " + std::to_string(line_no) + " is not JSON: " + e.what(), where);
  }
  if (!entry.is_object() || !entry.contains("type") || !entry["type"].is_number_integer()) {
    throw Error("tar-split line " + std::to_string(line_no) + " has no type", where);
  }
  if (entry.contains("payload") && !entry["payload"].is_string() && !entry["payload"].is_null()) {
    throw Error("tar-split line " + std::to_string(line_no) + ": payload is neither string nor null", where);
  }
  return entry;
}

// A file entry's name (name_raw when it is not UTF-8), relative to the diff
// directory.
std::string EntryName(const nlohmann::json& entry, const std::string& where) {
  std::string name;
  if (entry.contains("name_raw") && entry["name_raw"].is_string()) {
    name = Base64Decode(entry["name_raw"].get<std::string>());
  } else if (entry.contains("name") && entry["name"].is_string()) {
    name = entry["name"].get<std::string>();
  }
  while (name.size() > 2 && name.compare(0, 2, "./") == 0) name.erase(0, 2);
  if (!IsSafeRelative(name)) {
    throw Error("tar-split entry \"" + name + "\" is not a path inside the layer", where);
  }
  return name;
}

// The diff directory's file for an entry, checked to still be the regular
// file of `size` bytes the layer tar recorded.
Fd OpenRecordedFile(const std::string& file, const std::string& name, int64_t size) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ELOOP) {
      throw Error("layer file \"" + name + "\" is missing from the diff directory; cannot reproduce the layer tar",
                  file);
    }
    throw SysError("open", file, errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throw SysError("fstat", file, errno);
  if (!S_ISREG(st.st_mode)) {
    throw Error("layer file \"" + name + "\" is no longer a regular file; cannot reproduce the layer tar", file);
  }
  if (st.st_size != size) {
    throw Error("layer file \"" + name + "\" has " + std::to_string(st.st_size) + " bytes, the layer tar recorded " +
                    std::to_string(size) + "; the diff directory changed",
                file);
  }
  return fd;
}

// The state one replay shares between its entries: the output, its running
// digest and the copy buffer.
class Replay {
 public:
  Replay(const std::string& where, const std::filesystem::path& diff_dir, ByteSink& out, bool check_crc)
      : where_(where), diff_dir_(diff_dir), out_(out), check_crc_(check_crc), buffer_(kCopyBuffer) {}

  void Entry(const nlohmann::json& entry, uint64_t line_no) {
    const int type = entry["type"].get<int>();
    const auto& payload = entry.contains("payload") ? entry["payload"] : nlohmann::json();
    if (type == 2) {
      std::string raw = payload.is_string() ? Base64Decode(payload.get<std::string>()) : std::string();
      sha_.Update(raw);
      out_.Write(raw.data(), raw.size());
      return;
    }
    if (type != 1) {
      throw Error("tar-split line " + std::to_string(line_no) + ": unknown type " + std::to_string(type), where_);
    }
    int64_t size = entry.value("size", int64_t{0});
    if (size < 0) throw Error("tar-split line " + std::to_string(line_no) + ": negative size", where_);
    if (size == 0) return;  // directories, links, empty files: no payload
    FileBody(EntryName(entry, where_), size, payload);
  }

  Digest Final() { return sha_.Final(); }

 private:
  // Streams the file's bytes from the diff directory, checking them against
  // the recorded crc64 when asked.
  void FileBody(const std::string& name, int64_t size, const nlohmann::json& payload) {
    const std::string file = (diff_dir_ / name).string();
    Fd fd = OpenRecordedFile(file, name, size);
    Crc64Iso crc;
    int64_t left = size;
    while (left > 0) {
      ssize_t n = ::read(fd.get(), buffer_.data(), static_cast<size_t>(std::min<int64_t>(left, buffer_.size())));
      if (n < 0) {
        if (errno == EINTR) continue;
        throw SysError("read", file, errno);
      }
      if (n == 0) throw Error("layer file \"" + name + "\" shrank while it was read", file);
      if (check_crc_) crc.Update(buffer_.data(), static_cast<size_t>(n));
      sha_.Update(buffer_.data(), static_cast<size_t>(n));
      out_.Write(buffer_.data(), static_cast<size_t>(n));
      left -= n;
    }
    if (check_crc_ && payload.is_string() && Base64Decode(payload.get<std::string>()) != crc.BigEndianBytes()) {
      throw Error("layer file \"" + name +
                      "\" does not have the content the layer tar recorded (crc64 mismatch); the diff directory changed",
                  file);
    }
  }

  const std::string& where_;
  const std::filesystem::path& diff_dir_;
  ByteSink& out_;
  const bool check_crc_;
  Sha256 sha_;
  std::vector<char> buffer_;
};

}  // namespace

Digest ReplayTarSplit(const std::filesystem::path& gz_path, const std::filesystem::path& diff_dir, ByteSink& out,
                      bool check_crc) {
  const std::string where = gz_path.string();
  LineReader lines(where);
  Replay replay(where, diff_dir, out, check_crc);
  std::string line;
  uint64_t line_no = 0;
  while (lines.Next(line)) {
    ++line_no;
    if (line.empty()) continue;
    replay.Entry(ParseEntry(line, line_no, where), line_no);
  }
  return replay.Final();
}

}  // namespace ubuild::store
