#pragma once
// The length of the tar a tar-split file replays to, read from the
// tar-split alone: the sum of its raw segments and of its file payload
// sizes. `ubuild save` needs each layer's size for the archive member
// header before the layer's bytes; this costs a read of the (small)
// tar-split instead of a replay of the whole layer.
#include <cstdint>
#include <filesystem>

namespace ubuild::store {

uint64_t TarSplitTarSize(const std::filesystem::path& gz_path);

}  // namespace ubuild::store
