#include "store/image_archive_writer.h"

#include <nlohmann/json.hpp>
#include <map>
#include <set>

#include "store/chain_id.h"
#include "store/base/error.h"
#include "store/image_config.h"
#include "store/layout.h"
#include "store/oci_media_types.h"
#include "store/pipelined_sink.h"
#include "store/reference_forms.h"
#include "store/store.h"
#include "store/tar_archive_output.h"
#include "store/tar_split_size.h"

namespace ubuild::store {

namespace {

using ordered_json = nlohmann::ordered_json;

constexpr const char* kBlobDir = "blobs/sha256/";

std::string BlobPath(const Digest& d) { return kBlobDir + d.hex(); }

struct Blob {
  Digest digest;
  uint64_t size = 0;
  std::string bytes;                      // config and manifest blobs
  std::optional<Layer> layer;             // plain layer blobs stream from the store
  std::unique_ptr<ByteSource> encoded;    // encoded layer blobs, made beforehand
};

struct PreparedImage {
  const ImageToSave* request = nullptr;
  std::vector<Digest> diff_ids;
  std::vector<Digest> layer_blobs;  // the diff_ids, or the encoded blobs' digests
  Digest manifest_digest;
  uint64_t manifest_size = 0;
};

ordered_json Descriptor(std::string_view media_type, const Digest& d, uint64_t size) {
  ordered_json j;
  j["mediaType"] = media_type;
  j["digest"] = d.str();
  j["size"] = size;
  return j;
}

std::filesystem::path TarSplitPath(const Store& store, const Layer& layer) {
  return layout::LayerDir(store.root(), layer.chain_id) / layout::kLayerTarSplitFile;
}

// Streams a layer into its archive member — replay and hashing on this
// thread, archive writes on another — counting and hashing nothing itself: LayerStore::WriteTar verifies the diff_id, the member sink
// refuses bytes beyond the announced size and EndFile checks the count.
void WriteLayerBlob(const Store& store, TarArchiveOutput& tar, const Blob& blob) {
  ByteSink& sink = tar.BeginFile(BlobPath(blob.digest), blob.size);
  PipelinedSink pipe(sink);
  store.layers().WriteTar(*blob.layer, pipe);
  pipe.Finish();
  tar.EndFile();
}

// Copies an encoded blob into its member; the member sink refuses bytes
// beyond the announced size and EndFile checks the count.
void WriteEncodedBlob(TarArchiveOutput& tar, const Blob& blob) {
  ByteSink& sink = tar.BeginFile(BlobPath(blob.digest), blob.size);
  char buf[256 << 10];
  for (size_t n; (n = blob.encoded->Read(buf, sizeof buf)) > 0;) sink.Write(buf, n);
  tar.EndFile();
}

// The blobs of an archive, each once, in the order they are written.
class BlobList {
 public:
  void Add(Blob b) {
    if (seen_.insert(b.digest).second) blobs_.push_back(std::move(b));
  }
  const std::vector<Blob>& blobs() const { return blobs_; }

 private:
  std::vector<Blob> blobs_;
  std::set<Digest> seen_;
};

// A layer's blob as the manifest describes it; with an encoder, each
// diff_id is encoded once however many images share it.
class LayerBlobs {
 public:
  explicit LayerBlobs(LayerBlobEncoder* encoder) : encoder_(encoder) {}

  bool encoding() const { return encoder_ != nullptr; }
  std::string_view MediaType() const { return encoder_ ? encoder_->OciMediaType() : media_type::kOciLayer; }

  // The blob for `layer`; with an encoder, `encoded` is set only the
  // first time a diff_id is asked for (later images share that blob).
  Blob For(const Store& store, const Layer& layer) {
    Blob b;
    b.layer = layer;
    if (!encoder_) {
      b.digest = layer.diff_id;
      b.size = TarSplitTarSize(TarSplitPath(store, layer));
      return b;
    }
    if (auto it = done_.find(layer.diff_id); it != done_.end()) {
      b.digest = it->second.first;
      b.size = it->second.second;
      return b;
    }
    EncodedLayerBlob e = encoder_->Encode(layer);
    b.digest = e.digest;
    b.size = e.size;
    b.encoded = std::move(e.bytes);
    done_.emplace(layer.diff_id, std::make_pair(b.digest, b.size));
    return b;
  }

