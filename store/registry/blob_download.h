#pragma once
// A layer blob fetched into an unnamed temporary file of the store (gone by
// itself if ubuild dies), its bytes checked as they stream: never more than
// the descriptor's size, and the SHA-256 of exactly that many bytes equal
// to the descriptor's digest. A gzip blob is decompressed as it arrives and
// the file holds the tar; zstd is kept compressed. Then the tar's digest is
// checked against the diff_id the image config names, all before anything
// is registered in the store.
#include <filesystem>
#include <optional>
#include <string>

#include "store/base/fd.h"
#include "store/digest.h"
#include "store/base/progress_sink.h"
#include "store/registry/http_client.h"
#include "store/registry/manifest.h"
#include "store/registry/registry_session.h"

namespace ubuild::store::registry {

class DownloadedBlob {
 public:
  // `tmp_dir` is where the unnamed file lives (the store's layerdb/tmp);
  // `path` the repository path ("library/alpine").
  // `received` (nullable) counts the bytes as they arrive.
  static DownloadedBlob Fetch(RegistrySession& session, HttpClient& http, const std::string& path,
                              const Descriptor& blob, const std::filesystem::path& tmp_dir,
                              ByteCounter* received = nullptr);

  // Decompresses and hashes the blob; throws unless it is `diff_id`.
  void CheckDiffId(const Digest& diff_id) const;
  // The uncompressed tar, from the start, for LayerStore::Register.
  std::unique_ptr<ByteSource> OpenTar() const;

  const Descriptor& descriptor() const { return blob_; }

 private:
  DownloadedBlob(Descriptor blob, Fd fd) : blob_(std::move(blob)), fd_(std::move(fd)) {}
  std::string What() const { return "blob " + blob_.digest.str(); }

  Descriptor blob_;
  Fd fd_;
  std::optional<Digest> tar_digest_;  // set when the file holds the tar itself
};

// GET of a small blob (an image config) into memory, checked like a layer.
std::string FetchSmallBlob(RegistrySession& session, HttpClient& http, const std::string& path, const Descriptor& blob);

}  // namespace ubuild::store::registry
