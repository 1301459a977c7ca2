// repositories.json, as Docker's refstore keeps it:
//   {"Repositories":{"hello":{"hello:latest":"sha256:<id>"}}}
// Names follow the distribution/reference grammar; errors use Docker's words.
#include "store/reference_store.h"

#include <nlohmann/json.hpp>
#include <set>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/base/strings.h"
#include "store/layout.h"
#include "store/reference_grammar.h"

namespace ubuild::store {

namespace {

const char* kInvalid = "invalid reference format";

}  // namespace

std::string NormalizeReference(const std::string& ref) {
  if (ref.empty()) throw Error(std::string(kInvalid) + ": repository name must have at least one component");
  if (ref.find('@') != std::string::npos) {
    throw Error("digest references are not supported: " + ref);
  }
  if (IsHex64(ref)) {
    throw Error("invalid repository name (" + ref + "), cannot specify 64-byte hexadecimal strings");
  }
  std::string name = ref;
  std::string tag = "latest";
  size_t colon = ref.rfind(':');
  size_t slash = ref.rfind('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    name = ref.substr(0, colon);
    tag = ref.substr(colon + 1);
    if (!IsTag(tag)) throw Error(kInvalid);
  }
  std::string domain;
  std::string path = name;
  size_t first = name.find('/');
  if (first != std::string::npos) {
    std::string head = name.substr(0, first);
    if (head.find_first_of(".:") != std::string::npos || head == "localhost") {
      domain = head;
      path = name.substr(first + 1);
    }
  }
  if (!domain.empty() && !IsDomain(domain)) throw Error(kInvalid);
  if (path.empty()) throw Error(kInvalid);
  if (!IsPath(path)) {
    if (IsPath(AsciiLower(path))) throw Error(std::string(kInvalid) + ": repository name must be lowercase");
    throw Error(kInvalid);
  }
  if (name.size() > 255) throw Error("repository name must not be more than 255 characters");
  // Docker shows references in their familiar form: docker.io/library/x is x.
  if (domain == "docker.io" || domain == "index.docker.io") domain.clear();
  if (domain.empty() && path.rfind("library/", 0) == 0 && path.find('/', 8) == std::string::npos) {
    path = path.substr(8);
  }
  return (domain.empty() ? path : domain + "/" + path) + ":" + tag;
}

std::string RepositoryOf(const std::string& normalized_ref) {
  return normalized_ref.substr(0, normalized_ref.rfind(':'));
}

namespace {

using Repositories = std::map<std::string, std::map<std::string, std::string>>;

Repositories Load(const std::filesystem::path& root) {
  auto path = layout::RepositoriesJson(root);
  auto text = ReadFileIfExists(path);
  Repositories repos;
  if (!text) return repos;
  try {
    auto j = nlohmann::json::parse(*text);
    for (auto& [repo, tags] : j.at("Repositories").items()) {
      for (auto& [ref, id] : tags.items()) repos[repo][ref] = id.get<std::string>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("corrupt reference store: ") + e.what(), path.string());
  }
  return repos;
}

void Save(const std::filesystem::path& root, const Repositories& repos) {
  nlohmann::json j = nlohmann::json::object();
  j["Repositories"] = nlohmann::json::object();
  for (const auto& [repo, tags] : repos) {
    if (tags.empty()) continue;
    j["Repositories"][repo] = tags;
  }
  WriteFileAtomic(layout::RepositoriesJson(root), j.dump());
}

}  // namespace

ReferenceStore::ReferenceStore(std::filesystem::path root) : root_(std::move(root)) {}

void ReferenceStore::Tag(const std::string& ref, const Digest& image_id) {
  std::string normalized = NormalizeReference(ref);
  Repositories repos = Load(root_);
  auto& slot = repos[RepositoryOf(normalized)][normalized];
  if (slot == image_id.str()) return;
  slot = image_id.str();
  Save(root_, repos);
}

bool ReferenceStore::Untag(const std::string& ref) {
  std::string normalized = NormalizeReference(ref);
  Repositories repos = Load(root_);
  auto it = repos.find(RepositoryOf(normalized));
  if (it == repos.end() || it->second.erase(normalized) == 0) return false;
  if (it->second.empty()) repos.erase(it);
  Save(root_, repos);
  return true;
}

std::optional<Digest> ReferenceStore::Get(const std::string& ref) const {
  std::string normalized = NormalizeReference(ref);
  Repositories repos = Load(root_);
  auto it = repos.find(RepositoryOf(normalized));
  if (it == repos.end()) return std::nullopt;
  auto t = it->second.find(normalized);
  if (t == it->second.end()) return std::nullopt;
  return Digest::Parse(t->second);
}

std::map<std::string, Digest> ReferenceStore::All() const {
  std::map<std::string, Digest> out;
  for (const auto& [repo, tags] : Load(root_)) {
    for (const auto& [ref, id] : tags) {
      if (ref.find('@') == std::string::npos) out.emplace(ref, Digest::Parse(id));
    }
  }
  return out;
}

bool ReferenceStore::AddDigest(const std::string& name, const Digest& manifest, const Digest& image_id) {
  Repositories repos = Load(root_);
  auto& slot = repos[name][name + "@" + manifest.str()];
  if (slot == image_id.str()) return false;
  slot = image_id.str();
  Save(root_, repos);
  return true;
}

std::optional<Digest> ReferenceStore::GetDigest(const std::string& name, const Digest& manifest) const {
  Repositories repos = Load(root_);
  auto it = repos.find(name);
  if (it == repos.end()) return std::nullopt;
  auto d = it->second.find(name + "@" + manifest.str());
  if (d == it->second.end()) return std::nullopt;
  return Digest::Parse(d->second);
}

std::vector<std::string> ReferenceStore::DigestsOf(const Digest& image_id) const {
  std::vector<std::string> out;
  for (const auto& [repo, refs] : Load(root_)) {
    for (const auto& [ref, id] : refs) {
      if (ref.find('@') != std::string::npos && id == image_id.str()) out.push_back(ref);
    }
  }
  return out;
}

void ReferenceStore::RemoveDigestsOf(const std::vector<Digest>& image_ids) {
  if (image_ids.empty()) return;
  std::set<std::string> gone;
  for (const Digest& id : image_ids) gone.insert(id.str());
  Repositories repos = Load(root_);
  bool changed = false;
  for (auto& [repo, refs] : repos) {
    changed |= std::erase_if(refs, [&](const auto& r) {
      return r.first.find('@') != std::string::npos && gone.count(r.second) != 0;
    }) > 0;
  }
  if (changed) Save(root_, repos);
}

std::vector<std::string> ReferenceStore::TagsOf(const Digest& image_id) const {
  std::vector<std::string> out;
  for (const auto& [ref, id] : All()) {
    if (id == image_id) out.push_back(ref);
  }
  return out;
}

}  // namespace ubuild::store
