// ubuild version: ubuild's own version and that of every library it links,
// as the library reports it at run time where it can (a shared library may
// be newer than the headers ubuild was built with), else as built.
#include <archive.h>
#include <libmount/libmount.h>
#include <openssl/crypto.h>
#include <seccomp.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <tao/pegtl/version.hpp>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/table_writer.h"

namespace ubuild::cli {

namespace {

// "libarchive 3.6.2" -> "3.6.2": the name is in our own column.
std::string AfterName(const std::string& s) {
  const size_t sp = s.find(' ');
  return sp == std::string::npos ? s : s.substr(sp + 1);
}

std::vector<std::pair<std::string, std::string>> LibraryVersions() {
  const char* mount_version = "";
  mnt_get_library_version(&mount_version);
  const scmp_version* seccomp = seccomp_version();
  return {
      {"libarchive", AfterName(archive_version_string())},
      {"OpenSSL", AfterName(OpenSSL_version(OPENSSL_VERSION))},
      {"libmount", mount_version},
      {"libseccomp", std::to_string(seccomp->major) + "." + std::to_string(seccomp->minor) + "." +
                         std::to_string(seccomp->micro)},
      {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_MINOR) +
                            "." + std::to_string(NLOHMANN_JSON_VERSION_PATCH) + " (header-only, as built)"},
      {"PEGTL", std::string(TAO_PEGTL_VERSION) + " (header-only, as built)"},
  };
}

}  // namespace

int CmdVersion(const GlobalOptions& /*g*/, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("version"), args);
  if (!p.positional.empty()) throw UsageError("version takes no arguments");
  std::cout << "ubuild " << UBUILD_VERSION << "\n";
  TableWriter table;
  for (const auto& [name, version] : LibraryVersions()) table.Row({" " + name + ":", version});
  table.Print(std::cout);
  return 0;
}

}  // namespace ubuild::cli
