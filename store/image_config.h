#pragma once
// The image config — Docker's image JSON (architecture, os, config, created,
// history, rootfs) — the one model every command reads and writes it through:
// build edits it, import makes one, inspect/history/images/layers read it.
// Fields ubuild does not model are kept as read, so they survive a rebuild,
// and Serialize writes ONE canonical form with Go's encoder, so the same image
// always gives the same bytes, hence the same id (design.md §2, §6).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/container_config.h"
#include "store/digest.h"

namespace ubuild::store {

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

  // Turns this copy of a parent's config into the config of a child a build
  // step commits, as Docker's image.NewChildImage does: the parent's top-level
  // comment (an `import -m` or `commit -m` message) is not carried over; the
  // parent's history entry keeps it.
  void BecomeChild();

  // Canonical bytes: top-level keys sorted as Docker's Go map marshalling
  // sorts them, container config keys in Go struct order, no whitespace,
  // strings escaped as Go escapes them. Per-build fields of the engine that
  // made a base (container, container_config, docker_version) are not written:
  // a child image does not inherit them.
  std::string Serialize() const;
  // SHA-256 of Serialize()'s bytes, the image's id, hashed part by part
  // without writing the whole text: history grows with every step.
  Digest Id() const;

  // The container config ("config"), edited in place by the dispatchers.
  Json& config() { return config_; }
  const Json& config() const { return config_; }
  // The engine's "container_config"; null when absent.
  const Json& container_config() const { return container_config_; }

  std::vector<std::string> Env() const;                 // config.Env or empty
  void SetEnv(const std::string& key, const std::string& value);  // replaces or appends
  std::optional<std::string> GetEnv(const std::string& key) const;
  std::vector<std::string> StringList(const char* field) const;   // null -> {}

  std::vector<Digest>& diff_ids() { return diff_ids_; }
  const std::vector<Digest>& diff_ids() const { return diff_ids_; }
  // Serialize keeps the text of the entries it wrote, so the n steps of a
  // build encode n entries, not n^2: AddHistory keeps that text, while
  // mutable access drops it (do not hold the reference across Serialize).
  const std::vector<HistoryEntry>& history() const { return history_; }
  std::vector<HistoryEntry>& history() {
    history_text_.clear();
    history_text_entries_ = 0;
    return history_;
  }
  void AddHistory(HistoryEntry entry) { history_.push_back(std::move(entry)); }

  // A top-level string ubuild does not model ("variant", "container",
  // "docker_version"); "" when absent or not a string.
  std::string OtherString(const char* key) const;
  // Sets such a field; "" removes it (a platform's "variant" is omitempty).
  void SetOtherString(const char* key, const std::string& value);
  // Whether the parsed bytes held this top-level field with a value of that
  // kind (an absent "config" shows as null in inspect, a zero one does not).
  bool Held(const char* key, Json::value_t kind) const;

  std::string author;
  std::string comment;
  std::string created;
  std::string architecture = "amd64";
  std::string os = "linux";

 private:
  Json config_;
  Json container_config_;
  Json extra_ = Json::object();   // top-level fields ubuild does not model, written back as read
  Json engine_ = Json::object();  // the engine's per-build fields, read but never written
  std::vector<Digest> diff_ids_;
  std::vector<HistoryEntry> history_;
  mutable std::string history_text_;     // the first history_text_entries_ entries, comma-separated
  mutable size_t history_text_entries_ = 0;
  std::map<std::string, Json::value_t> held_;

  // Serialize's text before and after the history entries, which it brings up to date.
  struct Text {
    std::string head;
    std::string tail;
  };
  Text SerializedAround() const;
};

// rootfs.diff_ids of a config document, bottom layer first; none when rootfs
// or diff_ids is absent or null. The one reader of diff_ids, for the commands
// that need only them. Throws ubuild::Error naming `where` unless they are digests.
template <class JsonT>
std::vector<Digest> ParseDiffIds(const JsonT& document, const std::string& where);
std::vector<Digest> ParseDiffIds(const std::string& config_bytes, const std::string& where);

// chain_id of the config's top layer (design.md §2); nullopt with no layers.
std::optional<Digest> TopChainId(const ImageConfig& config);

}  // namespace ubuild::store
