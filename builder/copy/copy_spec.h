#pragma once
// What one COPY or ADD asks for, after word expansion: the sources, the
// destination and the options. Its own header because source resolution,
// source hashing and the copy itself all take it, and none of them should
// have to include the others.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "builder/copy/dockerignore.h"
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
  // Heredoc sources (COPY <<EOF /dest): name -> content.
  std::vector<std::pair<std::string, std::string>> heredocs;
  // The display's byte counter for the files copied (null: not counted).
  ByteCounter* bytes = nullptr;
};

}  // namespace ubuild::builder
