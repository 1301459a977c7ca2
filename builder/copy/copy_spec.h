#pragma once
// What one COPY or ADD asks for, after word expansion: the sources, the
// destination and the options. Its own header because source resolution,
// source hashing and the copy itself all take it, and none of them should
// have to include the others.
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "builder/copy/dockerignore.h"
#include "builder/copy/tar_entry_sums.h"
#include "store/base/progress_sink.h"

namespace ubuild::builder {

struct CopySpec {
  bool is_add = false;
  std::vector<std::string> sources;  // expanded; relative to source_root; may hold globs
  std::string dest;                  // expanded; relative dests are relative to workdir
  std::string workdir = "/";
  std::string chown;                 // "" = 0:0 (context) / keep (--from)
  std::string chmod;                 // "" = keep; octal like "755"
  // Where sources come from: the context dir (with ignore rules applied), or
  // another stage's/image's rootfs (from_image = true: no .dockerignore, keep owners).
  std::filesystem::path source_root;
  bool from_image = false;
  const DockerIgnore* ignore = nullptr;
  // A context sent as a tar: the sums Docker takes from its own headers.
  const TarEntrySums* tar_sums = nullptr;
  // BuildKit's COPY --parents: each source keeps its path (from a `/./`
  // pivot on, if the word has one) under dest.
  bool parents = false;
  // BuildKit's COPY --link: the copy is made into an empty rootfs, not
  // onto the stage's layers (the dispatcher mounts it so).
  bool link = false;
  // BuildKit's --exclude patterns (copy_excludes.h).
  std::vector<std::string> excludes;
  // Heredoc sources (COPY <<EOF /dest): name -> content.
  std::vector<std::pair<std::string, std::string>> heredocs;
  // ADD's remote sources, fetched before the step: the source word -> the
  // directory holding the file `name` (a URL, url_source.h), or the tree
  // to copy itself when `name` is empty (a git repository, git_source.h).
  struct Remote {
    std::filesystem::path dir;
    std::string name;
    std::string sum;  // the source hash to use; "" = hash the file
  };
  std::map<std::string, Remote> remote;
  // The display's byte counter for the files copied (null: not counted).
  ByteCounter* bytes = nullptr;
};

}  // namespace ubuild::builder
