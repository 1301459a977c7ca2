// `ubuild save [-o FILE] [--compression gzip|zstd|uncompressed]
// [--compression-level N] REF...`: images -> a docker-load tarball
// (store/image_archive_writer.h), its layers compressed on every core by
// push's compressors when asked (store/registry/archive_layer_compressor.h).
// To a file it writes an unnamed file in
// the same directory and puts it in place only once the archive is
// complete, so a failed or killed save never leaves a truncated FILE behind;
// a device or FIFO there (/dev/null) is written in place instead.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <optional>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/compression_flags.h"
#include "builder/cli/progress_display.h"
#include "builder/output_file.h"
#include "store/base/error.h"
#include "store/atomic_file.h"
#include "store/base/fd.h"
#include "store/counted_stream.h"
#include "store/image_archive_writer.h"
#include "store/random_name.h"
#include "store/registry/archive_layer_compressor.h"
#include "store/store.h"

namespace ubuild::cli {

namespace {

using store::Digest;
using store::ImageToSave;

// A ref names an image through a tag (which the archive then carries) or
// by id (saved untagged, as `docker save <id>` does).
std::vector<ImageToSave> ResolveImages(const store::Store& s, const std::vector<std::string>& refs) {
  std::vector<ImageToSave> out;
  for (const std::string& ref : refs) {
    std::optional<std::string> tag;
    std::optional<Digest> id;
    try {
      if ((id = s.refs().Get(ref))) tag = store::NormalizeReference(ref);
    } catch (const Error&) {
      // Not a valid name; it may still be an id.
    }
    if (!id) id = s.Resolve(ref);
    if (!id) throw Error("no such image", ref);
    auto it = std::find_if(out.begin(), out.end(), [&](const ImageToSave& i) { return i.id == *id; });
    if (it == out.end()) {
      out.push_back(ImageToSave{*id, {}});
      it = out.end() - 1;
    }
    if (tag && std::find(it->tags.begin(), it->tags.end(), *tag) == it->tags.end()) it->tags.push_back(*tag);
  }
  return out;
}

// Names `.FILE.ubuild-XXXXXX` beside FILE: a save's file between link and
// rename, or (where the filesystem has no O_TMPFILE) while it is written.
std::string TempPrefix(const std::filesystem::path& file) { return "." + file.filename().string() + ".ubuild-"; }

// Such a name whose file no process holds locked is what a killed save of
// FILE left; the saving process holds its file's flock until it exits.
void RemoveStaleTempNames(const std::filesystem::path& dir, const std::string& prefix) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) continue;
    const Fd fd(::open(entry.path().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (fd.valid() && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) ::unlink(entry.path().c_str());
  }
}

// The archive is written to an unnamed file in FILE's directory (O_TMPFILE)
// and named only once complete, then renamed over FILE, so a save that
// fails or is killed never leaves a truncated FILE or a temp file behind.
// The link-then-rename keeps the replace atomic; a kill between those two
// calls leaves a locked-then-orphaned temp name the next save removes.
void SaveToFile(const store::Store& s, const std::vector<ImageToSave>& images, const std::filesystem::path& file,
                ByteCounter& bytes, store::LayerBlobEncoder* encoder) {
  if (builder::IsSpecialOutputFile(file)) {
    // /dev/null or a pipe: written in place, as a rename would replace it.
    const Fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) throw SysError("open", file.string(), errno);
    store::FdSink file_sink(fd.get(), file.string());
    store::CountedSink sink(file_sink, bytes);
    store::WriteImageArchive(s, images, sink, &bytes, encoder);
    return;
  }
  std::filesystem::path dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  const std::string prefix = TempPrefix(file);
  RemoveStaleTempNames(dir, prefix);
  std::string tmp;  // named only on the mkstemp path or once linked
  Fd fd(::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
  if (!fd.valid() && (errno == EOPNOTSUPP || errno == EISDIR)) {
    tmp = (dir / (prefix + "XXXXXX")).string();
    fd.reset(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!fd.valid()) throw SysError("create", tmp, errno);
  } else if (!fd.valid()) {
    throw SysError("create", dir.string(), errno);
  }
  try {
    // The lock lives on the open file, which `held` keeps after fd's close.
    if (::flock(fd.get(), LOCK_EX) != 0) throw SysError("flock", file.string(), errno);
    const Fd held(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
    if (!held.valid()) throw SysError("dup", file.string(), errno);
    store::FdSink file_sink(fd.get(), file.string());
    store::CountedSink sink(file_sink, bytes);
    store::WriteImageArchive(s, images, sink, &bytes, encoder);
    if (::fchmod(fd.get(), 0644) != 0) throw SysError("chmod", file.string(), errno);
    fd.Close(file.string());
    if (tmp.empty()) {
      const std::string self = "/proc/self/fd/" + std::to_string(held.get());
      int rc = 0;
      do {
        tmp = (dir / (prefix + store::RandomHex(3))).string();
        rc = ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, tmp.c_str(), AT_SYMLINK_FOLLOW);
      } while (rc != 0 && errno == EEXIST);
      if (rc != 0) {
        const int err = errno;
        tmp.clear();
        throw SysError("link", file.string(), err);
      }
    }
    if (::rename(tmp.c_str(), file.c_str()) != 0) throw SysError("rename", file.string(), errno);
  } catch (...) {
    fd.reset();
    if (!tmp.empty()) ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace

int CmdSave(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("save"), args);
  const std::vector<std::string>& refs = p.positional;
  std::optional<std::string> output;
  if (auto o = p.values.find("output"); o != p.values.end()) output = o->second;
  if (refs.empty()) {
    throw UsageError("save: needs at least one image (usage: ubuild save [-o FILE] [--compression C] REF...)");
  }
  const auto compression = CompressionFromFlags(p, "uncompressed");
  if (output && output->empty()) throw UsageError("save: -o needs a file name");
  if (!output && ::isatty(STDOUT_FILENO)) {
    throw Error("refusing to write an image archive to a terminal: use -o FILE or redirect standard output");
  }

  store::Store s = store::Store::Open(g.root, store::Store::Mode::kRead);
  std::vector<ImageToSave> images = ResolveImages(s, refs);
  std::optional<store::registry::ArchiveLayerCompressor> compressor;
  if (compression && compression->kind != store::registry::LayerCompression::Kind::kUncompressed) {
    compressor.emplace(s, *compression);
  }
  store::LayerBlobEncoder* encoder = compressor ? &*compressor : nullptr;
  // A live byte count when stderr is a terminal; otherwise as quiet as docker save.
  ProgressDisplay display(builder::Progress::kAuto, "Saving");
  ProgressTask task(&display.sink(), "writing " + (output ? *output : std::string("standard output")));
  if (output) {
    SaveToFile(s, images, *output, task.bytes(), encoder);
  } else {
    store::FdSink out(STDOUT_FILENO, "standard output");
    store::CountedSink sink(out, task.bytes());
    store::WriteImageArchive(s, images, sink, &task.bytes(), encoder);
  }
  return 0;
}

}  // namespace ubuild::cli
