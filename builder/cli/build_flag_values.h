#pragma once
// The values of docker build's flags that are more than a word: each parser
// throws UsageError naming its flag, so a bad value fails before any work.
#include <cstdint>
#include <filesystem>
#include <string>

#include <utility>

#include "builder/dispatch/build_options.h"
#include "builder/run/container_run.h"

namespace ubuild::cli {

// docker's RAMInBytes (go-units): a number with an optional b, k, m, g, t or
// p suffix (powers of 1024, any case, "b" may follow the unit).
int64_t ParseByteSize(const std::string& flag, const std::string& value);

// --add-host NAME:ADDRESS (docker also takes NAME=ADDRESS). ADDRESS is an
// IPv4 or IPv6 address, or "host-gateway", returned as is for the caller to
// map.
builder::ExtraHost ParseAddHost(const std::string& value);

// --ulimit NAME=SOFT[:HARD] with go-units' names (core, cpu, data, fsize,
// locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime,
// sigpending, stack); -1 is unlimited; HARD defaults to SOFT.
builder::RunUlimit ParseUlimit(const std::string& value);

// --build-context NAME=DIR|docker-image://REF. NAME as BuildKit takes it
// (lower-case letters, digits, '.', '_', '-', '/'); a DIR must exist and is
// made absolute. Other sources BuildKit knows (oci-layout://, URLs, git) are
// refused by name.
std::pair<std::string, builder::NamedContext> ParseBuildContext(const std::string& value);

// -o/--output: type=local,dest=DIR | type=tar,dest=FILE | type=docker,dest=FILE
// | type=oci,dest=FILE, or a bare DIR (type=local). dest "-" is standard
// output for the archive types, as buildx writes it.
struct OutputSpec {
  enum class Type { kLocal, kTar, kDocker, kOci };
  Type type = Type::kLocal;
  std::filesystem::path dest;  // "-": standard output
  std::string name;            // type=docker/oci: name=REF for the archive's tag (default: the first -t)
};
OutputSpec ParseOutput(const std::string& value);

}  // namespace ubuild::cli
