#pragma once
// The members of an image archive read from a non-seekable stream, kept
// until the archive's metadata says what they are: small ones in memory,
// large ones in files under a private staging directory
// (ROOT/image/overlay2/layerdb/tmp/load-XXXXXX) that is removed when this
// object goes away — and, after a crash, by Store::Open's cleanup of
// layerdb/tmp. Symlink and hardlink members (Docker 20.10 writes
// `<id>/layer.tar -> ../<other>/layer.tar` for repeated layers) resolve
// inside the archive's own namespace, never on the host.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "store/byte_stream.h"

namespace ubuild::store {

// "./a//b/" -> "a/b"; "" for paths that leave the archive root ("../x").
std::string NormalizeMemberPath(const std::string& path);

class SpooledArchive {
 public:
  // `staging_parent` is created when missing; `what` names the archive in errors.
  SpooledArchive(const std::filesystem::path& staging_parent, std::string what);
  ~SpooledArchive();
  SpooledArchive(const SpooledArchive&) = delete;
  SpooledArchive& operator=(const SpooledArchive&) = delete;

  // REQUIRES: `path` normalized. Throws on a duplicate member.
  void AddFile(const std::string& path, ByteSource& data, uint64_t size);
  void AddLink(const std::string& path, const std::string& target, bool hardlink);
  // A member whose bytes were consumed as they arrived (streamed into the store).
  void AddConsumed(const std::string& path);
  bool Has(const std::string& path) const;
  // Follows links; nullopt when the member is absent.
  std::optional<uint64_t> Size(const std::string& path) const;

  // The member's bytes, refusing members larger than `limit`.
  std::string ReadString(const std::string& path, uint64_t limit = 64 << 20) const;
  // The member's bytes as a stream; valid while this object lives.
  std::unique_ptr<ByteSource> Open(const std::string& path) const;

 private:
  struct Member {
    bool is_link = false;
    bool hardlink = false;
    std::string target;         // links: normalized target
    bool consumed = false;
    uint64_t size = 0;
    std::string data;           // small members
    std::filesystem::path file; // spooled members
  };
  const Member& Resolve(const std::string& path) const;
  void Add(const std::string& path, Member m);

  std::string what_;
  std::filesystem::path dir_;
  std::map<std::string, Member> members_;
  uint64_t memory_used_ = 0;
  uint64_t spooled_ = 0;
};

}  // namespace ubuild::store
