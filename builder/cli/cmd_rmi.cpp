// ubuild rmi [-f] REF...: as `docker rmi`. A name untags; the image goes
// when no tag and no child image needs it; then layers no image uses go.
// Order: tags, then images, then layers, so readers never see a dangling name.
#include <iostream>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/human_format.h"
#include "store/base/error.h"
#include "store/digest.h"
#include "store/image_removal.h"
#include "store/image_usage.h"
#include "store/reference_store.h"
#include "store/store.h"

namespace ubuild::cli {

namespace {

// Removes one REF; prints what it did; throws Error on refusal.
void RemoveOne(store::Store& s, const std::string& ref, bool force) {
  std::optional<store::Digest> id;
  std::optional<std::string> by_name;
  try {
    std::string normalized = store::NormalizeReference(ref);
    if (auto tagged = s.refs().Get(normalized)) {
      id = tagged;
      by_name = normalized;
    }
  } catch (const Error&) {
    // Not a name; maybe an id.
  }
  if (!id) id = s.images().ResolveId(ref);
  if (!id) throw Error("No such image: " + ref);

  std::vector<std::string> tags = s.refs().TagsOf(*id);
  bool has_children = !s.images().Children(*id).empty();
  // A running build uses it: refused as docker refuses an image a running container uses.
  bool in_use = s.PinnedByOthers().count(*id) != 0;
  if (by_name) {
    if (in_use && tags.size() == 1 && !force) {
      throw Error("conflict: unable to remove repository reference \"" + ref + "\" (must force) - a running build " +
                  "is using its referenced image " + store::ShortId(id->str()));
    }
    s.refs().Untag(*by_name);
    std::cout << "Untagged: " << *by_name << "\n";
    if (tags.size() > 1 || has_children || in_use) return;  // still needed
  } else {
    if (in_use) {
      throw Error("conflict: unable to delete " + store::ShortId(id->str()) +
                  " (cannot be forced) - image is being used by a running build");
    }
    if (has_children) {
      throw Error("conflict: unable to delete " + store::ShortId(id->str()) +
                  " (cannot be forced) - image has dependent child images");
    }
    if (tags.size() > 1 && !force) {
      throw Error("conflict: unable to delete " + store::ShortId(id->str()) +
                  " (must be forced) - image is referenced in multiple repositories");
    }
    for (const std::string& t : tags) {
      s.refs().Untag(t);
      std::cout << "Untagged: " << t << "\n";
    }
  }
  for (const store::Digest& gone : store::DeleteImageAndBareParents(s, *id)) {
    std::cout << "Deleted: " << gone.str() << "\n";
  }
}

}  // namespace

int CmdRmi(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("rmi"), args);
  if (p.positional.empty()) throw UsageError("rmi needs at least one image");
  auto s = store::Store::Open(g.root, store::Store::Mode::kWrite);
  std::vector<std::string> errors;
  for (const std::string& ref : p.positional) {
    try {
      RemoveOne(s, ref, p.Has("force"));
    } catch (const Error& e) {
      errors.push_back(e.message());
    }
  }
  if (!p.Has("no-prune")) {
    for (const auto& layer : store::RemoveUnusedLayers(s)) std::cout << "Deleted: " << layer.chain_id.str() << "\n";
  }
  if (errors.empty()) return 0;
  for (size_t i = 0; i + 1 < errors.size(); ++i) std::cerr << "ubuild: " << errors[i] << "\n";
  throw Error(errors.back());
}

}  // namespace ubuild::cli
