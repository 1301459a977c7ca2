#pragma once
// The per-entry sums Docker's daemon takes from a tar build context
// (remotecontext.FromArchive: pkg/tarsum v1 over the stream as it unpacks
// it), for a context the client sends as a tar of its own — `- < ctx.tar`,
// or a tar file. Unlike the tar the CLI makes from a directory (whose
// headers source_hash.h rebuilds from the files), these come from the
// archive's own headers: its mode bits as written (GNU tar writes no file
// type bits), its numeric owners (not their names: the daemon's sums carry
// none, checked against Docker 20.10), its entry names ("./f.txt"), its
// hardlink entries; mtime is not hashed.
//
// Headers are read as Go's archive/tar reads them: ustar prefix joined to
// the name, GNU long names and links ('L', 'K'), PAX path, linkpath, size,
// uid, gid, uname, gname and SCHILY.xattr.* records, the old regular-file
// type '\0' taken as a file (a directory when the name ends in '/'), octal
// or base-256 numbers.
#include <filesystem>
#include <string>
#include <unordered_map>

namespace ubuild::builder {

// Cleaned path relative to the context root ("." for "./", "d/n" for
// "./d/n") -> the hex tarsum of its first entry, as tarsum's GetFile finds it.
using TarEntrySums = std::unordered_map<std::string, std::string>;

// Reads the (possibly compressed) tar at `archive`. Throws ubuild::Error
// naming `what` for a stream that is not a tar.
TarEntrySums ReadTarEntrySums(const std::filesystem::path& archive, const std::string& what);

}  // namespace ubuild::builder
