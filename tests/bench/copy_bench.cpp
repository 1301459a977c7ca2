// Driver for copy_bench.sh: times SourceHash and ExecuteCopy in-process.
//   copy_bench hash CONTEXT SOURCE [DIGEST_CACHE_DIR]
//   copy_bench copy CONTEXT SOURCE ROOTFS DEST
// Prints "<wall seconds> <cpu seconds> <result>" on stdout (cpu = user + sys
// of this process: on a shared machine wall time mostly measures the load).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "builder/copy/copy_step.h"
#include "builder/copy/source_hash.h"
#include "store/base/error.h"

int main(int argc, char** argv) {
  using ubuild::builder::CopySpec;
  if (argc < 4) {
    std::fprintf(stderr, "usage: copy_bench hash CONTEXT SOURCE [CACHE] | copy CONTEXT SOURCE ROOTFS DEST\n");
    return 2;
  }
  try {
    const std::string mode = argv[1];
    CopySpec spec;
    spec.source_root = argv[2];
    spec.sources = {argv[3]};
    ubuild::builder::DockerIgnore ignore = ubuild::builder::DockerIgnore::Load(spec.source_root);
    spec.ignore = &ignore;
    const auto start = std::chrono::steady_clock::now();
    std::string result;
    if (mode == "hash") {
      std::filesystem::path cache;
      if (argc > 4) cache = argv[4];
      spec.dest = "/dest/";
      result = ubuild::builder::SourceHash(spec, argc > 4 ? &cache : nullptr);
    } else if (mode == "copy" && argc > 5) {
      spec.dest = argv[5];
      ubuild::builder::ExecuteCopy(spec, argv[4]);
      result = "copied";
    } else {
      std::fprintf(stderr, "copy_bench: bad arguments\n");
      return 2;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    const double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    std::printf("%.4f %.4f %s\n", secs, cpu, result.c_str());
  } catch (const ubuild::Error& e) {
    std::fprintf(stderr, "copy_bench: %s\n", e.message().c_str());
    return 1;
  }
  return 0;
}
