#pragma once
// /etc/hosts, /etc/resolv.conf and /etc/hostname for a RUN container, written
// to a private temporary directory outside the rootfs and bind-mounted over
// the image's files, so nothing the container sees there reaches the layer.
//
// The directory is made in `parent`: in a build, a dir of the step's own on
// the build's tmpfs (gone with the builder's mount namespace, whatever kills
// it), else the pending layer's dir that holds the rootfs, where the next
// command's recovery removes it with the whole pending dir, not in /tmp.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace ubuild::builder {

// What the RUN's network puts in the files: the address its hostname
// resolves to and, for a user-mode stack, the stack's DNS forwarder in place
// of the host's nameservers (which may be loopback resolvers the container
// cannot reach).
struct EtcNetwork {
  std::string address = "127.0.0.1";
  std::string nameserver;  // empty: the host's resolv.conf as it is
  std::vector<std::pair<std::string, std::string>> extra_hosts;  // --add-host (name, address)
};

class ContainerEtcFiles {
 public:
  ContainerEtcFiles(const std::string& hostname, const std::filesystem::path& parent, const EtcNetwork& network);
  ~ContainerEtcFiles();
  ContainerEtcFiles(const ContainerEtcFiles&) = delete;
  ContainerEtcFiles& operator=(const ContainerEtcFiles&) = delete;

  std::filesystem::path hosts() const { return dir_ / "hosts"; }
  std::filesystem::path resolv_conf() const { return dir_ / "resolv.conf"; }
  std::filesystem::path hostname() const { return dir_ / "hostname"; }

 private:
  std::filesystem::path dir_;
};

}  // namespace ubuild::builder
