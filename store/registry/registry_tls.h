#pragma once
// Per-registry TLS files as Docker reads them from
// /etc/docker/certs.d/HOST[:PORT]/ (or $UBUILD_CERTS_D/HOST[:PORT]/):
// every *.crt is a CA trusted in addition to the system's, and a *.cert
// with the *.key of the same name is the client certificate to present.
#include <filesystem>
#include <string>

namespace ubuild::store::registry {

struct RegistryTls {
  std::string ca_bundle;               // the system CAs plus the registry's; empty: the system CAs alone
  std::filesystem::path client_cert;   // empty: none
  std::filesystem::path client_key;
};

std::filesystem::path CertsDirectory();

// `authority` is host[:port] as the registry is named (no default port);
// `system_ca_file` the bundle libcurl trusts by default.
RegistryTls TlsFor(const std::string& authority, const std::string& system_ca_file);

}  // namespace ubuild::store::registry
