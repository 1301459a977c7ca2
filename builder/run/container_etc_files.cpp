#include "builder/run/container_etc_files.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "store/base/error.h"

namespace ubuild::builder {
namespace fs = std::filesystem;

namespace {

void Write(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) throw Error("cannot write", p.string());
  ::chmod(p.c_str(), 0644);
}

// The host's resolv.conf with its nameservers replaced by one; search and
// options lines stay.
std::string ResolvConfVia(const std::string& host, const std::string& nameserver) {
  std::string out = "nameserver " + nameserver + "\n";
  std::istringstream in(host);
  std::string line;
  while (std::getline(in, line)) {
    const size_t start = line.find_first_not_of(" \t");
    if (start != std::string::npos && line.compare(start, 10, "nameserver") == 0) continue;
    out += line + "\n";
  }
  return out;
}

}  // namespace

ContainerEtcFiles::ContainerEtcFiles(const std::string& hostname, const fs::path& parent, const EtcNetwork& network) {
  std::string tmpl = (parent / "run-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw SysError("mkdtemp", tmpl, errno);
  dir_ = tmpl;
  ::chmod(dir_.c_str(), 0755);
  try {
    // Docker's default /etc/hosts block, plus the container's own name.
    std::string hosts =
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\n"
        "ff00::0\tip6-mcastprefix\n"
        "ff02::1\tip6-allnodes\n"
        "ff02::2\tip6-allrouters\n";
    // --add-host entries come before the container's own name, as Docker writes them.
    for (const auto& [name, address] : network.extra_hosts) hosts += address + "\t" + name + "\n";
    if (!hostname.empty()) hosts += network.address + "\t" + hostname + "\n";
    Write(this->hosts(), hosts);
    std::ifstream host_resolv("/etc/resolv.conf", std::ios::binary);
    std::stringstream resolv;
    if (host_resolv) resolv << host_resolv.rdbuf();
    Write(resolv_conf(), network.nameserver.empty() ? resolv.str() : ResolvConfVia(resolv.str(), network.nameserver));
    Write(this->hostname(), hostname + "\n");
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

ContainerEtcFiles::~ContainerEtcFiles() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace ubuild::builder
