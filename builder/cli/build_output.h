#pragma once
// -o/--output after a build, as BuildKit's exporters write the result:
//   type=local   the final stage's filesystem copied into DIR (owners, modes,
//                times, links and xattrs kept; DIR created if missing)
//   type=tar     the same filesystem as one tar archive (FILE, or - for stdout)
//   type=docker  a docker-load archive of the image, as `ubuild save` writes it
//   type=oci     the same archive: `ubuild save`'s (Docker >= 25's) layout is an
//                OCI image layout (oci-layout, index.json, blobs/sha256) that
//                `docker load`, skopeo and umoci all read
// The filesystem is read through a read-only view of the image's layers (an
// overlay on a throwaway upperdir, as COPY --from reads an image).
#include <string>
#include <vector>

#include "builder/cli/build_flag_values.h"
#include "store/digest.h"
#include "store/store.h"

namespace ubuild::cli {

// `tags`: the build's -t names; the archive types tag the image with
// name=REF if given, else with them (none: the archive names the image by id).
void WriteBuildOutput(store::Store& store, const store::Digest& image_id, const OutputSpec& output,
                      const std::vector<std::string>& tags);

}  // namespace ubuild::cli
