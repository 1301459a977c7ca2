#include <algorithm>

#include "builder/cli/commands.h"

namespace ubuild::cli {

const std::vector<Command>& CommandTable() {
  static const std::vector<Command> table = {
      {"build", "CONTEXT", "Build an image from a Dockerfile (the default command: `ubuild [OPTIONS] CONTEXT`)",
       BuildFlags(),
       CmdBuild},
      {"parse", "[FILE|-]", "Print a Dockerfile's parse tree (default ./Dockerfile)", {}, CmdParse},
      {"import", "FILE|- [NAME[:TAG]]", "Make a one-layer image from a rootfs tarball",
       {{"message", 'm', true, "TEXT", "Set the image's comment"}},
       CmdImport},
      {"images", "[REPOSITORY[:TAG]]", "List images",
       {
           {"all", 'a', false, "", "Show all images (default hides intermediate images)"},
           {"quiet", 'q', false, "", "Only show image ids"},
           {"digests", 0, false, "", "Show digests"},
           {"no-trunc", 0, false, "", "Don't truncate output"},
           {"filter", 'f', true, "KEY=VALUE",
            "Only images that match: dangling=true|false, label=K[=V], reference=PATTERN, before=IMAGE, "
            "since=IMAGE (repeatable)"},
           {"format", 0, true, "FORMAT", "Print with a Go template, or \"table TEMPLATE\" (README: Output formats)"},
       },
       CmdImages},
      {"inspect", "REF...", "Show images as JSON",
       {{"format", 'f', true, "FORMAT", "Print with a Go template (README: Output formats)"}},
       CmdInspect},
      {"history", "REF", "Show the history of an image",
       {
           {"human", 'H', false, "", "Print sizes and dates in human readable format (default true)"},
           {"no-trunc", 0, false, "", "Don't truncate output"},
           {"quiet", 'q', false, "", "Only show image ids"},
           {"format", 0, true, "FORMAT", "Print with a Go template, or \"table TEMPLATE\" (README: Output formats)"},
       },
       CmdHistory},
      {"tag", "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", "Add a tag that refers to SOURCE_IMAGE", {}, CmdTag},
      {"rmi", "REF...", "Remove images",
       {
           {"force", 'f', false, "", "Force removal of an image with several tags"},
           {"no-prune", 0, false, "", "Do not delete untagged parents and unused layers"},
       },
       CmdRmi},
      {"prune", "", "Remove dangling images and unused layers",
       {{"force", 'f', false, "", "Do not prompt for confirmation (ubuild never asks)"}},
       CmdPrune},
      {"image prune", "", "Remove dangling images and unused layers; with -a, every image",
       {
           {"all", 'a', false, "", "Remove all images, tagged ones too (ubuild has no containers to keep them)"},
           {"force", 'f', false, "", "Do not prompt for confirmation (ubuild never asks)"},
       },
       CmdImagePrune},
      {"builder prune", "", "Remove the build cache: every step's cache record; images stay",
       {
           {"all", 'a', false, "", "Accepted for docker's muscle memory: ubuild removes every record either way"},
           {"force", 'f', false, "", "Do not prompt for confirmation (ubuild never asks)"},
       },
       CmdBuilderPrune},
      {"layers", "REF", "Show how each layer's ids are formed",
       {{"files", 0, false, "", "List each layer's changed files"}},
       CmdLayers},
      {"save", "REF...", "Write images as a docker-load tarball",
       {
           {"output", 'o', true, "FILE", "Write to FILE, not standard output"},
           {"compression", 0, true, "gzip|zstd|uncompressed",
            "Compress the layers this way (default: uncompressed, as docker save; zstd loads in Docker >= 23)"},
           {"compression-level", 0, true, "N", "Compression level (gzip 0-9, default 6; zstd 1-22, default 3)"},
       },
       CmdSave},
      {"load", "", "Read images from a docker-save or OCI tarball, or an OCI layout directory",
       {
           {"input", 'i', true, "FILE|DIR", "Read from FILE or the OCI layout DIR, not standard input"},
           {"quiet", 'q', false, "", "Accepted for docker's sake (load prints no progress)"},
       },
       CmdLoad},
      {"pull", "NAME[:TAG|@DIGEST]", "Download an image from a registry",
       {
           {"platform", 0, true, "OS/ARCH[/VARIANT]", "The platform to pull from a multi-platform image"},
           {"quiet", 'q', false, "", "Print only the image's reference"},
       },
       CmdPull},
      {"push", "NAME[:TAG]", "Upload an image to a registry",
       {
           {"quiet", 'q', false, "", "Print only the image's reference"},
           {"compression", 0, true, "gzip|zstd|uncompressed",
            "Compress the layers this way, even those the registry has in another (default: gzip, reusing what the registry has)"},
           {"compression-level", 0, true, "N", "Compression level (gzip 0-9, default 6; zstd 1-22, default 3)"},
       },
       CmdPush},
      {"login", "[SERVER]", "Log in to a registry (default Docker Hub), storing the credentials as docker does",
       {
           {"username", 'u', true, "USER", "Username"},
           {"password", 'p', true, "PASS", "Password (insecure: prefer --password-stdin)"},
           {"password-stdin", 0, false, "", "Take the password from standard input"},
       },
       CmdLogin},
      {"logout", "[SERVER]", "Forget a registry's credentials (default Docker Hub)", {}, CmdLogout},
      {"version", "", "Show ubuild's version and the versions of the libraries it links", {}, CmdVersion},
      {"system df", "", "Show the disk the images take and how much of it no tagged image needs",
       {{"format", 0, true, "FORMAT", "Print with a Go template, or \"table TEMPLATE\" (README: Output formats)"}},
       CmdSystemDf},
      {"completion", "bash|zsh", "Print the shell completion script for bash or zsh", {}, CmdCompletion},
      {"man", "", "Print the manual page, ubuild(1), in roff (man -l <(ubuild man))", {}, CmdMan},
      {"info", "", "Show the store (root, counts, disk use) and the host's kernel and overlay support", {}, CmdInfo},
  };
  return table;
}

const Command& CommandNamed(const std::string& name) {
  const auto& table = CommandTable();
  auto it = std::find_if(table.begin(), table.end(), [&](const Command& c) { return c.name == name; });
  if (it == table.end()) throw std::logic_error("no command " + name + " in the command table");
  return *it;
}

}  // namespace ubuild::cli
