#pragma once
// What a bind of the build context shows (RUN --mount=type=bind without
// from=): the context as BuildKit receives it, so a path .dockerignore
// leaves out is absent under the target -- the Dockerfile and .dockerignore
// too when the patterns name them, as Docker 20.10 with BuildKit shows them;
// an excluded directory that an exception pattern re-enters stays, holding
// only what the exceptions keep (if nothing, it stays empty). Nothing is copied: the bind becomes an overlay whose
// upperdir holds a whiteout for each hidden path, so setting it up costs
// what the hidden paths and the patterns' depth cost, not the context's size.
#include <cstddef>
#include <filesystem>
#include <string>

#include "builder/copy/dockerignore.h"

namespace ubuild::builder {

// Fills `upper`, an empty directory, so that an overlay of it on
// CONTEXT/`rel` (rel: '/' separated, "" for the context itself) shows what
// the build context holds there: a whiteout per hidden path, and the
// directories above each made with the context's mode, owner and times (an
// overlay shows a merged directory's upper attributes). `upper` itself takes
// CONTEXT/rel's. Returns how many paths it hid; with none, a plain bind of
// CONTEXT/rel shows the same. Throws ubuild::Error naming the path it could
// not read or make.
size_t HideIgnored(const std::filesystem::path& context, const std::string& rel, const DockerIgnore& ignore,
                   const std::filesystem::path& upper);

}  // namespace ubuild::builder
