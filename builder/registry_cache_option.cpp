#include "builder/registry_cache_option.h"

#include <map>

#include "store/base/error.h"
#include "store/registry/image_reference.h"

namespace ubuild::builder {

namespace {

std::map<std::string, std::string> Fields(const std::string& flag, const std::string& value) {
  std::map<std::string, std::string> fields;
  size_t begin = 0;
  while (begin <= value.size()) {
    size_t end = value.find(',', begin);
    if (end == std::string::npos) end = value.size();
    const std::string part = value.substr(begin, end - begin);
    const size_t eq = part.find('=');
    if (eq == std::string::npos || eq == 0) throw Error(flag + " " + value + ": want key=value, got \"" + part + "\"");
    fields[part.substr(0, eq)] = part.substr(eq + 1);
    begin = end + 1;
  }
  return fields;
}

std::string Take(std::map<std::string, std::string>& fields, const std::string& key) {
  auto it = fields.find(key);
  if (it == fields.end()) return "";
  std::string v = it->second;
  fields.erase(it);
  return v;
}

CacheLocation Parse(const std::string& flag, const std::string& value, const char* dir_key) {
  std::map<std::string, std::string> fields = Fields(flag, value);
  CacheLocation loc;
  const std::string type = Take(fields, "type");
  if (type == "registry") {
    loc.ref = Take(fields, "ref");
    if (loc.ref.empty()) throw Error(flag + " " + value + ": type=registry needs ref=NAME:TAG");
    if (store::registry::ImageReference::Parse(loc.ref).tag.empty()) {
      throw Error(flag + " " + value + ": the cache ref needs a tag, not a digest");
    }
  } else if (type == "local") {
    loc.kind = CacheLocation::Kind::kLocal;
    loc.dir = Take(fields, dir_key);
    if (loc.dir.empty()) throw Error(flag + " " + value + ": type=local needs " + dir_key + "=DIR");
  } else if (type == "inline" && std::string(dir_key) == "dest") {
    loc.kind = CacheLocation::Kind::kInline;
  } else {
    throw Error(flag + " " + value + ": type must be registry or local" +
                (std::string(dir_key) == "dest" ? " or inline" : "") + " (got \"" + type + "\")");
  }
  if (std::string mode = Take(fields, "mode"); std::string(dir_key) == "dest" && !mode.empty()) {
    if (mode != "min" && mode != "max") throw Error(flag + " " + value + ": mode must be min or max");
    loc.all_stages = mode == "max";
    // The image holds only its own layers: those of other stages' steps have nowhere to go.
    if (loc.all_stages && loc.kind == CacheLocation::Kind::kInline) {
      throw Error(flag + " " + value + ": type=inline exports mode=min only");
    }
  }
  if (!fields.empty()) throw Error(flag + " " + value + ": unknown key \"" + fields.begin()->first + "\"");
  return loc;
}

}  // namespace

CacheLocation ParseCacheFrom(const std::string& value) {
  if (value.find('=') == std::string::npos) {
    if (value.empty()) throw Error("--cache-from: want IMAGE_REF or type=registry|local,...");
    CacheLocation loc;
    loc.kind = CacheLocation::Kind::kImage;
    loc.ref = value;
    return loc;
  }
  return Parse("--cache-from", value, "src");
}

CacheLocation ParseCacheTo(const std::string& value) { return Parse("--cache-to", value, "dest"); }

}  // namespace ubuild::builder
