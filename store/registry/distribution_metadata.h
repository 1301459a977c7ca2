#pragma once
// Where a layer has been seen in registries, as Docker's distribution
// metadata keeps it: v2metadata-by-diffid/<diff_id> is a JSON array of
// {"Digest","SourceRepository","HMAC"} (ubuild adds "MediaType", which
// Docker ignores), and diffid-by-digest/<blob digest> names the diff_id.
// A pull records each layer's blob; a push records what it uploaded, so
// the next push of the layer neither compresses it again nor uploads it
// where the registry has it, and can mount it from a sibling repository.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/digest.h"

namespace ubuild::store::registry {

struct BlobSighting {
  Digest blob;                    // the compressed blob's digest
  std::string source_repository;  // "127.0.0.1:5000/test/multi", "docker.io/library/alpine"
  std::string media_type;         // the layer media type of that blob; empty if unknown
};

std::vector<BlobSighting> SightingsOf(const std::filesystem::path& root, const Digest& diff_id);
// Adds (or moves to the end, as the newest) one sighting.
void RecordSighting(const std::filesystem::path& root, const Digest& diff_id, const BlobSighting& sighting);

}  // namespace ubuild::store::registry
