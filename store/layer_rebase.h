#pragma once
// A registered layer's diff made again as a pending layer of its own, to be
// registered on another parent (COPY --link reused on a changed base, as
// BuildKit rebases a linked copy). A layer's diff dir belongs to its chain
// (removing the chain removes it), so the new chain gets a tree of its own:
// directories, symlinks and special files (whiteouts) made again with their
// owner, mode, xattrs (opaque marks included) and mtime; regular files hard
// linked to the source's inodes, which no one writes once committed (a
// file link() refuses is copied instead), hard links within the layer kept
// as links; and the source's tar-split, so the replay gives the source's
// tar bytes and its diff_id. Removing either chain leaves the other whole.
#include <filesystem>

#include "store/layer_store.h"

namespace ubuild::store {

// Fills `pending` (fresh from CreatePending) with `source`'s files and its
// staging dir with the tar-split, and syncs them; Finish then registers it
// on the new parent. Needs no lock, but `source` must stay registered
// (pinned) meanwhile. The diff_id is the source's: the bytes are copied as
// they are, not tarred and hashed again (`save` and `push` check every
// replay against the diff_id, as for any layer). On error the caller
// discards `pending`.
PreparedLayer PrepareLayerCopy(const std::filesystem::path& root, const Layer& source, PendingLayer& pending);

}  // namespace ubuild::store
