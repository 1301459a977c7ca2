#include "store/registry/layer_fetch.h"

#include <exception>
#include <utility>
#include <iostream>
#include <thread>

#include "store/base/error.h"
#include "store/counted_stream.h"
#include "store/decompressing_source.h"
#include "store/registry/blob_download.h"
#include "store/registry/chunk_pipe.h"
#include "store/registry/gunzip_sink.h"
#include "store/registry/unzstd_sink.h"

namespace ubuild::store::registry {

namespace {

// The response body as it arrives: never more than the expected size,
// hashed, and decompressed into the pipe. An error of the decompressor or
// the pipe (the unpacking side gave up) is kept, not thrown, so the rest of
// the body is still hashed: a blob whose digest is wrong is reported as
// that.
class BlobStreamSink : public ByteSink {
 public:
  BlobStreamSink(const Descriptor& blob, ByteSink& tar) : blob_(blob), tar_(tar) {}

  void Write(const void* data, size_t len) override {
    if (received_ + len > blob_.size) throw LongerThanDescribed(blob_);
    hash_.Update(data, len);
    received_ += len;
    if (error_) return;
    if (target_ != nullptr) return Forward(data, len);
    head_.append(static_cast<const char*>(data), len);
    if (head_.size() >= 4) Decide();
  }

  // After the body and the digest check: the error that stopped the
  // stream, if any; else the end of the compressed stream is checked.
  std::exception_ptr Finish() {
    if (target_ == nullptr) Decide();
    if (error_) return error_;
    try {
      if (gunzip_) gunzip_->Finish();
      if (unzstd_) unzstd_->Finish();
    } catch (const Error&) {
      return std::current_exception();
    }
    return nullptr;
  }

  uint64_t received() const { return received_; }
  Digest BlobDigest() { return hash_.Final(); }

 private:
  std::string What() const { return "blob " + blob_.digest.str(); }
  void Decide() {
    target_ = &tar_;
    if (LooksGzipped(head_.data(), head_.size())) {
      // The diff_id covers what the CRC-32 would.
      target_ = &gunzip_.emplace(tar_, What(), /*check_crc=*/false);
    } else if (LooksZstd(head_.data(), head_.size())) {
      target_ = &unzstd_.emplace(tar_, What());
    }
    Forward(head_.data(), head_.size());
    head_.clear();
  }
  void Forward(const void* data, size_t len) {
    try {
      target_->Write(data, len);
    } catch (const Error&) {
      error_ = std::current_exception();
    }
  }

  const Descriptor& blob_;
  ByteSink& tar_;
  std::optional<GunzipSink> gunzip_;
  std::optional<UnzstdSink> unzstd_;
  ByteSink* target_ = nullptr;
  std::string head_;  // the first bytes, until the format is known
  std::exception_ptr error_;
  Sha256 hash_;
  uint64_t received_ = 0;
};

// The pipe's bytes for the unpacking, until `cancel` turns true: then the
// next read throws, so the unpacking ends within a chunk even when the
// download is over and the pipe still holds chunks.
class CancellableSource : public ByteSource {
 public:
  CancellableSource(ByteSource& in, const std::atomic<bool>* cancel, const std::string& what)
      : in_(in), cancel_(cancel), what_(what) {}
  size_t Read(void* data, size_t len) override {
    if (cancel_ != nullptr && cancel_->load()) throw Error("unpacking cancelled", what_);
    return in_.Read(data, len);
  }

 private:
  ByteSource& in_;
  const std::atomic<bool>* cancel_;
  std::string what_;
};

// The unpacking thread: LayerStore::Unpack reading from the pipe. Joined
// before the pipe and the pending layer it uses go out of scope; when the
// download side leaves early it aborts the pipe first.
class Unpacker {
 public:
  Unpacker(LayerStore& layers, PendingLayer& pending, ChunkPipe& pipe, const std::string& what,
           const std::atomic<bool>* cancel)
      : pipe_(pipe), thread_([this, &layers, &pending, what, cancel] {
          try {
            CancellableSource tar(pipe_.source(), cancel, what);
            prepared_ = layers.Unpack(pending, tar, what);
          } catch (...) {
            error_ = std::current_exception();  // Unpack has dropped the pending dir
          }
          pipe_.StopReading();
        }) {}
  ~Unpacker() {
    if (!thread_.joinable()) return;
    pipe_.Abort(std::make_exception_ptr(Error("the download stopped")));
    thread_.join();
  }

  // Waits for the unpacking to end; rethrows its error.
  PreparedLayer Join() {
    thread_.join();
    if (error_) std::rethrow_exception(error_);
    return *prepared_;
  }

 private:
  ChunkPipe& pipe_;
  std::optional<PreparedLayer> prepared_;
  std::exception_ptr error_;
  std::thread thread_;
};

// An error of the unpacking or the decompression of a blob whose bytes
// are its digest's: the blob's (not a layer tar ubuild takes), unless a
// system call failed, which is the store's disk, or the fetch was cancelled.
[[noreturn]] void RethrowUnpackError(std::exception_ptr error, const std::atomic<bool>* cancel) {
  try {
    std::rethrow_exception(error);
  } catch (const SystemError&) {
    throw;
  } catch (const Error& e) {
    if (e.exit_code() != 1 || (cancel != nullptr && cancel->load())) throw;
    throw BadBlob(e.what(), e.where());
  }
}

}  // namespace

FetchedLayer::~FetchedLayer() {
  if (pending_.cache_id.empty()) return;
  try {
    layers_->Discard(pending_);
  } catch (const std::exception& e) {
    std::cerr << "ubuild: warning: removing an unregistered layer: " << e.what() << "\n";
  }
}

FetchedLayer FetchLayer(RegistrySession& session, HttpClient& http, const std::string& path, const Descriptor& blob,
                        const Digest& diff_id, LayerStore& layers, ByteCounter* received,
                        const std::atomic<bool>* cancel) {
  const std::string what = "blob " + blob.digest.str();
  PendingLayer pending = layers.CreatePending();
  ChunkPipe pipe(what);
  BlobStreamSink body(blob, pipe.sink());
  std::exception_ptr stream_error;
  PreparedLayer prepared;
  {
    Unpacker unpacker(layers, pending, pipe, "layer " + blob.digest.str(), cancel);
    if (received) {
      CountedSink counted(body, *received);
      GetBlob(session, http, path, blob, &counted, cancel);
    } else {
      GetBlob(session, http, path, blob, &body, cancel);
    }
    CheckReceived(body.received(), body.BlobDigest(), blob);
    stream_error = body.Finish();
    if (stream_error) {
      pipe.Abort(stream_error);
    } else {
      pipe.Close();
    }
    // The unpacker's error is the decompressor's when that aborted it.
    try {
      prepared = unpacker.Join();
    } catch (...) {
      RethrowUnpackError(std::current_exception(), cancel);
    }
    if (stream_error) RethrowUnpackError(stream_error, cancel);
  }
  FetchedLayer fetched(layers, std::move(pending), prepared);
  if (prepared.diff_id != diff_id) {
    throw BadBlob("the layer's uncompressed content hashes to " + prepared.diff_id.str() +
                      ", but the image config's diff_id is " + diff_id.str(),
                  what);
  }
  return fetched;
}

}  // namespace ubuild::store::registry
