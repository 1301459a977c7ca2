#pragma once
// /etc/hosts, /etc/resolv.conf and /etc/hostname for a RUN container, written
// to a private temporary directory outside the rootfs and bind-mounted over
// the image's files, so nothing the container sees there reaches the layer.
#include <filesystem>
#include <string>

namespace ubuild::builder {

class ContainerEtcFiles {
 public:
  explicit ContainerEtcFiles(const std::string& hostname);
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
