#pragma once
// A registered layer's diff made again as a pending layer of its own, to be
// registered on another parent (COPY --link reused on a changed base, as
// BuildKit rebases a linked copy). A layer's diff dir belongs to its chain
// (removing the chain removes it), so the new chain gets its own copy: the
// layer's tar is replayed from tar-split and applied as `load` applies one,
// which gives the same diff_id, checked on both ends, and shares no file,
// inode or record with the source.
#include <filesystem>

#include "store/layer_store.h"

namespace ubuild::store {

// Fills `pending` (fresh from CreatePending) with `source`'s files and its
// staging dir with the tar-split, and syncs them; Finish then registers it
// on the new parent. Needs no lock, but `source` must stay registered
// (pinned) meanwhile. On error the caller discards `pending`.
PreparedLayer PrepareLayerCopy(const std::filesystem::path& root, const LayerStore& layers, const Layer& source,
                               PendingLayer& pending);

}  // namespace ubuild::store
