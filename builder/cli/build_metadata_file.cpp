#include "builder/cli/build_metadata_file.h"

#include "builder/output_file.h"
#include "store/container_config.h"
#include "store/reference_forms.h"
#include "store/reference_store.h"

namespace ubuild::cli {

std::string BuildMetadataJson(const store::Digest& image_id, const std::vector<std::string>& tags) {
  store::Json j = store::Json::object();
  j["containerimage.config.digest"] = image_id.str();
  j["containerimage.digest"] = image_id.str();
  std::string names;
  for (const std::string& t : tags) {
    names += (names.empty() ? "" : ",") + store::FullyQualifiedReference(store::NormalizeReference(t));
  }
  if (!names.empty()) j["image.name"] = names;
  // buildx writes the object indented by two spaces.
  return j.dump(2) + "\n";
}

void WriteBuildMetadataFile(const std::filesystem::path& file, const store::Digest& image_id,
                            const std::vector<std::string>& tags) {
  builder::WriteOutputFile(file, BuildMetadataJson(image_id, tags));
}

}  // namespace ubuild::cli
