#pragma once
// What a bind of the build context shows (RUN --mount=type=bind without
// from=): the context as BuildKit receives it, so a path .dockerignore
// leaves out is absent under the target -- the Dockerfile and .dockerignore
// too when the patterns name them, as Docker 20.10 with BuildKit shows them;
// an excluded directory that an exception pattern re-enters stays, holding
// only what the exceptions keep (if nothing, it stays empty). Nothing is copied: the bind becomes an overlay whose
// upperdir holds a whiteout for each hidden path, so setting it up costs
// what the hidden paths and the patterns' depth cost, not the context's size.
#include <filesystem>
#include <string>
#include <vector>

#include "builder/copy/dockerignore.h"
#include "builder/dispatch/stage_state.h"

namespace ubuild::builder {

// The paths a bind of CONTEXT/`rel` must hide (rel: '/' separated, "" for
// the context itself), relative to CONTEXT/rel, each parent before its
// children. Reads directories only as deep as the patterns reach
// (DockerIgnore::WalkDepth) and never below a hidden one; writes nothing.
// Throws ubuild::Error naming the path it could not read.
std::vector<std::string> IgnoredUnder(const std::filesystem::path& context, const std::string& rel,
                                      const DockerIgnore& ignore);

// Fills `upper`, an empty directory, so that an overlay of it on `source`
// hides `hidden` (from IgnoredUnder): a whiteout for each, the directories
// above them made with `source`'s modes, owners and times (an overlay shows
// a merged directory's upper attributes), `upper` itself with source's.
// Throws ubuild::Error naming the path it could not make.
void MakeWhiteouts(const std::filesystem::path& source, const std::vector<std::string>& hidden,
                   const std::filesystem::path& upper);

// The cache key's part for a bind of CONTEXT/`rel`: its files hashed as
// COPY hashes them, without what .dockerignore leaves out. Hashed once a
// build (BuildContext::bind_source_hashes), as BuildKit reads the context
// once, not again for every RUN that binds it.
const std::string& ContextBindHash(BuildContext& ctx, const std::string& rel);

}  // namespace ubuild::builder
