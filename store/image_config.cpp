#include "store/image_config.h"

#include <algorithm>

#include "store/base/error.h"
#include "store/chain_id.h"
#include "store/go_json.h"

namespace ubuild::store {

namespace {

// Per-build details of the engine that made an image: a child image does not inherit them.
bool IsEngineField(const std::string& k) {
  return k == "container_config" || k == "container" || k == "docker_version" || k == "id" || k == "parent";
}

}  // namespace

ImageConfig ImageConfig::Scratch() {
  ImageConfig c;
  c.config_ = StoredContainerConfig(nullptr);
  return c;
}

ImageConfig ImageConfig::Parse(const std::string& bytes, const std::string& what) {
  Json j;
  try {
    j = Json::parse(bytes);
  } catch (const std::exception& e) {
    throw Error(std::string("image config is not valid JSON: ") + e.what(), what);
  }
  if (!j.is_object()) throw Error("image config is not a JSON object", what);
  ImageConfig c;
  c.config_ = StoredContainerConfig(nullptr);
  try {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      const Json& v = it.value();
      c.held_[k] = v.type();
      if (k == "config") {
        c.config_ = StoredContainerConfig(v);
      } else if (k == "author") {
        c.author = v.get<std::string>();
      } else if (k == "comment") {
        c.comment = v.get<std::string>();
      } else if (k == "created") {
        c.created = v.get<std::string>();
      } else if (k == "architecture") {
        c.architecture = v.get<std::string>();
      } else if (k == "os") {
        c.os = v.get<std::string>();
      } else if (k == "rootfs") {
        c.diff_ids_ = ParseDiffIds(j, what);
      } else if (k == "history") {
        for (const auto& h : v) {
          HistoryEntry e;
          e.created = h.value("created", "");
          e.created_by = h.value("created_by", "");
          e.author = h.value("author", "");
          e.comment = h.value("comment", "");
          e.empty_layer = h.value("empty_layer", false);
          c.history_.push_back(e);
        }
      } else if (k == "container_config") {
        c.container_config_ = v;
      } else if (IsEngineField(k)) {
        c.engine_[k] = v;
      } else {
        c.extra_[k] = v;
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed image config: ") + e.what(), what);
  }
  return c;
}

void ImageConfig::BecomeChild() { comment.clear(); }

namespace {

// Docker's image.History in Go struct order, empty fields omitted.
void AppendHistoryEntry(std::string& out, const HistoryEntry& e) {
  out += "{\"created\":";
  AppendGoJsonQuoted(out, e.created);
  if (!e.author.empty()) {
    out += ",\"author\":";
    AppendGoJsonQuoted(out, e.author);
  }
  if (!e.created_by.empty()) {
    out += ",\"created_by\":";
    AppendGoJsonQuoted(out, e.created_by);
  }
  if (!e.comment.empty()) {
    out += ",\"comment\":";
    AppendGoJsonQuoted(out, e.comment);
  }
  if (e.empty_layer) out += ",\"empty_layer\":true";
  out += '}';
}

}  // namespace

ImageConfig::Text ImageConfig::SerializedAround() const {
  // Docker marshals the image through a map, so top-level keys come out
  // sorted. The members are written in place, the config straight from
  // config_, and history, the part that grows with every step, from the text
  // kept of the entries already written.
  enum class Part { kValue, kConfig, kHistory };
  struct Member {
    std::string key;
    const Json* value;
    Part part;
  };
  const Json architecture_json = architecture, author_json = author, comment_json = comment;
  const Json created_json = created, os_json = os;
  Json rootfs = Json{{"type", "layers"}};
  // Docker's RootFS.DiffIDs is omitempty: a config with no layers has no "diff_ids".
  for (const Digest& d : diff_ids_) rootfs["diff_ids"].push_back(d.str());
  std::vector<Member> members;
  members.push_back({"architecture", &architecture_json, Part::kValue});
  if (!author.empty()) members.push_back({"author", &author_json, Part::kValue});
  if (!comment.empty()) members.push_back({"comment", &comment_json, Part::kValue});
  members.push_back({"config", &config_, Part::kConfig});
  members.push_back({"created", &created_json, Part::kValue});
  members.push_back({"history", nullptr, Part::kHistory});
  members.push_back({"os", &os_json, Part::kValue});
  members.push_back({"rootfs", &rootfs, Part::kValue});
  for (auto it = extra_.begin(); it != extra_.end(); ++it) members.push_back({it.key(), &it.value(), Part::kValue});
  std::stable_sort(members.begin(), members.end(), [](const Member& a, const Member& b) { return a.key < b.key; });

  for (; history_text_entries_ < history_.size(); ++history_text_entries_) {
    if (history_text_entries_ > 0) history_text_ += ',';
    AppendHistoryEntry(history_text_, history_[history_text_entries_]);
  }
  Text text;
  text.head = "{";
  std::string* out = &text.head;
  for (const Member& m : members) {
    if (out->size() > 1 || out == &text.tail) *out += ',';
    AppendGoJsonQuoted(*out, m.key);
    *out += ':';
    switch (m.part) {
      case Part::kValue:
        AppendGoJson(*out, *m.value, /*go_map_keys=*/false);
        break;
      case Part::kConfig:
        AppendStoredContainerConfig(*out, *m.value);
        break;
      case Part::kHistory:
        *out += '[';
        out = &text.tail;
        *out += ']';
        break;
    }
  }
  *out += '}';
  return text;
}

std::string ImageConfig::Serialize() const {
  Text text = SerializedAround();
  std::string out;
  out.reserve(text.head.size() + history_text_.size() + text.tail.size());
  out += text.head;
  out += history_text_;
  out += text.tail;
  return out;
}

Digest ImageConfig::Id() const {
  Text text = SerializedAround();
  Sha256 hash;
  hash.Update(text.head);
  hash.Update(history_text_);
  hash.Update(text.tail);
  return hash.Final();
}

std::string ImageConfig::OtherString(const char* key) const {
  for (const Json* fields : {&extra_, &engine_}) {
    auto it = fields->find(key);
    if (it != fields->end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

void ImageConfig::SetOtherString(const char* key, const std::string& value) {
  if (value.empty()) {
    extra_.erase(key);
  } else {
    extra_[key] = value;
  }
}

bool ImageConfig::Held(const char* key, Json::value_t kind) const {
  auto it = held_.find(key);
  return it != held_.end() && it->second == kind;
}

std::vector<std::string> ImageConfig::StringList(const char* field) const {
  std::vector<std::string> out;
  auto it = config_.find(field);
  if (it == config_.end() || !it->is_array()) return out;
  for (const auto& v : *it) out.push_back(v.get<std::string>());
  return out;
}

std::vector<std::string> ImageConfig::Env() const { return StringList("Env"); }

std::optional<std::string> ImageConfig::GetEnv(const std::string& key) const {
  for (const std::string& kv : Env()) {
    if (kv.compare(0, key.size(), key) == 0 && kv.size() > key.size() && kv[key.size()] == '=') {
      return kv.substr(key.size() + 1);
    }
    if (kv == key) return std::string();
  }
  return std::nullopt;
}

void ImageConfig::SetEnv(const std::string& key, const std::string& value) {
  Json& env = config_["Env"];
  if (!env.is_array()) env = Json::array();
  for (auto& kv : env) {
    // A reference, not a copy: every ENV step walks the whole Env.
    const std::string& s = kv.get_ref<const std::string&>();
    if (s.compare(0, key.size(), key) == 0 && (s.size() == key.size() || s[key.size()] == '=')) {
      kv = key + "=" + value;
      return;
    }
  }
  env.push_back(key + "=" + value);
}

template <class JsonT>
std::vector<Digest> ParseDiffIds(const JsonT& document, const std::string& where) {
  std::vector<Digest> out;
  if (!document.is_object()) throw Error("image config is not a JSON object", where);
  auto rootfs = document.find("rootfs");
  if (rootfs == document.end() || rootfs->is_null()) return out;
  if (!rootfs->is_object()) throw Error("image config: rootfs is not an object", where);
  auto ids = rootfs->find("diff_ids");
  if (ids == rootfs->end() || ids->is_null()) return out;
  if (!ids->is_array()) throw Error("image config: rootfs.diff_ids is not an array", where);
  for (const auto& d : *ids) {
    if (!d.is_string() || !Digest::IsValid(d.template get<std::string>())) {
      throw Error("image config: bad entry in rootfs.diff_ids: " +
                      d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  where);
    }
    out.push_back(Digest::Parse(d.template get<std::string>()));
  }
  return out;
}

template std::vector<Digest> ParseDiffIds(const nlohmann::json&, const std::string&);
template std::vector<Digest> ParseDiffIds(const nlohmann::ordered_json&, const std::string&);

std::vector<Digest> ParseDiffIds(const std::string& config_bytes, const std::string& where) {
  nlohmann::json j = nlohmann::json::parse(config_bytes, nullptr, false);
  if (j.is_discarded()) throw Error("image config is not valid JSON", where);
  return ParseDiffIds(j, where);
}

std::optional<Digest> TopChainId(const ImageConfig& config) {
  if (config.diff_ids().empty()) return std::nullopt;
  return ChainIds(config.diff_ids()).back();
}

}  // namespace ubuild::store
