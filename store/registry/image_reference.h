#pragma once
// An image reference as Docker reads one (distribution/reference's grammar
// and its normalisation): `alpine` is docker.io/library/alpine:latest,
// `host:5000/a/b:tag`, `name@sha256:<hex>` and `name:tag@sha256:<hex>`.
// The first path component is a registry host when it holds '.' or ':', is
// "localhost", or has an uppercase letter; index.docker.io is docker.io.
#include <optional>
#include <string>
#include <string_view>

#include "store/digest.h"

namespace ubuild::store::registry {

inline constexpr std::string_view kDockerHubDomain = "docker.io";

struct ImageReference {
  std::string domain;            // "docker.io", "127.0.0.1:5000", "[::1]:5000"
  std::string path;              // "library/alpine"
  std::string tag;               // empty when only a digest was given
  std::optional<Digest> digest;  // the manifest digest, when given

  // Throws ubuild::Error with Docker's words ("invalid reference format: ...").
  // A reference with neither tag nor digest gets the tag "latest".
  static ImageReference Parse(std::string_view text);

  // "docker.io/library/alpine"
  std::string Repository() const { return domain + "/" + path; }
  // "alpine", "me/app", "127.0.0.1:5000/a/b": the name the store keeps.
  std::string FamiliarName() const;
  // "docker.io/library/alpine:latest", "...@sha256:..": what docker pull prints last.
  std::string String() const;
  // The familiar name with the tag, or with the digest when there is no tag.
  std::string FamiliarString() const;
};

}  // namespace ubuild::store::registry
