// ubuild import FILE|- [NAME[:TAG]]: a rootfs tarball becomes a one-layer
// image, as `docker import` makes it. The layer is the tarball's decompressed
// bytes, hashed while applied, so the diff_id equals docker's for the same file.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <optional>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "store/byte_stream.h"
#include "store/decompressing_source.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/reference_store.h"
#include "store/image_config.h"
#include "store/rfc3339.h"
#include "store/source_date_epoch.h"
#include "store/store.h"

namespace ubuild::cli {

namespace {

std::string GoArch() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "386";
#elif defined(__arm__)
  return "arm";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
  return "ppc64le";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "unknown";
#endif
}

// The config docker import writes: FROM scratch's, one layer, the message as
// comment of the image and of its one history entry.
std::string ImportConfig(const store::Digest& diff_id, const std::string& comment, const std::string& created) {
  store::ImageConfig config = store::ImageConfig::Scratch();
  config.architecture = GoArch();
  config.comment = comment;
  config.created = created;
  config.diff_ids().push_back(diff_id);
  store::HistoryEntry entry;
  entry.created = created;
  entry.comment = comment;
  config.AddHistory(entry);
  return config.Serialize();
}

}  // namespace

int CmdImport(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("import"), args);
  if (p.positional.empty() || p.positional.size() > 2) {
    throw UsageError("import needs FILE|- and optionally NAME[:TAG]");
  }
  const std::string& source = p.positional[0];
  std::optional<std::string> ref;
  if (p.positional.size() == 2) ref = store::NormalizeReference(p.positional[1]);  // before touching the store

  Fd file;  // FILE; "-" is standard input, which stays open
  if (source != "-") {
    file.reset(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file.valid()) throw SysError("open", source, errno);
  }
  const int fd = file.valid() ? file.get() : STDIN_FILENO;

  // The docker CLI streams a local file to the engine, which records
  // "Imported from -" whatever its path; so does ubuild, which also keeps the
  // base image id independent of where the tarball lies (reproducible builds).
  std::string comment = p.values.count("message") ? p.values["message"] : "Imported from -";
  std::string created = store::CreatedAt(store::SourceDateEpoch());

  auto s = store::Store::Open(g.root, store::Store::Mode::kWrite);
  store::FdSource raw(fd, source == "-" ? "stdin" : source);
  store::DecompressingSource tar(raw, source);
  // Layer, then image, then tag: a reader never sees a name without its image.
  store::Layer layer = s.layers().Register(tar, std::nullopt, std::nullopt, source);
  store::Digest id = s.images().Put(ImportConfig(layer.diff_id, comment, created));
  if (ref) {
    s.refs().Tag(*ref, id);
    s.images().SetMetadata(id, "lastUpdated", store::NowRfc3339Nano());
  }
  std::cout << id.str() << "\n";
  return 0;
}

}  // namespace ubuild::cli
