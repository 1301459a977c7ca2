#pragma once
// How much of the page cache is not on disk yet, machine-wide: the Dirty
// and Writeback lines of /proc/meminfo. It bounds what one syncfs(2) of any
// filesystem must write and wait for, so a caller can pick the cheaper of
// two barriers that are both correct (layer_store.cpp: one syncfs, or an
// fsync per record).
#include <cstdint>
#include <optional>
#include <string_view>

namespace ubuild::store {

// Dirty + Writeback of a /proc/meminfo text, in bytes; nullopt when a line
// is missing or unreadable.
std::optional<uint64_t> UnwrittenBytesIn(std::string_view meminfo);

// UnwrittenBytesIn of this machine's /proc/meminfo now; nullopt when it
// cannot be read (no /proc).
std::optional<uint64_t> UnwrittenPageCacheBytes();

}  // namespace ubuild::store
