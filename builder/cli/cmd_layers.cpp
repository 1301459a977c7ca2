// ubuild layers [--files] REF: the teaching view of an image's layers, bottom
// to top — how each chain_id is formed (the exact string hashed, so it can be
// checked with `echo -n … | sha256sum`), where the files live, and which
// instruction made the layer.
#include <iostream>
#include <sstream>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/human_format.h"
#include "store/chain_id.h"
#include "store/base/error.h"
#include "store/image_config.h"
#include "store/layer_changes.h"
#include "store/layout.h"
#include "store/store.h"

namespace ubuild::cli {

int CmdLayers(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("layers"), args);
  if (p.positional.size() != 1) throw UsageError("layers needs exactly one image");
  const std::string& ref = p.positional[0];
  auto s = store::Store::Open(g.root, store::Store::Mode::kRead);
  auto id = s.Resolve(ref);
  if (!id) throw Error("No such image: " + ref);
  auto config = store::ImageConfig::Parse(s.images().GetConfig(*id), store::layout::ImageContent(s.root(), *id).string());

  // The instruction behind each layer: the non-empty history entries, in order.
  std::vector<std::string> made_by;
  for (const auto& h : config.history()) {
    if (!h.empty_layer) made_by.push_back(!h.created_by.empty() ? h.created_by : h.comment);
  }

  std::ostringstream out;
  out << "Image " << id->str() << "\n";
  out << "config: " << store::layout::ImageContent(s.root(), *id).string() << "\n";
  out << config.diff_ids().size() << (config.diff_ids().size() == 1 ? " layer" : " layers") << ", bottom to top\n";
  std::vector<store::Digest> chain_ids = store::ChainIds(config.diff_ids());
  std::vector<std::filesystem::path> lower;  // diff dirs below the current layer, nearest first
  for (size_t i = 0; i < chain_ids.size(); ++i) {
    auto layer = s.layers().Get(chain_ids[i]);
    if (!layer) throw Error("layer " + chain_ids[i].str() + " of the image is not in the store");
    out << "\nLayer " << i << "\n";
    out << "  diff_id:    " << layer->diff_id.str() << "\n";
    if (i == 0) {
      out << "  chain_id:   " << layer->chain_id.str() << "  (a base layer's chain_id is its diff_id)\n";
    } else {
      std::string input = store::ChainIdInput(chain_ids[i - 1], layer->diff_id);
      out << "  hashed:     \"" << input << "\"\n";
      out << "  chain_id:   " << layer->chain_id.str() << "  (sha256 of the line above)\n";
      out << "  check:      echo -n \"" << input << "\" | sha256sum\n";
    }
    out << "  layerdb:    " << store::layout::LayerDir(s.root(), layer->chain_id).string() << "\n";
    out << "  cache-id:   " << layer->cache_id << "\n";
    out << "  diff:       " << layer->diff_dir.string() << "\n";
    if (!layer->link.empty()) out << "  link:       " << store::layout::LinkPath(s.root(), layer->link).string() << "\n";
    out << "  size:       " << HumanSize(layer->size) << " (" << layer->size << " bytes)\n";
    out << "  created by: " << (i < made_by.size() ? made_by[i] : "<unknown>") << "\n";
    if (p.Has("files")) {
      out << "  changes:\n";
      for (const store::LayerChange& c : store::ListLayerChanges(layer->diff_dir, lower)) {
        out << "    " << c.kind << " " << c.path << "\n";
      }
    }
    lower.insert(lower.begin(), layer->diff_dir);
  }
  std::cout << out.str();
  return 0;
}

}  // namespace ubuild::cli
