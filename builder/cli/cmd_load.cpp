// `ubuild load [-i FILE] [-q]`: adds the images of a docker-save or OCI
// archive (gzip accepted) to the store (store/image_archive_reader.h) and
// prints what it loaded, as `docker load` does.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <optional>

#include "builder/cli/commands.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/image_archive_reader.h"
#include "store/store.h"

namespace ubuild::cli {

int CmdLoad(const GlobalOptions& g, const Args& args) {
  std::optional<std::string> input;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-i" || a == "--input") {
      if (i + 1 >= args.size()) throw UsageError("load: " + a + " needs a file name");
      input = args[++i];
    } else if (a.rfind("--input=", 0) == 0) {
      input = a.substr(8);
    } else if (a.size() > 2 && a.rfind("-i", 0) == 0 && a[2] != '-') {
      input = a.substr(a[2] == '=' ? 3 : 2);
    } else if (a == "-q" || a == "--quiet") {
      // Accepted for docker compatibility; there is no progress output to hide.
    } else {
      throw UsageError("load: unexpected argument " + a + " (usage: ubuild load [-i FILE])");
    }
  }
  if (input && input->empty()) throw UsageError("load: -i needs a file name");

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
  store::FdSource source(fd, what);
  std::vector<store::LoadedImage> loaded = store::LoadImageArchive(s, source, what);
  for (const store::LoadedImage& img : loaded) {
    if (img.tags.empty()) {
      std::cout << "Loaded image ID: " << img.id.str() << "\n";
    } else {
      for (const std::string& t : img.tags) std::cout << "Loaded image: " << t << "\n";
    }
  }
  return 0;
}

}  // namespace ubuild::cli
