#include "builder/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/byte_stream.h"

namespace ubuild::builder {

bool IsSpecialOutputFile(const std::filesystem::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

void WriteOutputFile(const std::filesystem::path& path, std::string_view bytes) {
  if (IsSpecialOutputFile(path)) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) throw SysError("open", path.string(), errno);
    store::FdSink(fd.get(), path.string()).Write(bytes.data(), bytes.size());
    fd.Close(path.string());
    return;
  }
  // Absolute: the atomic write opens the file's directory, which a bare name lacks.
  store::WriteFileAtomic(std::filesystem::absolute(path), bytes);
}

}  // namespace ubuild::builder
