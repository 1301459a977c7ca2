#pragma once
// fuse-overlayfs, the rootless overlay of podman and buildah, for where the
// kernel refuses overlayfs in a user namespace (before Linux 5.11, or an
// upper filesystem without user xattrs).
//
// It marks directories opaque its own way, and more often than the kernel:
// every directory it creates gets a user.fuseoverlayfs.opaque attribute, an
// empty ".wh..wh..opq" file and a ".wh..opq" whiteout device, whether or
// not a lower layer had that path. NormalizeFuseUpper rewrites that into
// what the kernel's overlay leaves, so the layer has the same bytes.
#include <filesystem>
#include <string>
#include <vector>

namespace ubuild::builder {

// The fuse-overlayfs program on PATH, or empty.
std::string FindFuseOverlayfs();

// Mounts; throws ubuild::Error with fuse-overlayfs's own words on failure.
void MountFuseOverlayfs(const std::vector<std::filesystem::path>& lower, const std::filesystem::path& upper,
                        const std::filesystem::path& work, const std::filesystem::path& merged);

// Whether `name` in the directory `dir_fd` of a fuse-overlayfs upperdir is
// one of its opaque markers: an empty ".wh..wh..opq" file or a ".wh..opq"
// whiteout device.
bool IsFuseOpaqueMarker(int dir_fd, const char* name);

// Removes those markers from the directory `dir_fd`; best effort.
void RemoveFuseOpaqueMarkers(int dir_fd);

// After the unmount: a directory stays opaque (user.overlay.opaque) only
// where a lower layer has its path, as the kernel marks only a directory
// made over a whiteout; fuse-overlayfs's own markers go, and so do the
// whiteouts it leaves where no lower layer has the path. Directory times
// are kept.
void NormalizeFuseUpper(const std::filesystem::path& upper, const std::vector<std::filesystem::path>& lower);

}  // namespace ubuild::builder
