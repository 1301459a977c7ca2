#pragma once
// `ubuild load`: reads an image archive from a stream — Docker 20.10's
// legacy `docker save` format, Docker >= 25's OCI-layout-plus-manifest.json
// format (what `ubuild save` writes), or a plain OCI image layout tar —
// compressed as a whole (gzip, zstd, xz, bzip2: libarchive's filters) or
// not, or an OCI image layout directory, and adds its images to the store.
// Layer blobs may be plain, gzip or zstd tars in any of them.
//
// Every blob is checked against its digest, every layer against the
// config's diff_id; layers go through LayerStore::Register, whose applier
// rejects entries escaping the layer. Layers whose place in the chain is
// known when their bytes arrive (manifest.json and configs first, as
// `ubuild save` writes) stream straight into the store; the others are
// spooled to a staging directory and applied once the metadata is read.
// On any failure the store is left as it was.
#include <filesystem>
#include <string>
#include <vector>

#include "store/byte_stream.h"
#include "store/digest.h"

namespace ubuild::store {

class Store;

struct LoadedImage {
  Digest id;
  std::vector<std::string> tags;  // normalized "name:tag"
};

// REQUIRES: `store` opened for writing. `what` names the input in errors.
std::vector<LoadedImage> LoadImageArchive(Store& store, ByteSource& in, const std::string& what);
// The same for an OCI image layout directory, whose oci-layout must say
// version 1.0.0 and whose index.json names the images.
std::vector<LoadedImage> LoadImageLayoutDirectory(Store& store, const std::filesystem::path& dir);

}  // namespace ubuild::store
