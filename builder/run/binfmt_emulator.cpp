#include "builder/run/binfmt_emulator.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <vector>

namespace ubuild::builder {

namespace {

// The ELF header bytes that tell architectures apart (elf(5)).
struct ElfMachine {
  std::string_view architecture;
  uint8_t elf_class;  // EI_CLASS: 1 32-bit, 2 64-bit
  uint8_t data;       // EI_DATA: 1 little-endian, 2 big-endian
  uint16_t machine;   // e_machine
};

constexpr std::array<ElfMachine, 14> kMachines{{
    {"386", 1, 1, 3},       {"amd64", 2, 1, 62},     {"arm", 1, 1, 40},      {"arm64", 2, 1, 183},
    {"ppc64le", 2, 1, 21},  {"ppc64", 2, 2, 21},     {"s390x", 2, 2, 22},    {"riscv64", 2, 1, 243},
    {"mips", 1, 2, 8},      {"mipsle", 1, 1, 8},     {"mips64", 2, 2, 8},    {"mips64le", 2, 1, 8},
    {"loong64", 2, 1, 258}, {"sparc64", 2, 2, 43},
}};

// The first 20 bytes of such a binary's header: magic, class, data, version, type EXEC, machine.
std::vector<uint8_t> HeaderOf(const ElfMachine& m) {
  std::vector<uint8_t> h(20, 0);
  h[0] = 0x7f, h[1] = 'E', h[2] = 'L', h[3] = 'F', h[4] = m.elf_class, h[5] = m.data, h[6] = 1;
  const bool little = m.data == 1;
  h[little ? 16 : 17] = 2;  // ET_EXEC
  h[little ? 18 : 19] = static_cast<uint8_t>(m.machine & 0xff);
  h[little ? 19 : 18] = static_cast<uint8_t>(m.machine >> 8);
  return h;
}

std::optional<std::vector<uint8_t>> Hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < text.size(); i += 2) {
    unsigned v = 0;
    std::istringstream in{std::string(text.substr(i, 2))};
    if (!(in >> std::hex >> v)) return std::nullopt;
    out.push_back(static_cast<uint8_t>(v));
  }
  return out;
}

// An entry file as the kernel shows it: "enabled", "interpreter …",
// "offset N", "magic HEX", "mask HEX" lines. Does it take `header`?
bool EntryTakes(const std::filesystem::path& entry, const std::vector<uint8_t>& header) {
  std::ifstream in(entry);
  std::string line, magic_hex, mask_hex;
  bool enabled = false;
  long offset = 0;
  while (std::getline(in, line)) {
    if (line == "enabled") enabled = true;
    if (line.rfind("offset ", 0) == 0) offset = std::strtol(line.c_str() + 7, nullptr, 10);
    if (line.rfind("magic ", 0) == 0) magic_hex = line.substr(6);
    if (line.rfind("mask ", 0) == 0) mask_hex = line.substr(5);
  }
  const std::optional<std::vector<uint8_t>> magic = Hex(magic_hex);
  std::optional<std::vector<uint8_t>> mask = Hex(mask_hex);
  if (!enabled || !magic || magic->empty() || offset < 0) return false;
  if (mask_hex.empty()) mask = std::vector<uint8_t>(magic->size(), 0xff);
  if (!mask || mask->size() != magic->size()) return false;
  const size_t start = static_cast<size_t>(offset);
  if (start + magic->size() > header.size()) return false;
  for (size_t i = 0; i < magic->size(); ++i) {
    if ((header[start + i] & (*mask)[i]) != (*magic)[i]) return false;
  }
  return true;
}

std::string FirstLine(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

std::string MissingEmulator(const std::string& architecture, const std::filesystem::path& binfmt_misc) {
  const ElfMachine* machine = nullptr;
  for (const ElfMachine& m : kMachines) {
    if (m.architecture == architecture) machine = &m;
  }
  if (machine == nullptr) return "ubuild knows no ELF machine for the architecture " + architecture;
  std::error_code ec;
  if (!std::filesystem::exists(binfmt_misc / "status", ec)) {
    return "binfmt_misc is not mounted at " + binfmt_misc.string() + ", so no emulator is registered";
  }
  if (FirstLine(binfmt_misc / "status") != "enabled") return "binfmt_misc is disabled (" + (binfmt_misc / "status").string() + ")";
  const std::vector<uint8_t> header = HeaderOf(*machine);
  for (const auto& entry : std::filesystem::directory_iterator(binfmt_misc, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == "status" || name == "register") continue;
    if (EntryTakes(entry.path(), header)) return "";
  }
  return "no binfmt_misc handler is registered for it";
}

bool RunsNatively(const std::string& architecture, const std::string& host_architecture) {
  return architecture == host_architecture || (host_architecture == "amd64" && architecture == "386");
}

}  // namespace ubuild::builder
