#include "builder/cli/build_context_source.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "builder/copy/archive_unpack.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/base/lexical_path.h"
#include "store/session_scratch.h"

extern char** environ;

namespace ubuild::cli {
namespace fs = std::filesystem;

namespace {

bool StartsWith(const std::string& s, std::string_view p) { return s.compare(0, p.size(), p) == 0; }

// Go's tar reader accepts a header block whose checksum, counted with the
// checksum field as spaces, matches as unsigned or signed bytes.
bool TarHeaderChecksumOk(const std::string& block) {
  if (block.size() < 512) return false;
  unsigned long unsigned_sum = 0;
  long signed_sum = 0;
  bool all_zero = true;
  for (size_t i = 0; i < 512; ++i) {
    const char c = (i >= 148 && i < 156) ? ' ' : block[i];
    if (block[i] != 0) all_zero = false;
    unsigned_sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  if (all_zero) return false;
  std::string field = block.substr(148, 8);
  size_t start = field.find_first_not_of(" \0", 0, 2);
  if (start == std::string::npos) return false;
  size_t end = field.find_first_of(std::string(" \0", 2), start);
  field = field.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (field.find_first_not_of("01234567") != std::string::npos) return false;
  const long want = std::strtol(field.c_str(), nullptr, 8);
  return want == static_cast<long>(unsigned_sum) || want == signed_sum;
}

// Copies standard input into `path`; returns its first 512 bytes.
std::string SpoolStdin(const fs::path& path) {
  Fd out(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out.valid()) throw SysError("open", path.string(), errno);
  std::string head;
  std::vector<char> buf(1 << 16);
  for (;;) {
    const ssize_t n = ::read(0, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SysError("read", "standard input", errno);
    if (n == 0) break;
    if (head.size() < 512) head.append(buf.data(), std::min<size_t>(512 - head.size(), static_cast<size_t>(n)));
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out.get(), buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw SysError("write", path.string(), errno);
      done += w;
    }
  }
  out.Close(path.string());
  return head;
}

// Unpacks the archive into `dest`; returns the sums Docker takes from it.
builder::TarEntrySums Unpack(const fs::path& archive, const fs::path& dest, const std::string& what) {
  Fd in(::open(archive.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) throw SysError("open", archive.string(), errno);
  if (!builder::IsTarArchive(in.get())) throw Error("the build context is not a tar archive (plain, gzip, bzip2, xz or zstd)", what);
  Fd root(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) throw SysError("open", dest.string(), errno);
  builder::UnpackArchive(in.get(), root.get(), "", what);
  return builder::ReadTarEntrySums(archive, what);
}

// git ARGS... in `dir`, output kept for the error; false when git failed.
bool Git(const fs::path& dir, const std::vector<std::string>& args, std::string* output) {
  std::vector<std::string> words = {"git", "-C", dir.string()};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw SysError("pipe", "", errno);
  Fd read_end(fds[0]), write_end(fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
  // No prompt for a password on the terminal: a build must not hang on one.
  std::vector<std::string> env_words = {"GIT_TERMINAL_PROMPT=0"};
  for (char** e = environ; *e; ++e) {
    if (!StartsWith(*e, "GIT_TERMINAL_PROMPT=")) env_words.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (std::string& e : env_words) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "git", &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw Error(std::string("cannot run git for a git URL context: ") + std::strerror(rc) +
                " (install git, e.g. apt-get install git)");
  }
  write_end.reset();
  output->clear();
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output->append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void GitOrThrow(const fs::path& dir, const std::vector<std::string>& args, const std::string& what) {
  std::string output;
  if (!Git(dir, args, &output)) {
    while (!output.empty() && output.back() == '\n') output.pop_back();
    throw Error("git " + args.front() + " failed: " + output, what);
  }
}

// docker's gitutils.Clone: init, fetch the one ref (shallow where the
// server allows it), check it out by name, else what was fetched, then the
// submodules. Returns the context dir (the checkout or its subdirectory).
fs::path Checkout(const GitUrl& url, const fs::path& dir, const std::string& what) {
  GitOrThrow(dir, {"init", "-q"}, what);
  GitOrThrow(dir, {"remote", "add", "origin", url.remote}, what);
  const std::string ref = url.ref.empty() ? "HEAD" : url.ref;
  std::string output;
  // A dumb HTTP server cannot fetch shallow: then the whole history.
  if (!Git(dir, {"fetch", "-q", "--depth", "1", "origin", "--", ref}, &output)) {
    GitOrThrow(dir, {"fetch", "-q", "origin", "--", ref}, what);
  }
  if (!Git(dir, {"checkout", "-q", ref}, &output)) GitOrThrow(dir, {"checkout", "-q", "FETCH_HEAD"}, what);
  if (fs::exists(dir / ".gitmodules")) {
    GitOrThrow(dir, {"submodule", "update", "-q", "--init", "--recursive", "--depth=1"}, what);
  }
  if (url.subdir.empty()) return dir;
  const std::string sub = CleanPath(url.subdir);
  if (sub == ".." || StartsWith(sub, "../") || sub[0] == '/') {
    throw Error("the git context's directory " + url.subdir + " is not within the repository", what);
  }
  // Resolved with symlinks, which must stay inside the checkout too.
  std::error_code ec;
  const fs::path real = fs::canonical(dir / sub, ec);
  const fs::path root = fs::canonical(dir);
  if (ec || !StartsWith(real.string() + "/", root.string() + "/")) {
    throw Error("the git context's directory " + url.subdir + " is not within the repository", what);
  }
  if (!fs::is_directory(real)) throw Error("the git context's " + url.subdir + " is not a directory", what);
  return real;
}

}  // namespace

bool IsGitUrl(const std::string& s) {
  if (StartsWith(s, "http://") || StartsWith(s, "https://")) {
    // urlPathWithFragmentSuffix, ".git(?:#.+)?$": its "." is any character.
    const size_t hash = s.find('#');
    const std::string path = hash == std::string::npos ? s : s.substr(0, hash);
    if (hash != std::string::npos && hash + 1 == s.size()) return false;
    return path.size() >= 4 && path.compare(path.size() - 3, 3, "git") == 0;
  }
  return StartsWith(s, "git://") || StartsWith(s, "github.com/") || StartsWith(s, "git@");
}

GitUrl ParseGitUrl(const std::string& operand) {
  std::string s = operand;
  // isGitTransport: anything else (github.com/…) is https.
  if (!StartsWith(s, "http://") && !StartsWith(s, "https://") && !StartsWith(s, "git://") && !StartsWith(s, "git@")) {
    s = "https://" + s;
  }
  GitUrl url;
  const size_t hash = s.find('#');
  url.remote = s.substr(0, hash);
  if (hash != std::string::npos) {
    const std::string fragment = s.substr(hash + 1);
    const size_t colon = fragment.find(':');
    url.ref = fragment.substr(0, colon);
    if (colon != std::string::npos) url.subdir = fragment.substr(colon + 1);
  }
  if (StartsWith(url.ref, "-")) throw Error("invalid git ref " + url.ref + " in the context URL", operand);
  return url;
}

bool LooksLikeArchive(const std::string& head) {
  auto magic = [&](std::string_view m) { return head.size() >= m.size() && head.compare(0, m.size(), m) == 0; };
  if (magic("\x1f\x8b\x08") || magic("BZh") || magic(std::string_view("\xfd" "7zXZ\x00", 6)) ||
      magic("\x28\xb5\x2f\xfd")) {
    return true;
  }
  return TarHeaderChecksumOk(head);
}

ContextKind ClassifyContext(const std::string& operand) {
  if (operand == "-") return ContextKind::kStdin;
  std::error_code ec;
  // As docker's CLI: a local directory wins over a URL-looking name.
  if (fs::is_directory(operand, ec)) return ContextKind::kDirectory;
  if (IsGitUrl(operand)) return ContextKind::kGitUrl;
  if (fs::is_regular_file(operand, ec)) return ContextKind::kArchiveFile;
  if (StartsWith(operand, "http://") || StartsWith(operand, "https://")) {
    throw Error("a URL context must be a git repository (…/repo.git[#REF[:DIR]]): ubuild downloads no remote tarball",
                operand);
  }
  throw Error("the build context is not a directory, a tar archive, - or a git URL: no such path", operand);
}

PreparedContext PreparedContext::Prepare(const std::string& operand, bool stdin_taken, const fs::path& scratch) {
  PreparedContext c;
  c.kind_ = ClassifyContext(operand);
  if (c.kind_ == ContextKind::kDirectory) {
    c.dir_ = operand;
    return c;
  }
  if (c.kind_ == ContextKind::kStdin && stdin_taken) {
    throw Error("standard input cannot be both the build context and the Dockerfile (-f -)");
  }
  c.temp_ = store::MakeScratchDir(scratch, "context");
  const fs::path root = c.temp_ / "context";
  if (::mkdir(root.c_str(), 0755) != 0) throw SysError("mkdir", root.string(), errno);
  c.dir_ = root;
  switch (c.kind_) {
    case ContextKind::kStdin: {
      const fs::path spooled = c.temp_ / "stdin";
      if (LooksLikeArchive(SpoolStdin(spooled))) {
        c.tar_sums_ = Unpack(spooled, root, "the build context on standard input");
      } else {
        // docker's CLI: a context of one file, the Dockerfile.
        fs::rename(spooled, root / "Dockerfile");
        ::chmod((root / "Dockerfile").c_str(), 0644);
        c.dockerfile_only_ = true;
      }
      fs::remove(spooled);
      break;
    }
    case ContextKind::kArchiveFile:
      c.tar_sums_ = Unpack(operand, root, operand);
      break;
    case ContextKind::kGitUrl:
      c.dir_ = Checkout(ParseGitUrl(operand), root, operand);
      break;
    case ContextKind::kDirectory:
      break;
  }
  return c;
}

PreparedContext::~PreparedContext() {
  if (temp_.empty()) return;
  std::error_code ec;
  fs::remove_all(temp_, ec);
}

fs::path PreparedContext::DockerfileIn(const std::string& name) const {
  const std::string rel = CleanPath(name[0] == '/' ? name.substr(1) : name);
  if (rel == ".." || StartsWith(rel, "../")) {
    throw Error("the Dockerfile " + name + " is outside the build context");
  }
  return dir_ / rel;
}

}  // namespace ubuild::cli
