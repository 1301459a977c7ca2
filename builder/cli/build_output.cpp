#include "builder/cli/build_output.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>

#include "builder/dispatch/real_step_runtime.h"
#include "builder/output_file.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/image_archive_writer.h"
#include "store/image_config.h"
#include "store/reference_store.h"

namespace ubuild::cli {
namespace fs = std::filesystem;

namespace {

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveFree>;

void Check(struct archive* a, int rc, const std::string& what) {
  if (rc < ARCHIVE_WARN) throw Error(std::string(archive_error_string(a) ? archive_error_string(a) : "libarchive failed"), what);
}

// Every entry under `root` (not root itself), named `name_prefix` + its path
// relative to root, to `out` (a tar writer or the disk writer).
void CopyTree(const fs::path& root, struct archive* out, const std::string& what, const std::string& name_prefix) {
  ArchivePtr disk(archive_read_disk_new());
  // Links stay links; owners as numbers, the image's ids, not this host's names.
  archive_read_disk_set_symlink_physical(disk.get());
  archive_read_disk_set_behavior(disk.get(), ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
  Check(disk.get(), archive_read_disk_open(disk.get(), root.c_str()), what);
  const std::string prefix = root.string() + "/";
  std::vector<char> buf(1 << 16);
  for (;;) {
    struct archive_entry* e = nullptr;
    int rc = archive_read_next_header(disk.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    Check(disk.get(), rc, what);
    archive_read_disk_descend(disk.get());
    const std::string path = archive_entry_pathname(e);
    if (path.size() <= prefix.size()) continue;  // the root itself
    archive_entry_set_pathname(e, (name_prefix + path.substr(prefix.size())).c_str());
    archive_entry_set_uname(e, nullptr);
    archive_entry_set_gname(e, nullptr);
    Check(out, archive_write_header(out, e), what + ": " + path.substr(prefix.size()));
    if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0) {
      ssize_t n;
      while ((n = archive_read_data(disk.get(), buf.data(), buf.size())) > 0) {
        if (archive_write_data(out, buf.data(), static_cast<size_t>(n)) < 0) Check(out, ARCHIVE_FATAL, what);
      }
      if (n < 0) Check(disk.get(), ARCHIVE_FATAL, what);
    }
  }
}

// Shows the image's filesystem (read-only use of a throwaway upperdir).
void WithImageFilesystem(store::Store& store, const store::Digest& id, const std::function<void(const fs::path&)>& fn) {
  const store::ImageConfig config = store::ImageConfig::Parse(store.images().GetConfig(id), id.str());
  const std::optional<store::Digest> top = store::TopChainId(config);
  store::PendingLayer pending;
  {
    store::Store::Scope adding = store.Adding();
    pending = store.layers().CreatePending();
  }
  try {
    builder::RealStepRuntime runtime;
    runtime.WithRootfs(store.layers().LowerDirs(top), pending, fn);
  } catch (...) {
    store.layers().Discard(pending);
    throw;
  }
  store.layers().Discard(pending);
}

// Writes FILE through a temporary name beside it, renamed into place once
// complete, so a failed export leaves no truncated FILE; "-" is stdout, and
// a device or FIFO (/dev/null) is written in place, as a rename would replace it.
void WriteFile(const fs::path& dest, const std::function<void(int fd)>& write) {
  if (dest == "-") {
    write(STDOUT_FILENO);
    return;
  }
  if (builder::IsSpecialOutputFile(dest)) {
    Fd fd(::open(dest.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) throw SysError("open", dest.string(), errno);
    write(fd.get());
    fd.Close(dest.string());
    return;
  }
  const fs::path dir = dest.parent_path().empty() ? fs::path(".") : dest.parent_path();
  std::string tmp = (dir / ("." + dest.filename().string() + ".ubuild-XXXXXX")).string();
  Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd.valid()) throw SysError("create", tmp, errno);
  try {
    write(fd.get());
    if (::fchmod(fd.get(), 0644) != 0) throw SysError("chmod", dest.string(), errno);
    fd.Close(dest.string());
    if (::rename(tmp.c_str(), dest.c_str()) != 0) throw SysError("rename", dest.string(), errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

void WriteTar(const fs::path& rootfs, int fd, const std::string& what) {
  ArchivePtr tar(archive_write_new());
  archive_write_set_format_pax_restricted(tar.get());
  archive_write_set_bytes_in_last_block(tar.get(), 1);
  Check(tar.get(), archive_write_open_fd(tar.get(), fd), what);
  CopyTree(rootfs, tar.get(), what, "");
  Check(tar.get(), archive_write_close(tar.get()), what);
}

void WriteLocal(const fs::path& rootfs, const fs::path& dest) {
  const std::string what = "--output " + dest.string();
  std::error_code ec;
  fs::create_directories(dest, ec);
  if (ec) throw SysError("mkdir", dest.string(), ec.value());
  // Canonical, so the secure-symlinks check meets no link above DEST.
  const fs::path abs = fs::canonical(dest);
  ArchivePtr disk(archive_write_disk_new());
  archive_write_disk_set_options(disk.get(), ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                                                 ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                 ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_UNLINK);
  CopyTree(rootfs, disk.get(), what, abs == "/" ? "/" : abs.string() + "/");
  Check(disk.get(), archive_write_close(disk.get()), what);
}

}  // namespace

void WriteBuildOutput(store::Store& store, const store::Digest& image_id, const OutputSpec& output,
                      const std::vector<std::string>& tags) {
  const std::string what = "--output " + output.dest.string();
  switch (output.type) {
    case OutputSpec::Type::kLocal:
      WithImageFilesystem(store, image_id, [&](const fs::path& rootfs) { WriteLocal(rootfs, output.dest); });
      return;
    case OutputSpec::Type::kTar:
      WithImageFilesystem(store, image_id, [&](const fs::path& rootfs) {
        WriteFile(output.dest, [&](int fd) { WriteTar(rootfs, fd, what); });
      });
      return;
    case OutputSpec::Type::kDocker:
    case OutputSpec::Type::kOci: {
      store::ImageToSave image{image_id, {}};
      if (!output.name.empty()) {
        image.tags.push_back(store::NormalizeReference(output.name));
      } else {
        for (const std::string& t : tags) image.tags.push_back(store::NormalizeReference(t));
      }
      WriteFile(output.dest, [&](int fd) {
        store::FdSink sink(fd, what);
        store::WriteImageArchive(store, {image}, sink);
      });
      return;
    }
  }
}

}  // namespace ubuild::cli
