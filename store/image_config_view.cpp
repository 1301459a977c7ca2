#include "store/image_config_view.h"

#include "store/base/error.h"

namespace ubuild::store {

namespace {

const nlohmann::json& Null() {
  static const nlohmann::json null;
  return null;
}

std::string Str(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

ImageConfigView ImageConfigView::Parse(const std::string& bytes, const std::string& where) {
  ImageConfigView v;
  try {
    v.json = nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("image config is not valid JSON: ") + e.what(), where);
  }
  if (!v.json.is_object()) throw Error("image config is not a JSON object", where);
  v.created = Str(v.json, "created");
  v.author = Str(v.json, "author");
  v.comment = Str(v.json, "comment");
  v.architecture = Str(v.json, "architecture");
  v.os = Str(v.json, "os");
  if (auto rootfs = v.json.find("rootfs"); rootfs != v.json.end() && rootfs->is_object()) {
    if (auto ids = rootfs->find("diff_ids"); ids != rootfs->end() && ids->is_array()) {
      for (const auto& d : *ids) {
        if (!d.is_string() || !Digest::IsValid(d.get<std::string>())) {
          throw Error("image config: bad entry in rootfs.diff_ids", where);
        }
        v.diff_ids.push_back(Digest::Parse(d.get<std::string>()));
      }
    }
  }
  if (auto history = v.json.find("history"); history != v.json.end() && history->is_array()) {
    for (const auto& h : *history) {
      if (!h.is_object()) throw Error("image config: history entry is not an object", where);
      HistoryEntryView e;
      e.created = Str(h, "created");
      e.created_by = Str(h, "created_by");
      e.author = Str(h, "author");
      e.comment = Str(h, "comment");
      auto empty = h.find("empty_layer");
      e.empty_layer = empty != h.end() && empty->is_boolean() && empty->get<bool>();
      v.history.push_back(std::move(e));
    }
  }
  return v;
}

const nlohmann::json& ImageConfigView::config() const {
  auto it = json.find("config");
  return it != json.end() && it->is_object() ? *it : Null();
}

const nlohmann::json& ImageConfigView::container_config() const {
  auto it = json.find("container_config");
  return it != json.end() && it->is_object() ? *it : Null();
}

std::string ImageConfigView::StringField(const char* key) const { return Str(json, key); }

}  // namespace ubuild::store
