#include "builder/copy/git_source.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/base/lexical_path.h"

extern char** environ;

namespace ubuild::builder {

namespace {

// The path part of an http(s) URL, fragment and query aside.
std::string UrlPath(const std::string& url) {
  size_t start = url.find("://");
  if (start == std::string::npos) return "";
  size_t path = url.find('/', start + 3);
  if (path == std::string::npos) return "";
  return url.substr(path, url.find_first_of("?#", path) - path);
}

std::string ReadSmallFile(const std::filesystem::path& file) {
  std::string text;
  Fd fd(open(file.c_str(), O_RDONLY | O_CLOEXEC));
  char buf[4096];
  ssize_t n = fd.valid() ? read(fd.get(), buf, sizeof buf) : 0;
  if (n > 0) text.assign(buf, static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Runs git with `args` and returns its output (the first 4 KiB); stderr is
// kept for the error message. Never asks for credentials on a terminal: a
// build does not prompt.
std::string Git(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  const std::filesystem::path out_file = dir / "git.out", err_file = dir / "git.err";
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  env_strings.emplace_back("GIT_TERMINAL_PROMPT=0");
  env_strings.emplace_back("GIT_SSH_COMMAND=ssh -o BatchMode=yes");
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{"git"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "git", &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw SysError("run git (is it installed?)", "git", rc);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw SysError("waitpid", "git", errno);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ReadSmallFile(out_file);
  const std::string message = ReadSmallFile(err_file);
  std::string command = "git";
  for (const std::string& a : args) command += " " + a;
  throw Error(command + " failed" + (message.empty() ? "" : ": " + message));
}

}  // namespace

bool IsGitSource(const std::string& source) {
  if (source.rfind("git@", 0) == 0 || source.rfind("git://", 0) == 0 || source.rfind("ssh://", 0) == 0) return true;
  if (source.rfind("http://", 0) != 0 && source.rfind("https://", 0) != 0) return false;
  const std::string path = UrlPath(source);
  return path.size() > 4 && path.compare(path.size() - 4, 4, ".git") == 0;
}

GitRef ParseGitRef(const std::string& source) {
  GitRef out;
  const size_t hash = source.find('#');
  out.remote = source.substr(0, hash);
  if (hash != std::string::npos) {
    const std::string fragment = source.substr(hash + 1);
    const size_t colon = fragment.find(':');
    out.ref = fragment.substr(0, colon);
    if (colon != std::string::npos) out.subdir = fragment.substr(colon + 1);
  }
  if (!out.ref.empty() && out.ref[0] == '-') throw Error("invalid git ref " + out.ref + " in " + source);
  if (!out.subdir.empty()) {
    std::string clean = CleanPath("/" + out.subdir);
    out.subdir = clean == "/" ? "" : clean.substr(1);
  }
  return out;
}

std::filesystem::path FetchGit(const GitRef& ref, const std::filesystem::path& dir, bool keep_git_dir,
                               std::string* commit) {
  const std::filesystem::path repo = dir / "repo";
  Git({"clone", "--quiet", "--no-checkout", "--", ref.remote, repo.string()}, dir);
  const std::string r = repo.string();
  // A branch exists only as origin/NAME after a clone; tags and commits as given.
  std::string resolved;
  for (const std::string& name : ref.ref.empty() ? std::vector<std::string>{"HEAD"}
                                                 : std::vector<std::string>{ref.ref, "origin/" + ref.ref}) {
    try {
      resolved = Git({"-C", r, "rev-parse", "--verify", "--quiet", name + "^{commit}"}, dir);
      break;
    } catch (const Error&) {
    }
  }
  if (resolved.empty()) throw Error("git ref " + (ref.ref.empty() ? "HEAD" : ref.ref) + " not found in " + ref.remote);
  Git({"-C", r, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", resolved}, dir);
  struct stat st {};
  if (stat((repo / ".gitmodules").c_str(), &st) == 0) {
    Git({"-C", r, "submodule", "update", "--quiet", "--init", "--recursive"}, dir);
  }
  if (!keep_git_dir) {
    std::error_code ec;
    std::filesystem::remove_all(repo / ".git", ec);
    if (ec) throw Error("remove " + (repo / ".git").string() + ": " + ec.message());
  }
  std::filesystem::path source = ref.subdir.empty() ? repo : repo / ref.subdir;
  if (lstat(source.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw Error("subdirectory " + ref.subdir + " not found in " + ref.remote + (ref.ref.empty() ? "" : "#" + ref.ref));
  }
  *commit = resolved;
  return source;
}

}  // namespace ubuild::builder
