// `ubuild load [-i FILE|DIR] [-q]`: adds the images of a docker-save or OCI
// archive (compressed or not), or of an OCI image layout directory, to the
// store (store/image_archive_reader.h) and prints what it loaded, as
// `docker load` does.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <iostream>
#include <optional>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/progress_display.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/counted_stream.h"
#include "store/image_archive_reader.h"
#include "store/store.h"

namespace ubuild::cli {

namespace {

void PrintLoaded(const std::vector<store::LoadedImage>& loaded) {
  for (const store::LoadedImage& img : loaded) {
    if (img.tags.empty()) {
      std::cout << "Loaded image ID: " << img.id.str() << "\n";
    } else {
      for (const std::string& t : img.tags) std::cout << "Loaded image: " << t << "\n";
    }
  }
}

}  // namespace

int CmdLoad(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("load"), args);
  if (!p.positional.empty()) throw UsageError("load: unexpected argument " + p.positional[0] + " (usage: ubuild load [-i FILE|DIR])");
  std::optional<std::string> input;  // -q is accepted for docker's sake: load prints no progress to hide
  if (auto i = p.values.find("input"); i != p.values.end()) input = i->second;
  if (input && input->empty()) throw UsageError("load: -i needs a file name");

  std::vector<store::LoadedImage> loaded;
  std::error_code ec;
  if (input && std::filesystem::is_directory(*input, ec)) {
    store::Store s = store::Store::Open(g.root, store::Store::Mode::kWrite);
    loaded = store::LoadImageLayoutDirectory(s, *input);
    PrintLoaded(loaded);
    return 0;
  }

  Fd file;  // -i FILE; standard input stays open
  std::string what = "standard input";
  if (input) {
    file.reset(::open(input->c_str(), O_RDONLY | O_CLOEXEC));
    if (!file.valid()) throw SysError("open", *input, errno);
    what = *input;
  } else if (::isatty(STDIN_FILENO)) {
    throw Error("requested load from standard input, but it is a terminal: use -i FILE or redirect standard input");
  }
  const int fd = file.valid() ? file.get() : STDIN_FILENO;

  store::Store s = store::Store::Open(g.root, store::Store::Mode::kWrite);
  store::FdSource fd_source(fd, what);
  {
    // A live byte count when stderr is a terminal (of the file's size when
    // it has one); otherwise load prints only what it loaded.
    ProgressDisplay display(builder::Progress::kAuto, "Loading");
    struct stat st {};
    const uint64_t size = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
    ProgressTask task(&display.sink(), "reading " + what, size);
    store::CountedSource source(fd_source, task.bytes());
    loaded = store::LoadImageArchive(s, source, what);
  }
  PrintLoaded(loaded);
  return 0;
}

}  // namespace ubuild::cli
