#include "store/image_config.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "store/chain_id.h"
#include "store/base/error.h"

namespace ubuild::store {

namespace {

// Go struct order of Docker's container.Config, with the fields that are
// omitempty marked: they are written only when set.
struct ConfigField {
  const char* name;
  bool omit_empty;
};
constexpr ConfigField kConfigFields[] = {
    {"Hostname", false},    {"Domainname", false}, {"User", false},         {"AttachStdin", false},
    {"AttachStdout", false}, {"AttachStderr", false}, {"ExposedPorts", true}, {"Tty", false},
    {"OpenStdin", false},   {"StdinOnce", false},  {"Env", false},          {"Cmd", false},
    {"Healthcheck", true},  {"ArgsEscaped", true}, {"Image", false},        {"Volumes", false},
    {"WorkingDir", false},  {"Entrypoint", false}, {"NetworkDisabled", true}, {"MacAddress", true},
    {"OnBuild", false},     {"Labels", false},     {"StopSignal", true},    {"StopTimeout", true},
    {"Shell", true},
};

bool IsEmptyValue(const Json& v) {
  if (v.is_null()) return true;
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_string()) return v.get<std::string>().empty();
  if (v.is_array() || v.is_object()) return v.empty();
  if (v.is_number()) return v.get<double>() == 0;
  return false;
}

Json ZeroValue(const std::string& name) {
  if (name == "AttachStdin" || name == "AttachStdout" || name == "AttachStderr" || name == "Tty" ||
      name == "OpenStdin" || name == "StdinOnce") {
    return false;
  }
  if (name == "Hostname" || name == "Domainname" || name == "User" || name == "Image" ||
      name == "WorkingDir") {
    return "";
  }
  return nullptr;
}

Json CanonicalConfig(const Json& in) {
  Json out = Json::object();
  for (const ConfigField& f : kConfigFields) {
    auto it = in.find(f.name);
    if (f.omit_empty) {
      if (it != in.end() && !IsEmptyValue(*it)) out[f.name] = *it;
    } else {
      out[f.name] = it != in.end() ? *it : ZeroValue(f.name);
    }
  }
  // Fields a newer engine wrote that ubuild does not model keep their place at the end.
  for (auto it = in.begin(); it != in.end(); ++it) {
    if (!out.contains(it.key())) out[it.key()] = it.value();
  }
  return out;
}

}  // namespace

ImageConfig ImageConfig::Scratch() {
  ImageConfig c;
  c.config_ = CanonicalConfig(Json::object());
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
  try {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      const Json& v = it.value();
      if (k == "config") {
        c.config_ = CanonicalConfig(v.is_object() ? v : Json::object());
      } else if (k == "author") {
        c.author = v.get<std::string>();
      } else if (k == "created") {
        c.created = v.get<std::string>();
      } else if (k == "architecture") {
        c.architecture = v.get<std::string>();
      } else if (k == "os") {
        c.os = v.get<std::string>();
      } else if (k == "rootfs") {
        for (const auto& d : v.value("diff_ids", Json::array())) c.diff_ids_.push_back(d.get<std::string>());
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
      } else if (k == "container_config" || k == "container" || k == "docker_version" || k == "id" ||
                 k == "parent") {
        // Per-build details of the engine that made the base; a child image does not inherit them.
      } else {
        c.extra_[k] = v;
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed image config: ") + e.what(), what);
  }
  if (c.config_.is_null()) c.config_ = CanonicalConfig(Json::object());
  return c;
}

std::string ImageConfig::Serialize() const {
  // Docker marshals the image through a map, so top-level keys come out sorted.
  Json top = Json::object();
  std::vector<std::pair<std::string, Json>> fields;
  fields.emplace_back("architecture", architecture);
  if (!author.empty()) fields.emplace_back("author", author);
  fields.emplace_back("config", CanonicalConfig(config_));
  fields.emplace_back("created", created);
  Json history = Json::array();
  for (const HistoryEntry& e : history_) {
    Json h = Json::object();
    h["created"] = e.created;
    if (!e.author.empty()) h["author"] = e.author;
    if (!e.created_by.empty()) h["created_by"] = e.created_by;
    if (!e.comment.empty()) h["comment"] = e.comment;
    if (e.empty_layer) h["empty_layer"] = true;
    history.push_back(h);
  }
  fields.emplace_back("history", history);
  fields.emplace_back("os", os);
  Json rootfs = Json::object();
  rootfs["type"] = "layers";
  rootfs["diff_ids"] = diff_ids_;
  fields.emplace_back("rootfs", rootfs);
  for (auto it = extra_.begin(); it != extra_.end(); ++it) fields.emplace_back(it.key(), it.value());
  std::sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [k, v] : fields) top[k] = std::move(v);
  return top.dump();
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
    std::string s = kv.get<std::string>();
    if (s.compare(0, key.size(), key) == 0 && (s.size() == key.size() || s[key.size()] == '=')) {
      kv = key + "=" + value;
      return;
    }
  }
  env.push_back(key + "=" + value);
}

std::optional<Digest> TopChainId(const ImageConfig& config) {
  if (config.diff_ids().empty()) return std::nullopt;
  std::vector<Digest> diffs;
  for (const auto& d : config.diff_ids()) diffs.push_back(Digest::Parse(d));
  return ChainIds(diffs).back();
}

std::string FormatCreated(int64_t seconds, long nanoseconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (nanoseconds != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09ld", nanoseconds);
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

std::string NowCreated() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return FormatCreated(ts.tv_sec, ts.tv_nsec);
}

}  // namespace ubuild::store
