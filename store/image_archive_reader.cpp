#include "store/image_archive_reader.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>

#include "store/archive_image_plan.h"
#include "store/decompressing_source.h"
#include "store/base/error.h"
#include "store/layout.h"
#include "store/load_transaction.h"
#include "store/oci_layout_directory.h"
#include "store/spooled_archive.h"
#include "store/store.h"
#include "store/tar_archive_input.h"

namespace ubuild::store {

namespace {

// Hashes what passes through, for blobs whose digest is not the diff_id.
class HashingSource : public ByteSource {
 public:
  explicit HashingSource(ByteSource& in) : in_(in) {}
  size_t Read(void* data, size_t len) override {
    size_t n = in_.Read(data, len);
    hash_.Update(data, n);
    return n;
  }
  Digest Final() { return hash_.Final(); }

 private:
  ByteSource& in_;
  Sha256 hash_;
};

// Lets the first bytes be looked at (compression magic) and then read again.
class PeekSource : public ByteSource {
 public:
  explicit PeekSource(ByteSource& in) : in_(in) {
    while (head_.size() < 8) {
      char buf[8];
      size_t n = in_.Read(buf, 8 - head_.size());
      if (n == 0) break;
      head_.append(buf, n);
    }
  }
  const std::string& head() const { return head_; }
  size_t Read(void* data, size_t len) override {
    if (pos_ < head_.size()) {
      size_t n = std::min(len, head_.size() - pos_);
      std::memcpy(data, head_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return in_.Read(data, len);
  }

 private:
  ByteSource& in_;
  std::string head_;
  size_t pos_ = 0;
};

uint64_t Drain(ByteSource& in, Sha256* hash) {
  char buf[256 << 10];
  uint64_t total = 0;
  for (size_t n; (n = in.Read(buf, sizeof buf)) > 0;) {
    if (hash != nullptr) hash->Update(buf, n);
    total += n;
  }
  return total;
}

// An archive's members as the files of an OCI layout.
class SpooledLayoutFiles : public LayoutFiles {
 public:
  explicit SpooledLayoutFiles(const SpooledArchive& archive) : archive_(archive) {}
  std::optional<uint64_t> Size(const std::string& path) const override { return archive_.Size(path); }
  std::string ReadString(const std::string& path) const override { return archive_.ReadString(path); }
  std::unique_ptr<ByteSource> Open(const std::string& path) const override { return archive_.Open(path); }

 private:
  const SpooledArchive& archive_;
};

class Loader {
 public:
  Loader(Store& store, std::string what) : store_(store), what_(std::move(what)), txn_(store) {}

  std::vector<LoadedImage> Run(ByteSource& in);
  std::vector<LoadedImage> RunDirectory(const std::filesystem::path& dir);

 private:
  // Applies the layers not streamed yet, adds the images and tags, commits.
  std::vector<LoadedImage> Finish(const std::vector<ImagePlan>& plans, const LayoutFiles& files);
  void ReadMembers(ByteSource& in, SpooledArchive& archive);
  bool TryStream(const std::string& path, ByteSource& data);
  bool Ready(const Digest& chain_id) const {
    return ready_.count(chain_id) != 0 || store_.layers().Get(chain_id).has_value();
  }
  // Makes the layer `chain_ids[k]` of `plan` exist in the store, reading
  // its tar from `blob`.
  void EnsureLayer(const ImagePlan& plan, size_t k, ByteSource& blob);

  Store& store_;
  std::string what_;
  LoadTransaction txn_;
  std::optional<std::vector<ImagePlan>> docker_plans_;  // from manifest.json, once read
  std::set<Digest> ready_;
};

void Loader::EnsureLayer(const ImagePlan& plan, size_t k, ByteSource& blob) {
  const Digest& chain_id = plan.chain_ids[k];
  const Digest& diff_id = plan.diff_ids[k];
  const ArchiveLayer& where = plan.layers[k];
  std::string what = "layer " + diff_id.str() + " (" + where.path + ") of " + what_;

  std::optional<HashingSource> hashed;
  ByteSource* raw = &blob;
  if (where.blob_digest) raw = &hashed.emplace(blob);
  PeekSource peek(*raw);
  std::optional<DecompressingSource> decompressed;
  ByteSource* tar = &peek;
  if (LooksGzipped(peek.head().data(), peek.head().size()) || LooksZstd(peek.head().data(), peek.head().size())) {
    tar = &decompressed.emplace(peek, what);
  }

  if (Ready(chain_id)) {
    // Already in the store: the bytes are still checked, not trusted.
    Sha256 h;
    Drain(*tar, &h);
    if (h.Final() != diff_id) throw Error("layer does not match its diff_id", what);
  } else {
    std::optional<Digest> parent = k == 0 ? std::nullopt : std::optional<Digest>(plan.chain_ids[k - 1]);
    Layer layer = store_.layers().Register(*tar, parent, diff_id, what);
    txn_.LayerAdded(layer.chain_id);
    if (layer.chain_id != chain_id) {
      throw Error("store registered chain " + layer.chain_id.str() + ", expected " + chain_id.str(), what);
    }
    // The applier's digest covers what it read; bytes left over would be
    // outside it.
    if (Drain(*tar, nullptr) != 0) throw Error("trailing data after the layer tar", what);
  }
  if (hashed) {
    Drain(peek, nullptr);
    if (hashed->Final() != *where.blob_digest) throw Error("blob does not match its digest", what);
  }
  ready_.insert(chain_id);
}

// The fast path: a layer blob whose one chain position is known and whose
// parent is in the store goes straight from the archive into the store.
bool Loader::TryStream(const std::string& path, ByteSource& data) {
  if (!docker_plans_) return false;
  auto named = DigestOfBlobPath(path);
  if (!named) return false;
  const ImagePlan* use_plan = nullptr;
  size_t use_k = 0;
  for (const ImagePlan& plan : *docker_plans_) {
    for (size_t k = 0; k < plan.layer_paths_from_manifest.size(); ++k) {
      if (plan.layer_paths_from_manifest[k] != path) continue;
      if (!plan.config) return false;  // its chain is not known yet
      if (plan.diff_ids[k] != *named) return false;
      if (use_plan != nullptr && use_plan->chain_ids[use_k] != plan.chain_ids[k]) return false;  // two chains
      if (use_plan == nullptr) {
        use_plan = &plan;
        use_k = k;
      }
    }
  }
  if (use_plan == nullptr) return false;
  if (use_k > 0 && !Ready(use_plan->chain_ids[use_k - 1])) return false;
  EnsureLayer(*use_plan, use_k, data);
  return true;
}

void Loader::ReadMembers(ByteSource& in, SpooledArchive& archive) {
  TarArchiveInput tar(in, what_);
  TarArchiveInput::Entry e;
  while (tar.Next(e)) {
    std::string path = NormalizeMemberPath(e.path);
    switch (e.kind) {
      case TarArchiveInput::Kind::kDirectory:
      case TarArchiveInput::Kind::kOther:
        continue;
      case TarArchiveInput::Kind::kSymlink:
      case TarArchiveInput::Kind::kHardlink:
        archive.AddLink(path, e.link, e.kind == TarArchiveInput::Kind::kHardlink);
        continue;
      case TarArchiveInput::Kind::kFile:
        break;
    }
    if (path.empty()) throw Error("archive member escapes the archive: \"" + e.path + "\"", what_);
    if (archive.Has(path)) throw Error("duplicate archive member", what_ + ": " + path);
    if (TryStream(path, tar.data())) {
      archive.AddConsumed(path);
      continue;
    }
    archive.AddFile(path, tar.data(), e.size);
    if (path == "manifest.json") {
      docker_plans_ = ParseDockerManifest(archive.ReadString(path), what_);
    } else if (docker_plans_) {
      for (ImagePlan& plan : *docker_plans_) {
        if (plan.config_path == path && !plan.config) SetConfig(plan, archive.ReadString(path), what_);
      }
    }
  }
}

std::vector<LoadedImage> Loader::Run(ByteSource& in) {
  SpooledArchive archive(layout::LayerDbTmp(store_.root()), what_);
  ReadMembers(in, archive);
  const SpooledLayoutFiles files(archive);
  CheckOciLayoutVersion(files, false, what_);

  std::vector<ImagePlan> plans;
  if (docker_plans_) {
    plans = std::move(*docker_plans_);
    docker_plans_.reset();
    for (ImagePlan& plan : plans) {
      if (!plan.config) SetConfig(plan, archive.ReadString(plan.config_path), what_);
    }
  } else if (archive.Has("index.json")) {
    plans = PlanFromOciLayout(files, what_);
  } else {
    throw Error("not an image archive: it has neither manifest.json nor index.json", what_);
  }
  return Finish(plans, files);
}

std::vector<LoadedImage> Loader::RunDirectory(const std::filesystem::path& dir) {
  const OciLayoutDirectory files(dir);
  CheckOciLayoutVersion(files, true, what_);
  return Finish(PlanFromOciLayout(files, what_), files);
}

std::vector<LoadedImage> Loader::Finish(const std::vector<ImagePlan>& plans, const LayoutFiles& files) {
  for (const ImagePlan& plan : plans) {
    for (size_t k = 0; k < plan.chain_ids.size(); ++k) {
      if (ready_.count(plan.chain_ids[k]) != 0) continue;
      auto blob = files.Open(plan.layers[k].path);
      EnsureLayer(plan, k, *blob);
    }
  }

  std::vector<LoadedImage> loaded;
  for (const ImagePlan& plan : plans) {
    bool existed = store_.images().Exists(plan.id);
    Digest id = store_.images().Put(*plan.config);
    if (!existed) txn_.ImageAdded(id);
    if (id != plan.id) throw Error("store gave image id " + id.str() + ", expected " + plan.id.str(), what_);
  }
  for (const ImagePlan& plan : plans) {
    for (const std::string& tag : plan.tags) txn_.Tag(tag, plan.id);
    loaded.push_back(LoadedImage{plan.id, plan.tags});
  }
  txn_.Commit();
  return loaded;
}

}  // namespace

std::vector<LoadedImage> LoadImageArchive(Store& store, ByteSource& in, const std::string& what) {
  Loader loader(store, what);
  return loader.Run(in);
}

std::vector<LoadedImage> LoadImageLayoutDirectory(Store& store, const std::filesystem::path& dir) {
  Loader loader(store, dir.string());
  return loader.RunDirectory(dir);
}

}  // namespace ubuild::store
