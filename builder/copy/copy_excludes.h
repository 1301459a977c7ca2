#pragma once
// BuildKit's COPY/ADD --exclude=PATTERN (repeatable), in .dockerignore's
// pattern language, judged per source relative to the source: paths inside
// a directory source are matched as paths below that directory
// (`--exclude=*.md docs /d/` drops docs/a.md), a source itself by its own
// name (`--exclude=*.txt hom* /d/` drops home.txt). An excluded file source
// is dropped before the "no source files" and "more than one source" rules
// apply. Exclusion is applied on top of .dockerignore by appending the
// patterns, rebased onto the source's path, to the context's rules, so one
// matcher serves the copy and the source hash.
#include <memory>
#include <string>
#include <vector>

#include "builder/copy/copy_sources.h"
#include "builder/copy/copy_spec.h"
#include "builder/copy/dockerignore.h"

namespace ubuild::builder {

// Throws ubuild::Error for a malformed pattern.
void CheckExcludePatterns(const std::vector<std::string>& patterns);

// The rules a copy of `s` follows: `base` (the context's .dockerignore, or
// none) followed by spec.excludes rebased onto s. Null when there are no
// excludes (use `base` as it is).
std::unique_ptr<DockerIgnore> ExcludesFor(const CopySpec& spec, const CopySource& s, const DockerIgnore* base);

// Whether the source `s` itself (a file, or a directory a wildcard
// matched or the word named) is excluded by spec.excludes, by its name.
bool SourceExcluded(const CopySpec& spec, const CopySource& s);

}  // namespace ubuild::builder
