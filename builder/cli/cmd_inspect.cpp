// ubuild inspect [-f FORMAT] REF...: a JSON array shaped like `docker image inspect`,
// or FORMAT (a Go template) run over each image's object.
#include <iostream>
#include <optional>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/go_template.h"
#include "store/chain_id.h"
#include "store/base/error.h"
#include "store/go_json.h"
#include "store/image_config.h"
#include "store/image_usage.h"
#include "store/layout.h"
#include "store/store.h"

namespace ubuild::cli {

namespace {

using ojson = nlohmann::ordered_json;

ojson InspectOne(const store::Store& s, const store::Digest& id, const std::vector<std::string>& tags) {
  auto config = store::ImageConfig::Parse(s.images().GetConfig(id), store::layout::ImageContent(s.root(), id).string());
  ojson j = ojson::object();
  j["Id"] = id.str();
  j["RepoTags"] = tags;
  j["RepoDigests"] = s.refs().DigestsOf(id);
  auto parent = s.images().Parent(id);
  j["Parent"] = parent ? parent->str() : "";
  // docker's inspect: the config's comment, else the newest history entry's.
  j["Comment"] = config.comment.empty() && !config.history().empty() ? config.history().back().comment : config.comment;
  j["Created"] = config.created;
  j["Container"] = config.OtherString("container");
  j["ContainerConfig"] = store::InspectedContainerConfig(config.container_config());
  j["DockerVersion"] = config.OtherString("docker_version");
  j["Author"] = config.author;
  j["Config"] = config.Held("config", ojson::value_t::object) ? store::InspectedContainerConfig(config.config()) : ojson(nullptr);
  j["Architecture"] = config.Held("architecture", ojson::value_t::string) ? config.architecture : "";
  if (auto v = config.OtherString("variant"); !v.empty()) j["Variant"] = v;
  j["Os"] = config.Held("os", ojson::value_t::string) ? config.os : "";
  uint64_t size = store::ImageSize(s.layers(), config.diff_ids());
  j["Size"] = size;
  j["VirtualSize"] = size;

  ojson data = nullptr;
  if (!config.diff_ids().empty()) {
    std::vector<store::Digest> chain_ids = store::ChainIds(config.diff_ids());
    std::vector<store::Layer> chain = s.layers().Chain(chain_ids.back());
    const store::Layer& top = chain.back();
    data = ojson::object();
    std::string lower;
    for (auto it = chain.rbegin() + 1; it != chain.rend(); ++it) {
      if (!lower.empty()) lower += ":";
      lower += it->diff_dir.string();
    }
    if (!lower.empty()) data["LowerDir"] = lower;
    data["MergedDir"] = store::layout::CacheMerged(s.root(), top.cache_id).string();
    data["UpperDir"] = top.diff_dir.string();
    data["WorkDir"] = store::layout::CacheWork(s.root(), top.cache_id).string();
  }
  j["GraphDriver"] = {{"Data", data}, {"Name", "overlay2"}};
  ojson layers = ojson::array();
  for (const auto& d : config.diff_ids()) layers.push_back(d.str());
  j["RootFS"] = {{"Type", "layers"}, {"Layers", layers}};
  j["Metadata"] = {{"LastTagTime", s.images().GetMetadata(id, "lastUpdated").value_or("0001-01-01T00:00:00Z")}};
  return j;
}

// The Go types docker's CLI holds the inspect object in (types.ImageInspect,
// container.Config), as go_template_value.h's hints: what a null or left-out
// field prints as.
const ojson& InspectHints() {
  static const ojson hints = [] {
    const ojson config = {
        {"Hostname", "string"},   {"Domainname", "string"}, {"User", "string"},        {"AttachStdin", "bool"},
        {"AttachStdout", "bool"}, {"AttachStderr", "bool"}, {"ExposedPorts", "set"},   {"Tty", "bool"},
        {"OpenStdin", "bool"},    {"StdinOnce", "bool"},    {"Env", "slice"},          {"Cmd", "slice"},
        {"Healthcheck", {{"Test", "slice"}, {"Interval", "int"}, {"Timeout", "int"}, {"StartPeriod", "int"}, {"Retries", "int"}}},
        {"ArgsEscaped", "bool"},  {"Image", "string"},      {"Volumes", "set"},        {"WorkingDir", "string"},
        {"Entrypoint", "slice"},  {"NetworkDisabled", "bool"}, {"MacAddress", "string"}, {"OnBuild", "slice"},
        {"Labels", "map"},        {"StopSignal", "string"}, {"StopTimeout", "int"},    {"Shell", "slice"},
    };
    return ojson{{"Id", "string"},          {"RepoTags", "slice"},        {"RepoDigests", "slice"},
                 {"Parent", "string"},      {"Comment", "string"},        {"Created", "string"},
                 {"Container", "string"},   {"ContainerConfig", config}, {"DockerVersion", "string"},
                 {"Author", "string"},      {"Config", config},           {"Architecture", "string"},
                 {"Variant", "string"},     {"Os", "string"},             {"OsVersion", "string"},
                 {"Size", "int"},           {"VirtualSize", "int"},       {"GraphDriver", {{"Data", "map"}, {"Name", "string"}}},
                 {"RootFS", {{"Type", "string"}, {"Layers", "slice"}, {"BaseLayer", "string"}}},
                 {"Metadata", {{"LastTagTime", "time"}}}};
  }();
  return hints;
}

}  // namespace

int CmdInspect(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("inspect"), args);
  if (p.positional.empty()) throw UsageError("inspect needs at least one image");
  std::optional<GoTemplate> format;
  if (auto f = p.values.find("format"); f != p.values.end()) {
    try {
      format.emplace(f->second);
    } catch (const Error& e) {
      throw Error(std::string("template parsing error: ") + e.what(), "", 64);  // docker's status for it
    }
  }
  auto s = store::Store::Open(g.root, store::Store::Mode::kRead);
  std::map<store::Digest, std::vector<std::string>> tags;
  for (const auto& [ref, id] : s.refs().All()) tags[id].push_back(ref);

  ojson out = ojson::array();
  std::vector<std::string> errors;
  for (const std::string& ref : p.positional) {
    std::optional<store::Digest> id;
    try {
      id = s.Resolve(ref);
    } catch (const Error& e) {
      errors.push_back(e.message());
      continue;
    }
    if (!id) {
      errors.push_back("No such image: " + ref);
      continue;
    }
    out.push_back(InspectOne(s, *id, tags[*id]));
  }
  if (format) {
    std::string text;
    for (const ojson& image : out) {
      try {
        text += format->Execute(image, InspectHints()) + "\n";
      } catch (const Error& e) {
        errors.push_back(std::string("template parsing error: ") + e.what());
      }
    }
    // docker prints an empty line when nothing came out.
    std::cout << (text.empty() ? "\n" : text);
  } else {
    std::cout << store::GoJson(out, {.indent = 4, .escape_html = false}) << "\n";
  }
  if (errors.empty()) return 0;
  for (size_t i = 0; i + 1 < errors.size(); ++i) std::cerr << "ubuild: " << errors[i] << "\n";
  throw Error(errors.back());
}

}  // namespace ubuild::cli
