#include "builder/stage_platform.h"

#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::builder {

std::optional<parser::Platform> StagePlatform(const BuildOptions& options,
                                              const std::vector<parser::FromInstr>& earlier_froms,
                                              const std::vector<std::optional<parser::Platform>>& earlier_platforms,
                                              const parser::FromInstr& from, const std::string& dockerfile_name,
                                              int line) {
  if (from.platform.empty()) {
    // BuildKit's dispatch state carries a base stage's platform over.
    const std::string base = AsciiLower(from.image);
    for (size_t j = 0; j < earlier_froms.size(); ++j) {
      if (earlier_froms[j].stage_name == base || std::to_string(j) == base) return earlier_platforms[j];
    }
    return options.platform;
  }
  try {
    return parser::ParsePlatform(from.platform);
  } catch (const Error& e) {
    throw Error::At(dockerfile_name, line, "FROM --platform=" + from.platform + ": " + e.what());
  }
}

void CheckBasePlatform(const store::ImageConfig& config, const std::string& image, const parser::Platform& wanted,
                       const std::string& dockerfile_name, int line) {
  parser::Platform have{config.os, config.architecture, config.OtherString("variant")};
  if (have.architecture == "arm64" && have.variant == "v8") have.variant.clear();  // its default, as in ParsePlatform
  if (have.os == wanted.os && have.architecture == wanted.architecture &&
      (have.variant.empty() || wanted.variant.empty() || have.variant == wanted.variant)) {
    return;
  }
  throw Error::At(dockerfile_name, line,
                  "FROM " + image + ": the image in the store is " + have.Format() + ", not the requested " +
                      wanted.Format() + " (get that one with 'ubuild pull --platform " + wanted.Format() + " " +
                      image + "')");
}

}  // namespace ubuild::builder
