#pragma once
// ADD of a local tar archive: detected by content (any compression libarchive
// reads), unpacked into a directory of the image root as Docker's
// archive.Untar does: owners, modes and mtimes from the archive (ADD --chown
// does not apply to them), an existing entry of another kind replaced, ".wh."
// names not interpreted, no entry or link allowed to point outside the
// destination.
#include <string>

namespace ubuild::builder {

// True if the open file `fd` is a (possibly compressed) tar archive. The file
// offset is left at 0.
bool IsTarArchive(int fd);

// Unpacks the archive read from `fd` into `dest_rel` (an existing directory,
// canonical inside the image root `root_fd`). `what` names the source in
// errors. Throws ubuild::Error.
void UnpackArchive(int fd, int root_fd, const std::string& dest_rel, const std::string& what);

}  // namespace ubuild::builder
