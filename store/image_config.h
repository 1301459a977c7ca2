#pragma once
// The image config a build step edits: Docker's image JSON (architecture, os,
// config, created, history, rootfs) held as JSON so fields ubuild does not
// know survive a rebuild, and serialized in ONE canonical order so the same
// image always gives the same bytes — hence the same id (design.md §2, §6).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/digest.h"

namespace ubuild::store {

using Json = nlohmann::ordered_json;

struct HistoryEntry {
  std::string created;     // RFC 3339, UTC
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
};

class ImageConfig {
 public:
  // The config of FROM scratch: no layers, every container field at its
  // zero value (nulls where Docker writes null).
  static ImageConfig Scratch();
  // Parses a stored config. Throws ubuild::Error naming `what` if it is not a config.
  static ImageConfig Parse(const std::string& bytes, const std::string& what);

  // Canonical bytes: top-level keys sorted as Docker's Go map marshalling
  // sorts them, container config keys in Go struct order, no whitespace.
  std::string Serialize() const;

  // The container config ("config"), edited in place by the dispatchers.
  Json& config() { return config_; }
  const Json& config() const { return config_; }

  std::vector<std::string> Env() const;                 // config.Env or empty
  void SetEnv(const std::string& key, const std::string& value);  // replaces or appends
  std::optional<std::string> GetEnv(const std::string& key) const;
  std::vector<std::string> StringList(const char* field) const;   // null -> {}

  std::vector<std::string>& diff_ids() { return diff_ids_; }
  const std::vector<std::string>& diff_ids() const { return diff_ids_; }
  std::vector<HistoryEntry>& history() { return history_; }
  const std::vector<HistoryEntry>& history() const { return history_; }

  std::string author;
  std::string created;
  std::string architecture = "amd64";
  std::string os = "linux";

 private:
  Json config_;
  Json extra_ = Json::object();  // top-level fields ubuild does not model, kept as read
  std::vector<std::string> diff_ids_;
  std::vector<HistoryEntry> history_;
};

// chain_id of the config's top layer (design.md §2); nullopt with no layers.
// Throws ubuild::Error if a diff_id is malformed.
std::optional<Digest> TopChainId(const ImageConfig& config);

// Go's time.Time JSON form (RFC 3339 with nanoseconds, trailing zeros trimmed).
std::string FormatCreated(int64_t seconds, long nanoseconds);
std::string NowCreated();

}  // namespace ubuild::store
