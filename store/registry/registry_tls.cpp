#include "store/registry/registry_tls.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "store/atomic_file.h"
#include "store/base/error.h"

namespace ubuild::store::registry {

std::filesystem::path CertsDirectory() {
  const char* dir = std::getenv("UBUILD_CERTS_D");
  return dir != nullptr && *dir != '\0' ? std::filesystem::path(dir) : std::filesystem::path("/etc/docker/certs.d");
}

RegistryTls TlsFor(const std::string& authority, const std::string& system_ca_file) {
  RegistryTls tls;
  const std::filesystem::path dir = CertsDirectory() / authority;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return tls;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::string extra;
  for (const auto& f : files) {
    if (f.extension() == ".crt") {
      extra += ReadFile(f) + "\n";
    } else if (f.extension() == ".cert") {
      auto key = f;
      key.replace_extension(".key");
      if (!PathExists(key)) throw Error("client certificate without its key " + key.filename().string(), f.string());
      tls.client_cert = f;
      tls.client_key = key;
    }
  }
  if (!extra.empty()) {
    auto system = system_ca_file.empty() ? std::nullopt : ReadFileIfExists(system_ca_file);
    tls.ca_bundle = system.value_or("") + "\n" + extra;
  }
  return tls;
}

}  // namespace ubuild::store::registry
