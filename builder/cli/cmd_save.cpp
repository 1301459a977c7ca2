// `ubuild save [-o FILE] REF...`: images -> a docker-load tarball
// (store/image_archive_writer.h). To a file it writes a temporary name in
// the same directory and renames it into place only once the archive is
// complete, so a failed save never leaves a truncated FILE behind.
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <optional>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/image_archive_writer.h"
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

void SaveToFile(const store::Store& s, const std::vector<ImageToSave>& images, const std::filesystem::path& file) {
  std::filesystem::path dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  std::string tmp = (dir / ("." + file.filename().string() + ".ubuild-XXXXXX")).string();
  Fd fd(::mkstemp(tmp.data()));
  if (!fd.valid()) throw SysError("create", tmp, errno);
  try {
    store::FdSink sink(fd.get(), file.string());
    store::WriteImageArchive(s, images, sink);
    if (::fchmod(fd.get(), 0644) != 0) throw SysError("chmod", tmp, errno);
    fd.Close(tmp);
    if (::rename(tmp.c_str(), file.c_str()) != 0) throw SysError("rename", file.string(), errno);
  } catch (...) {
    fd.reset();
    ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace

int CmdSave(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("save"), args);
  const std::vector<std::string>& refs = p.positional;
  std::optional<std::string> output;
  if (auto o = p.values.find("output"); o != p.values.end()) output = o->second;
  if (refs.empty()) throw UsageError("save: needs at least one image (usage: ubuild save [-o FILE] REF...)");
  if (output && output->empty()) throw UsageError("save: -o needs a file name");
  if (!output && ::isatty(STDOUT_FILENO)) {
    throw Error("refusing to write an image archive to a terminal: use -o FILE or redirect standard output");
  }

  store::Store s = store::Store::Open(g.root, store::Store::Mode::kRead);
  std::vector<ImageToSave> images = ResolveImages(s, refs);
  if (output) {
    SaveToFile(s, images, *output);
  } else {
    store::FdSink sink(STDOUT_FILENO, "standard output");
    store::WriteImageArchive(s, images, sink);
  }
  return 0;
}

}  // namespace ubuild::cli
