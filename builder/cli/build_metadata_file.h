#pragma once
// --metadata-file FILE: the build's result as the JSON object BuildKit's
// image exporter returns and buildx writes, with the keys that mean
// something for a store without manifests, as Docker's own (moby) image
// exporter fills them:
//   containerimage.config.digest  the image config's digest
//   containerimage.digest         the same: Docker's image store keeps no
//                                 manifest, so its exporter reports the image id
//   image.name                    the -t names, fully qualified, comma-joined
//                                 (absent without -t)
// buildx's own keys are left out: buildx.build.ref names a buildx builder
// node and buildx.build.provenance an attestation, neither of which ubuild has.
#include <filesystem>
#include <string>
#include <vector>

#include "store/digest.h"

namespace ubuild::cli {

std::string BuildMetadataJson(const store::Digest& image_id, const std::vector<std::string>& tags);
void WriteBuildMetadataFile(const std::filesystem::path& file, const store::Digest& image_id,
                            const std::vector<std::string>& tags);

}  // namespace ubuild::cli
