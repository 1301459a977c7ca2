#pragma once
// What an image archive says it holds, in one shape for every format
// `ubuild load` reads:
//  - Docker's manifest.json (20.10's `<id>.json` + `<id>/layer.tar`, and
//    >= 25's `blobs/sha256/<hex>` paths): Config, RepoTags, Layers;
//  - a plain OCI image layout (index.json only), as a tar or a directory:
//    descriptors followed through nested indexes to the manifest for the
//    host's platform (as pull and podman choose; one store image per name).
// Every digest the archive claims is checked here or when the bytes are
// read (ImagePlan.layers[i].blob_digest).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/byte_stream.h"
#include "store/digest.h"

namespace ubuild::store {

// The files of an OCI image layout by their normalized paths
// ("index.json", "blobs/sha256/<hex>"): the members of a tar or the files
// of a directory.
class LayoutFiles {
 public:
  virtual ~LayoutFiles() = default;
  // nullopt when there is no such file.
  virtual std::optional<uint64_t> Size(const std::string& path) const = 0;
  // The file's bytes; throws when absent.
  virtual std::string ReadString(const std::string& path) const = 0;
  // The file's bytes as a stream; throws when absent.
  virtual std::unique_ptr<ByteSource> Open(const std::string& path) const = 0;
};

struct ArchiveLayer {
  std::string path;                   // archive member holding the blob
  std::optional<Digest> blob_digest;  // when the blob is not the plain tar (compressed): its digest
};

struct ImagePlan {
  std::string config_path;
  std::optional<std::string> config;  // exact bytes, once read
  Digest id;                          // sha256(config)
  std::vector<Digest> diff_ids;
  std::vector<Digest> chain_ids;
  std::vector<ArchiveLayer> layers;   // parallel to diff_ids once the config is known
  bool from_docker_manifest = false;
  std::vector<std::string> layer_paths_from_manifest;  // manifest.json's Layers
  std::vector<std::string> tags;      // normalized "name:tag"
};

// Parses manifest.json; configs are not read yet. `what` names the archive.
std::vector<ImagePlan> ParseDockerManifest(const std::string& json, const std::string& what);
// Sets config, id, diff_ids, chain_ids and layers from the config bytes,
// checking them against the manifest entry (and the blob name when the
// config is a `blobs/sha256/<hex>` member).
void SetConfig(ImagePlan& plan, std::string config, const std::string& what);
// Refuses an oci-layout file whose imageLayoutVersion is not "1.0.0", the
// only one the image spec defines; a missing file passes unless `required`.
void CheckOciLayoutVersion(const LayoutFiles& files, bool required, const std::string& what);
// Reads index.json and everything it reaches.
std::vector<ImagePlan> PlanFromOciLayout(const LayoutFiles& files, const std::string& what);

// "blobs/sha256/<hex>" -> the digest; nullopt for other paths.
std::optional<Digest> DigestOfBlobPath(const std::string& path);
// "amd64" for x86_64 hosts, "arm64" for aarch64, else the kernel's name.
std::string HostArchitecture();

}  // namespace ubuild::store
