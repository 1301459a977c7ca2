#include "store/image_history.h"

#include <algorithm>

#include "store/base/error.h"
#include "store/chain_id.h"
#include "store/image_config.h"
#include "store/layout.h"
#include "store/store.h"

namespace ubuild::store {

std::vector<ImageHistoryRow> ImageHistory(const Store& store, const Digest& id) {
  std::string where = layout::ImageContent(store.root(), id).string();
  auto config = ImageConfig::Parse(store.images().GetConfig(id), where);

  std::vector<Digest> chain_ids = ChainIds(config.diff_ids());
  std::vector<ImageHistoryRow> rows;
  size_t layer = 0;
  for (const auto& h : config.history()) {
    ImageHistoryRow r;
    r.created = h.created;
    r.created_by = h.created_by;
    r.comment = h.comment;
    if (!h.empty_layer) {
      if (layer >= chain_ids.size()) throw Error("too many non-empty layers in History section", where);
      r.size = store.layers().SizeOf(chain_ids[layer]).value_or(0);
      ++layer;
    }
    rows.push_back(std::move(r));
  }
  std::reverse(rows.begin(), rows.end());
  // Each stored image names the config-only steps below it that have no
  // record of their own; their ids label the rows between it and its parent.
  std::vector<Digest> ids;  // ids for the next rows, the newest last
  std::optional<Digest> stored = id;
  for (ImageHistoryRow& r : rows) {
    if (ids.empty()) {
      if (!stored || !store.images().Exists(*stored)) break;
      ids = store.images().Intermediates(*stored);
      ids.push_back(*stored);
      stored = store.images().Parent(*stored);
    }
    r.id = ids.back();
    ids.pop_back();
  }
  return rows;
}

}  // namespace ubuild::store
