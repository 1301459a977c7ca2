#include "store/registry/docker_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/base64.h"
#include "store/registry/image_reference.h"

namespace ubuild::store::registry {

namespace {

constexpr const char* kDockerHubKey = "https://index.docker.io/v1/";

nlohmann::json ReadConfig() {
  auto path = DockerConfigPath();
  auto text = ReadFileIfExists(path);
  if (!text) return nlohmann::json::object();
  try {
    nlohmann::json j = nlohmann::json::parse(*text);
    if (!j.is_object()) throw Error("not a JSON object", path.string());
    return j;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed docker config: ") + e.what(), path.string());
  }
}

// Docker's ConvertToHostname: "https://host:5000/v1/" -> "host:5000".
std::string HostOfKey(std::string key) {
  if (key.rfind("http://", 0) == 0) key = key.substr(7);
  if (key.rfind("https://", 0) == 0) key = key.substr(8);
  return key.substr(0, key.find('/'));
}

bool KeyMatches(const std::string& key, const std::string& domain) {
  std::string host = HostOfKey(key);
  if (domain == kDockerHubDomain) return host == "index.docker.io" || host == "docker.io" || host == "registry-1.docker.io";
  return host == domain;
}

std::optional<std::string> HelperFor(const nlohmann::json& config, const std::string& domain) {
  if (auto h = config.find("credHelpers"); h != config.end() && h->is_object()) {
    for (const auto& [key, helper] : h->items()) {
      if (KeyMatches(key, domain) && helper.is_string()) return helper.get<std::string>();
    }
  }
  if (auto s = config.find("credsStore"); s != config.end() && s->is_string() && !s->get<std::string>().empty()) {
    return s->get<std::string>();
  }
  return std::nullopt;
}

void WriteConfig(const nlohmann::json& config) {
  auto path = DockerConfigPath();
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) throw Error("cannot create directory: " + ec.message(), path.parent_path().string());
  // Written to a private temp file first, so the secret is never readable
  // by others, not even for a moment; then renamed over the old file.
  auto tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  std::string text = config.dump(1, '\t') + "\n";
  {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw SysError("open", tmp.string(), errno);
    ssize_t n = ::write(fd, text.data(), text.size());
    int err = errno;
    bool ok = n == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
      ::unlink(tmp.c_str());
      throw SysError("write", tmp.string(), err);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw SysError("rename", path.string(), err);
  }
}

}  // namespace

std::filesystem::path DockerConfigPath() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir != nullptr && *dir != '\0') {
    return std::filesystem::path(dir) / "config.json";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr && *home != '\0' ? home : "/root") / ".docker" / "config.json";
}

std::string CredentialKey(const std::string& domain) {
  return domain == kDockerHubDomain ? kDockerHubKey : domain;
}

std::optional<Credentials> LookupCredentials(const std::string& domain) {
  nlohmann::json config = ReadConfig();
  if (auto helper = HelperFor(config, domain)) return HelperGet(*helper, CredentialKey(domain));
  auto auths = config.find("auths");
  if (auths == config.end() || !auths->is_object()) return std::nullopt;
  for (const auto& [key, entry] : auths->items()) {
    if (!KeyMatches(key, domain) || !entry.is_object()) continue;
    std::string auth = entry.value("auth", "");
    if (auth.empty()) {
      Credentials c{entry.value("username", ""), entry.value("password", "")};
      if (c.username.empty()) continue;
      return c;
    }
    std::string decoded = Base64Decode(auth);
    size_t colon = decoded.find(':');
    if (colon == std::string::npos) {
      throw Error("the auth of " + key + " is not base64 of user:password", DockerConfigPath().string());
    }
    return Credentials{decoded.substr(0, colon), decoded.substr(colon + 1)};
  }
  return std::nullopt;
}

void SaveCredentials(const std::string& domain, const Credentials& credentials) {
  nlohmann::json config = ReadConfig();
  if (auto helper = HelperFor(config, domain)) {
    HelperStore(*helper, CredentialKey(domain), credentials);
    // Docker leaves an empty entry in auths so the registry is listed as logged in.
    config["auths"][CredentialKey(domain)] = nlohmann::json::object();
  } else {
    config["auths"][CredentialKey(domain)] = {{"auth", Base64Encode(credentials.username + ":" + credentials.password)}};
  }
  WriteConfig(config);
}

bool EraseCredentials(const std::string& domain) {
  nlohmann::json config = ReadConfig();
  bool found = false;
  if (auto helper = HelperFor(config, domain)) {
    HelperErase(*helper, CredentialKey(domain));
    found = true;
  }
  if (auto auths = config.find("auths"); auths != config.end() && auths->is_object()) {
    for (auto it = auths->begin(); it != auths->end();) {
      if (KeyMatches(it.key(), domain)) {
        it = auths->erase(it);
        found = true;
      } else {
        ++it;
      }
    }
  }
  if (found) WriteConfig(config);
  return found;
}

}  // namespace ubuild::store::registry
