// Commits a diff directory the way the layer store does (hash the layer tar,
// record tar-split, no tar written out) and prints the diff_id, the tar size,
// the content size, the wall time and the peak RSS of this process.
//   commit_bench DIFF_DIR TAR_SPLIT_GZ
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include "store/base/error.h"
#include "store/layer_tar.h"
#include "store/tar_split.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: commit_bench DIFF_DIR TAR_SPLIT_GZ\n");
    return 2;
  }
  try {
    auto start = std::chrono::steady_clock::now();
    ubuild::store::TarSplitWriter split(argv[2]);
    ubuild::store::LayerTarResult r = ubuild::store::WriteLayerTar(argv[1], nullptr, &split);
    split.Close();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::printf("diff_id=%s tar_size=%llu content_size=%llu seconds=%.3f max_rss_kib=%ld\n", r.diff_id.str().c_str(),
                static_cast<unsigned long long>(r.tar_size), static_cast<unsigned long long>(r.content_size), seconds,
                ru.ru_maxrss);
  } catch (const ubuild::Error& e) {
    std::fprintf(stderr, "commit_bench: %s\n", e.message().c_str());
    return 1;
  }
  return 0;
}
