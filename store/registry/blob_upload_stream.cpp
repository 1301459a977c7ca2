#include "store/registry/blob_upload_stream.h"

namespace ubuild::store::registry {

void BlobUploadStream::Write(const void* data, size_t len) {
  hash_.Update(data, len);
  size_ += len;
  pipe_.Write(data, len);
}

void BlobUploadStream::Finish() {
  digest_ = hash_.Final();
  pipe_.Close();
}

}  // namespace ubuild::store::registry
