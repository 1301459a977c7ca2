#include "store/registry/distribution_metadata.h"

#include <nlohmann/json.hpp>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/layout.h"

namespace ubuild::store::registry {

std::vector<BlobSighting> SightingsOf(const std::filesystem::path& root, const Digest& diff_id) {
  std::vector<BlobSighting> out;
  auto path = layout::V2MetadataByDiffId(root, diff_id);
  auto text = ReadFileIfExists(path);
  if (!text) return out;
  try {
    for (const auto& e : nlohmann::json::parse(*text)) {
      std::string digest = e.value("Digest", "");
      if (!Digest::IsValid(digest)) continue;
      out.push_back(BlobSighting{Digest::Parse(digest), e.value("SourceRepository", ""), e.value("MediaType", "")});
    }
  } catch (const nlohmann::json::exception&) {
    // A hint written without fsync (RecordSighting), so a power loss may
    // leave it empty: without it a push only compresses and uploads again.
    return {};
  }
  return out;
}

void RecordSighting(const std::filesystem::path& root, const Digest& diff_id, const BlobSighting& sighting) {
  std::vector<BlobSighting> all = SightingsOf(root, diff_id);
  // Already the newest sighting: nothing to write (a re-push stays cheap).
  if (!all.empty() && all.back().blob == sighting.blob && all.back().source_repository == sighting.source_repository &&
      all.back().media_type == sighting.media_type &&
      ReadFileIfExists(layout::DiffIdByDigest(root, sighting.blob)) == diff_id.str()) {
    return;
  }
  std::erase_if(all, [&](const BlobSighting& s) {
    return s.blob == sighting.blob && s.source_repository == sighting.source_repository;
  });
  all.push_back(sighting);
  nlohmann::json j = nlohmann::json::array();
  for (const BlobSighting& s : all) {
    nlohmann::json e = {{"Digest", s.blob.str()}, {"SourceRepository", s.source_repository}, {"HMAC", ""}};
    if (!s.media_type.empty()) e["MediaType"] = s.media_type;
    j.push_back(std::move(e));
  }
  auto path = layout::V2MetadataByDiffId(root, diff_id);
  std::filesystem::create_directories(path.parent_path());
  // Hints, not records: no fsync (atomic_file.h), the reader copes with a lost one.
  ReplaceFile(path, j.dump());
  auto by_digest = layout::DiffIdByDigest(root, sighting.blob);
  std::filesystem::create_directories(by_digest.parent_path());
  ReplaceFile(by_digest, diff_id.str());
}

}  // namespace ubuild::store::registry
