#pragma once
// repositories.json: tags -> image ids, with Docker's name and tag rules.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/digest.h"

namespace ubuild::store {

// "hello" -> "hello:latest"; validates repository (lowercase, Docker's
// grammar) and tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}); throws ubuild::Error.
std::string NormalizeReference(const std::string& ref);
// "hello:latest" -> "hello" (the repository key in repositories.json).
std::string RepositoryOf(const std::string& normalized_ref);

class ReferenceStore {
 public:
  explicit ReferenceStore(std::filesystem::path root);

  void Tag(const std::string& ref, const Digest& image_id);  // moves an existing tag
  bool Untag(const std::string& ref);
  std::optional<Digest> Get(const std::string& ref) const;   // normalizes ref
  std::map<std::string, Digest> All() const;                 // "name:tag" -> id
  std::vector<std::string> TagsOf(const Digest& image_id) const;

  // RepoDigests: "name@sha256:<manifest>" -> id, kept beside the tags in
  // repositories.json as Docker keeps them; a pull or push records where an
  // image came from or went. `name` is familiar ("alpine", "host:5000/a").
  // False when it was recorded already.
  bool AddDigest(const std::string& name, const Digest& manifest, const Digest& image_id);
  std::vector<std::string> DigestsOf(const Digest& image_id) const;
  // The image recorded for name@manifest (`name` as for AddDigest).
  std::optional<Digest> GetDigest(const std::string& name, const Digest& manifest) const;
  // Drops every RepoDigest of the images, with one rewrite of the file.
  void RemoveDigestsOf(const std::vector<Digest>& image_ids);

 private:
  std::filesystem::path root_;
};

}  // namespace ubuild::store
