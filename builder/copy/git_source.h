#pragma once
// ADD's git sources, as BuildKit's Dockerfile frontend reads them
// (docs/reference.md "Adding a git repository"): `git@host:path`,
// `git://…`, `ssh://…`, and http(s) URLs whose path ends in `.git`, each
// with an optional `#ref:subdir` fragment (a branch, tag or commit, then a
// directory of the repository). The repository is fetched with the `git`
// binary; the tree at `ref` (or its subdir) is the source, copied into the
// destination like a directory, without `.git` unless --keep-git-dir.
// Its source hash is the commit and subdir, "git:<commit>[:<subdir>]", as
// BuildKit keys a git source by its commit: a fresh clone's `.git` differs
// byte for byte every time (index, logs), and the tree is the commit's.
#include <filesystem>
#include <string>

namespace ubuild::builder {

struct GitRef {
  std::string remote;  // what `git clone` is given
  std::string ref;     // "" = the remote's HEAD
  std::string subdir;  // "" = the whole tree
};

bool IsGitSource(const std::string& source);

// Splits `source` (IsGitSource) into remote, ref and subdir; throws
// ubuild::Error for a subdir that leaves the repository.
GitRef ParseGitRef(const std::string& source);

// Clones `ref.remote` into the empty directory `dir`, checks out `ref.ref`
// (submodules too) and returns the directory holding the source tree;
// `commit` gets the commit checked out. Throws ubuild::Error with git's own
// message.
std::filesystem::path FetchGit(const GitRef& ref, const std::filesystem::path& dir, bool keep_git_dir,
                               std::string* commit);

}  // namespace ubuild::builder
