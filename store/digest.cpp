#include "store/digest.h"

#include <openssl/evp.h>

#include "store/base/error.h"

namespace ubuild::store {

namespace {

bool IsLowerHex64(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool Digest::IsValid(std::string_view text) {
  return text.substr(0, 7) == "sha256:" && IsLowerHex64(text.substr(7));
}

Digest Digest::Parse(std::string_view text) {
  if (!IsValid(text)) throw Error("invalid digest \"" + std::string(text) + "\": want sha256:<64 lowercase hex>");
  return FromHex(text.substr(7));
}

Digest Digest::FromHex(std::string_view hex) {
  if (!IsLowerHex64(hex)) throw Error("invalid sha256 hex \"" + std::string(hex) + "\"");
  Digest d;
  d.hex_ = std::string(hex);
  return d;
}

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

namespace {

// OpenSSL 3 looks an algorithm up in its provider tables on every implicit
// use of EVP_sha256(); fetching it once keeps small hashes (ids, cache keys)
// cheap. Never freed: it lives as long as the process.
const EVP_MD* Sha256Algorithm() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md != nullptr ? md : EVP_sha256();
}

}  // namespace

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, Sha256Algorithm(), nullptr) != 1) {
    throw Error("OpenSSL: cannot initialise SHA-256");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(impl_->ctx); }

void Sha256::Update(const void* data, size_t len) {
  if (len != 0 && EVP_DigestUpdate(impl_->ctx, data, len) != 1) throw Error("OpenSSL: SHA-256 update failed");
}

Digest Sha256::Final() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, md, &len) != 1) throw Error("OpenSSL: SHA-256 final failed");
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 15]);
  }
  return Digest::FromHex(hex);
}

Digest Sha256Of(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return h.Final();
}

std::string ShortId(std::string_view id) {
  if (id.substr(0, 7) == "sha256:") id.remove_prefix(7);
  return std::string(id.substr(0, 12));
}

}  // namespace ubuild::store