 private:
  LayerBlobEncoder* encoder_;
  std::map<Digest, std::pair<Digest, uint64_t>> done_;  // diff_id -> encoded digest, size
};

// One image's config, OCI manifest and layers, checked against the store and
// added to `blobs` in that order.
PreparedImage PrepareImage(const Store& store, const ImageToSave& img, LayerBlobs& layers, BlobList& blobs) {
  PreparedImage p;
  p.request = &img;
  std::string config = store.images().GetConfig(img.id);
  p.diff_ids = ParseDiffIds(config, img.id.str());

  std::vector<Layer> chain;
  if (!p.diff_ids.empty()) chain = store.layers().Chain(ChainIds(p.diff_ids).back());
  if (chain.size() != p.diff_ids.size()) {
    throw Error("layer chain has " + std::to_string(chain.size()) + " layers, config names " +
                    std::to_string(p.diff_ids.size()),
                img.id.str());
  }

  ordered_json manifest;
  manifest["schemaVersion"] = 2;
  manifest["mediaType"] = media_type::kOciManifest;
  manifest["config"] = Descriptor(media_type::kOciConfig, img.id, config.size());
  manifest["layers"] = ordered_json::array();
  std::vector<Blob> layer_blobs;
  for (size_t i = 0; i < chain.size(); ++i) {
    if (chain[i].diff_id != p.diff_ids[i]) {
      throw Error("layer " + std::to_string(i) + " of the store has diff_id " + chain[i].diff_id.str() +
                      ", config says " + p.diff_ids[i].str(),
                  img.id.str());
    }
    Blob b = layers.For(store, chain[i]);
    manifest["layers"].push_back(Descriptor(layers.MediaType(), b.digest, b.size));
    layer_blobs.push_back(std::move(b));
  }
  std::string manifest_bytes = manifest.dump();
  p.manifest_digest = Sha256Of(manifest_bytes);
  p.manifest_size = manifest_bytes.size();

  Blob cb;
  cb.digest = img.id;
  cb.size = config.size();
  cb.bytes = std::move(config);
  blobs.Add(std::move(cb));
  Blob mb;
  mb.digest = p.manifest_digest;
  mb.size = manifest_bytes.size();
  mb.bytes = std::move(manifest_bytes);
  blobs.Add(std::move(mb));
  for (Blob& b : layer_blobs) {
    p.layer_blobs.push_back(b.digest);
    // A layer encoded for an earlier image is in `blobs` already.
    if (!layers.encoding() || b.encoded) blobs.Add(std::move(b));
  }
  return p;
}

// index.json, manifest.json and repositories, as Docker 25's saveSession
// writes them.
struct ArchiveIndexes {
  ordered_json index;
  ordered_json docker_manifest = ordered_json::array();
  ordered_json repositories = ordered_json::object();
};

ArchiveIndexes MakeIndexes(const std::vector<PreparedImage>& prepared) {
  ArchiveIndexes out;
  ordered_json& index = out.index;
  index["schemaVersion"] = 2;
  index["mediaType"] = media_type::kOciIndex;
  index["manifests"] = ordered_json::array();
  for (const PreparedImage& p : prepared) {
    ordered_json untagged = Descriptor(media_type::kOciManifest, p.manifest_digest, p.manifest_size);
    for (const std::string& tag : p.request->tags) {
      ordered_json d = untagged;
      auto [name, t] = SplitNameTag(tag);
      d["annotations"][annotation::kImageName] = FullyQualifiedReference(tag);
      d["annotations"][annotation::kRefName] = t;
      index["manifests"].push_back(std::move(d));
      if (!p.diff_ids.empty()) out.repositories[name][t] = p.diff_ids.back().hex();
    }
    if (p.request->tags.empty()) index["manifests"].push_back(untagged);

    ordered_json item;
    item["Config"] = BlobPath(p.request->id);
    item["RepoTags"] = p.request->tags.empty() ? ordered_json(nullptr) : ordered_json(p.request->tags);
    item["Layers"] = ordered_json::array();
    for (const Digest& d : p.layer_blobs) item["Layers"].push_back(BlobPath(d));
    out.docker_manifest.push_back(std::move(item));
  }
  return out;
}

}  // namespace

void WriteImageArchive(const Store& store, const std::vector<ImageToSave>& images, ByteSink& out,
                       ByteCounter* expected, LayerBlobEncoder* encoder) {
  if (images.empty()) throw Error("no images to save");
  BlobList blobs;
  LayerBlobs layers(encoder);
  std::vector<PreparedImage> prepared;
  for (const ImageToSave& img : images) prepared.push_back(PrepareImage(store, img, layers, blobs));
  const ArchiveIndexes indexes = MakeIndexes(prepared);
  if (expected) {
    // The blobs' members (header, padded data): all but a few kB of the archive.
    for (const Blob& b : blobs.blobs()) expected->Expect(512 + ((b.size + 511) / 512) * 512);
  }

  TarArchiveOutput tar(out);
  tar.AddFile("oci-layout", R"({"imageLayoutVersion": "1.0.0"})");
  tar.AddFile("index.json", indexes.index.dump());
  tar.AddFile("manifest.json", indexes.docker_manifest.dump() + "\n");
  if (!indexes.repositories.empty()) tar.AddFile("repositories", indexes.repositories.dump() + "\n");
  tar.AddDirectory("blobs/");
  tar.AddDirectory(kBlobDir);
  for (const Blob& b : blobs.blobs()) {
    if (b.encoded) {
      WriteEncodedBlob(tar, b);
    } else if (b.layer) {
      WriteLayerBlob(store, tar, b);
    } else {
      tar.AddFile(BlobPath(b.digest), b.bytes);
    }
  }
  tar.Close();
}

}  // namespace ubuild::store
