#pragma once
// Read-only view of an image config JSON (the bytes under imagedb/content)
// for the commands that show images. Never re-serialises: the stored bytes
// are the identity, this only reads fields out of them.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/digest.h"

namespace ubuild::store {

struct HistoryEntryView {
  std::string created;
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
};

struct ImageConfigView {
  // Throws ubuild::Error naming `where` when the bytes are not a config.
  static ImageConfigView Parse(const std::string& bytes, const std::string& where);

  nlohmann::json json;  // the whole document
  std::string created;
  std::string author;
  std::string comment;
  std::string architecture;
  std::string os;
  std::vector<Digest> diff_ids;
  std::vector<HistoryEntryView> history;

  // `config` / `container_config` objects, or null when absent.
  const nlohmann::json& config() const;
  const nlohmann::json& container_config() const;
  std::string StringField(const char* key) const;  // top-level string or ""
};

}  // namespace ubuild::store
