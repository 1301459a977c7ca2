#pragma once
// Content digests: "sha256:<64 lowercase hex>" as a value type, and a
// streaming SHA-256 over OpenSSL EVP.
#include <compare>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace ubuild::store {

class Digest {
 public:
  Digest() = default;
  // Accepts exactly "sha256:" + 64 lowercase hex; throws ubuild::Error otherwise.
  static Digest Parse(std::string_view text);
  // 64 lowercase hex without the prefix; throws ubuild::Error otherwise.
  static Digest FromHex(std::string_view hex);
  static bool IsValid(std::string_view text);

  std::string str() const { return "sha256:" + hex_; }  // "sha256:<hex>"
  const std::string& hex() const { return hex_; }
  bool empty() const { return hex_.empty(); }
  auto operator<=>(const Digest&) const = default;

 private:
  std::string hex_;
};

// Streaming SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t len);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  Digest Final();  // may be called once

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Digest Sha256Of(std::string_view bytes);

// Docker's empty layer: the SHA-256 of 1024 zero bytes.
inline constexpr std::string_view kEmptyLayerDiffId =
    "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

// The 12 hex digits Docker shows for an image id; "sha256:" is optional.
std::string ShortId(std::string_view id);

}  // namespace ubuild::store
