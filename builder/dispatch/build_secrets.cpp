#include "builder/dispatch/build_secrets.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::builder {

namespace {

// BuildKit refuses secrets over 500 KiB (secrets/secretsprovider).
constexpr size_t kMaxSecretBytes = 500 * 1024;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

}  // namespace

std::pair<std::string, SecretSource> ParseSecretFlag(const std::string& value) {
  std::string id, type, src, env;
  for (const std::string& f : Split(value, ',')) {
    const size_t eq = f.find('=');
    if (eq == std::string::npos) throw Error("--secret: field '" + f + "' must be a key=value pair");
    const std::string key = AsciiLower(f.substr(0, eq));
    const std::string v = f.substr(eq + 1);
    if (key == "id") {
      id = v;
    } else if (key == "type") {
      if (v != "file" && v != "env") throw Error("--secret: unsupported secret type \"" + v + "\"");
      type = v;
    } else if (key == "src" || key == "source") {
      src = v;
    } else if (key == "env") {
      env = v;
    } else {
      throw Error("--secret: unexpected key '" + key + "' in '" + f + "'");
    }
  }
  if (id.empty()) throw Error("--secret: an id is required (id=ID,src=FILE or id=ID,env=VAR)");
  SecretSource s;
  if (type == "env") {
    s.env = !env.empty() ? env : !src.empty() ? src : id;
  } else if (!src.empty() || type == "file") {
    s.file = !src.empty() ? src : id;
  } else if (!env.empty()) {
    s.env = env;
  } else if (std::getenv(id.c_str()) != nullptr) {
    s.env = id;
  } else {
    s.file = id;
  }
  return {id, s};
}

std::pair<std::string, std::vector<std::string>> ParseSshFlag(const std::string& value) {
  const size_t eq = value.find('=');
  const std::string id = value.substr(0, eq);
  if (id.empty()) throw Error("--ssh: an id is required (default[=SOCKET|KEY])");
  std::vector<std::string> paths;
  if (eq != std::string::npos) {
    for (const std::string& p : Split(value.substr(eq + 1), ',')) {
      if (!p.empty()) paths.push_back(p);
    }
  }
  if (paths.empty()) {
    const char* sock = std::getenv("SSH_AUTH_SOCK");
    if (sock == nullptr || *sock == '\0') {
      throw Error("--ssh " + id + ": SSH_AUTH_SOCK is not set; give a socket or key files (--ssh " + id + "=PATH)");
    }
    paths.push_back(sock);
  }
  return {id, paths};
}

std::string ReadSecret(const std::string& id, const SecretSource& source) {
  std::string value;
  if (source.file.empty()) {
    const char* v = std::getenv(source.env.c_str());
    if (v == nullptr) throw Error("secret " + id + ": the variable " + source.env + " is not set");
    value = v;
  } else {
    std::ifstream in(source.file, std::ios::binary);
    if (!in) throw Error("secret " + id + ": cannot read the file", source.file);
    std::ostringstream ss;
    ss << in.rdbuf();
    value = ss.str();
  }
  if (value.size() > kMaxSecretBytes) throw Error("secret " + id + ": larger than 500 KiB");
  return value;
}

}  // namespace ubuild::builder
