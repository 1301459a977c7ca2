#include "store/tar_archive_output.h"

#include <archive.h>
#include <archive_entry.h>

#include <exception>
#include <memory>

#include "store/base/error.h"

namespace ubuild::store {

TarArchiveOutput::TarArchiveOutput(ByteSink& out) : out_(out) {
  a_ = archive_write_new();
  if (a_ == nullptr) throw Error("libarchive: cannot allocate a tar writer");
  // Block size 0 hands every header and data chunk straight to the sink and
  // leaves the end of the archive unpadded.
  if (archive_write_set_format_pax_restricted(a_) != ARCHIVE_OK ||
      archive_write_add_filter_none(a_) != ARCHIVE_OK || archive_write_set_bytes_per_block(a_, 0) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a_, 1) != ARCHIVE_OK ||
      archive_write_open(a_, this, nullptr, &TarArchiveOutput::WriteCallback, nullptr) != ARCHIVE_OK) {
    Fail("opening the archive");
  }
}

TarArchiveOutput::~TarArchiveOutput() {
  // An archive abandoned after an error must not get its end blocks: a
  // truncated output is better than one that looks complete.
  if (a_ != nullptr) archive_write_free(a_);
}

long TarArchiveOutput::WriteCallback(struct archive*, void* self, const void* buf, size_t len) {
  auto* me = static_cast<TarArchiveOutput*>(self);
  try {
    me->out_.Write(buf, len);
  } catch (...) {
    me->sink_error_ = std::current_exception();
    return -1;
  }
  return static_cast<long>(len);
}

void TarArchiveOutput::Fail(const std::string& doing) {
  if (sink_error_) std::rethrow_exception(sink_error_);
  const char* msg = a_ != nullptr ? archive_error_string(a_) : nullptr;
  throw Error(std::string("writing tar archive: ") + doing + ": " + (msg != nullptr ? msg : "libarchive error"));
}

void TarArchiveOutput::WriteHeader(const std::string& name, bool directory, uint64_t size) {
  if (closed_) throw Error("tar archive already closed", name);
  if (entry_.open) throw Error("tar archive entry \"" + entry_.name + "\" not finished", name);
  std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(), archive_entry_free);
  if (!e) throw Error("libarchive: cannot allocate an entry", name);
  archive_entry_set_pathname(e.get(), name.c_str());
  archive_entry_set_filetype(e.get(), directory ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm(e.get(), directory ? 0755 : 0644);
  archive_entry_set_size(e.get(), directory ? 0 : static_cast<la_int64_t>(size));
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  archive_entry_set_mtime(e.get(), 0, 0);
  if (archive_write_header(a_, e.get()) != ARCHIVE_OK) Fail("header of " + name);
}

void TarArchiveOutput::AddDirectory(const std::string& name) { WriteHeader(name, true, 0); }

void TarArchiveOutput::AddFile(const std::string& name, std::string_view bytes) {
  ByteSink& sink = BeginFile(name, bytes.size());
  sink.Write(bytes.data(), bytes.size());
  EndFile();
}

ByteSink& TarArchiveOutput::BeginFile(const std::string& name, uint64_t size) {
  WriteHeader(name, false, size);
  entry_.name = name;
  entry_.size = size;
  entry_.written = 0;
  entry_.open = true;
  return entry_;
}

void TarArchiveOutput::EntrySink::Write(const void* data, size_t len) {
  if (!open) throw Error("write outside a tar archive entry");
  if (len > size - written) {
    throw Error("more than the announced " + std::to_string(size) + " bytes", name);
  }
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    la_ssize_t n = archive_write_data(owner_.a_, p, len);
    if (n <= 0) owner_.Fail("data of " + name);
    p += n;
    len -= static_cast<size_t>(n);
    written += static_cast<uint64_t>(n);
  }
}

void TarArchiveOutput::EndFile() {
  if (!entry_.open) throw Error("no tar archive entry open");
  entry_.open = false;
  if (entry_.written != entry_.size) {
    throw Error("wrote " + std::to_string(entry_.written) + " bytes, announced " + std::to_string(entry_.size),
                entry_.name);
  }
  if (archive_write_finish_entry(a_) != ARCHIVE_OK) Fail("end of " + entry_.name);
}

void TarArchiveOutput::Close() {
  if (closed_) return;
  if (entry_.open) throw Error("tar archive entry not finished", entry_.name);
  if (archive_write_close(a_) != ARCHIVE_OK) Fail("closing");
  closed_ = true;
}

}  // namespace ubuild::store
