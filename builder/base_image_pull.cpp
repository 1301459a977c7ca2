#include "builder/base_image_pull.h"

#include <optional>
#include <set>
#include <variant>

#include "store/base/error.h"
#include "store/base/strings.h"
#include "store/registry/image_pull.h"

namespace ubuild::builder {

namespace {

struct NamedImage {
  std::string name;
  int line = 0;
  std::optional<parser::Platform> platform;  // of the stage that names it first
};

// The image names the needed stages use, in Dockerfile order, each once.
std::vector<NamedImage> NamedImages(const BuildOptions& options, const parser::Dockerfile& df,
                                    const std::vector<parser::FromInstr>& froms,
                                    const std::vector<std::optional<parser::Platform>>& platforms,
                                    const std::vector<bool>& needed) {
  std::vector<NamedImage> out;
  std::set<std::string> seen;
  std::set<std::string> stages;  // names and indices of the stages before this one
  std::optional<parser::Platform> platform;
  auto add = [&](std::string name, int line) {
    if (AsciiLower(name) == "scratch" || stages.count(AsciiLower(name)) != 0) return;
    // COPY --from=NAME of a --build-context: its image, or no image at all.
    if (const NamedContext* named = options.NamedContextFor(name)) {
      if (!named->is_image) return;
      name = named->image;
    }
    if (!seen.insert(name).second) return;
    out.push_back({name, line, platform});
  };
  for (size_t i = 0; i < df.stages.size(); ++i) {
    if (needed[i]) {
      platform = platforms[i];
      add(froms[i].image, df.stages[i].line);
      for (const parser::LocatedInstruction& li : df.stages[i].instructions) {
        const auto* copy = std::get_if<parser::CopyInstr>(&li.instr);
        if (copy != nullptr && !copy->from.empty() && copy->from.find('$') == std::string::npos) add(copy->from, li.line);
      }
    }
    stages.insert(std::to_string(i));
    if (!froms[i].stage_name.empty()) stages.insert(froms[i].stage_name);
  }
  return out;
}

}  // namespace

void PullBaseImages(const BuildOptions& options, store::Store& store, const parser::Dockerfile& df,
                    const std::vector<parser::FromInstr>& froms,
                    const std::vector<std::optional<parser::Platform>>& platforms, const std::vector<bool>& needed,
                    const std::string& dockerfile_name, const std::function<void(const std::string&)>& say,
                    ProgressSink* sink) {
  for (const auto& [name, line, platform] : NamedImages(options, df, froms, platforms, needed)) {
    std::optional<store::Digest> have;
    try {
      have = store.Resolve(name);
    } catch (const Error&) {
      continue;  // not a name the store can hold (an id, a digest): the step reports it
    }
    if (have && !options.pull) continue;
    try {
      auto ref = store::registry::ImageReference::Parse(name);
      store::registry::PullOptions pull;
      pull.progress = say;
      pull.sink = sink;
      if (platform) pull.platform = store::registry::Platform::Parse(platform->Format());
      // A pull registers its image as load does, under ROOT/lock held
      // exclusively; a build's own store holds no lock between its steps.
      std::optional<store::Store> exclusive;
      store::Store& writer = store.mode() == store::Store::Mode::kConcurrent
                                 ? exclusive.emplace(store::Store::Open(store.root(), store::Store::Mode::kWrite))
                                 : store;
      store::registry::PullResult r = store::registry::PullImage(writer, ref, pull);
      if (say) {
        say("Digest: " + r.manifest_digest.str());
        say(std::string("Status: ") + (r.new_image ? "Downloaded newer image for " : "Image is up to date for ") +
            ref.FamiliarString());
      }
    } catch (const Error& e) {
      if (have) throw Error::At(dockerfile_name, line, "pulling " + name + ": " + e.message());
      throw Error::At(dockerfile_name, line,
                      "image \"" + name + "\" is not in the store and pulling it failed (" + e.message() +
                          "); get it with 'ubuild pull', 'ubuild load -i IMAGE.tar' or 'ubuild import ROOTFS.tar " + name + "'");
    }
  }
}

}  // namespace ubuild::builder
