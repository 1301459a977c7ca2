// Config-only instructions: each edits the image config and commits an
// image with an `empty_layer: true` history entry (design.md §6), which is
// stored only when the stage ends on it (step_image.h).
#include <algorithm>
#include <csignal>
#include <cstring>

#include "builder/dispatch/dispatch.h"
#include "builder/dispatch/history_text.h"
#include "builder/dispatch/step_commit.h"
#include "builder/dispatch/step_image.h"
#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::builder {

namespace {

using parser::LocatedInstruction;

// `config` is the one being edited: the stage's own has been moved into it.
std::vector<std::string> WithShell(const store::ImageConfig& config, const parser::CommandLine& cmd) {
  if (!cmd.prepend_shell) return cmd.args;
  std::vector<std::string> argv = ShellOf(config);
  std::string line;
  for (size_t i = 0; i < cmd.args.size(); ++i) line += (i ? " " : "") + cmd.args[i];
  argv.push_back(line);
  return argv;
}

store::Json StringArray(const std::vector<std::string>& v) {
  store::Json a = store::Json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

// "80", "80/tcp", "53/udp", "8000-8002/tcp" -> the port keys Docker stores.
std::vector<std::string> PortKeys(const BuildContext& ctx, const LocatedInstruction& in, const std::string& spec) {
  std::string ports = spec, proto = "tcp";
  if (auto slash = spec.find('/'); slash != std::string::npos) {
    ports = spec.substr(0, slash);
    proto = spec.substr(slash + 1);
  }
  proto = AsciiLower(proto);
  if (proto != "tcp" && proto != "udp" && proto != "sctp") {
    throw StepError(ctx, in, "invalid proto: " + proto);
  }
  auto parse = [&](const std::string& s) {
    if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), ::isdigit)) {
      throw StepError(ctx, in, "invalid containerPort: " + spec);
    }
    int v = std::stoi(s);
    if (v > 65535) throw StepError(ctx, in, "invalid containerPort: " + spec);
    return v;
  };
  int lo, hi;
  if (auto dash = ports.find('-'); dash != std::string::npos) {
    lo = parse(ports.substr(0, dash));
    hi = parse(ports.substr(dash + 1));
    if (hi < lo) throw StepError(ctx, in, "invalid range specified for container port: " + spec);
  } else {
    lo = hi = parse(ports);
  }
  std::vector<std::string> keys;
  for (int p = lo; p <= hi; ++p) keys.push_back(std::to_string(p) + "/" + proto);
  return keys;
}

void ValidateSignal(const BuildContext& ctx, const LocatedInstruction& in, const std::string& sig) {
  if (!sig.empty() && std::all_of(sig.begin(), sig.end(), ::isdigit)) {
    int n = std::stoi(sig);
    if (n >= 1 && n <= 64) return;
  } else {
    std::string name = AsciiUpper(sig);
    if (name.rfind("SIG", 0) == 0) name = name.substr(3);
    for (int n = 1; n < NSIG; ++n) {
      const char* abbrev = sigabbrev_np(n);
      if (abbrev != nullptr && name == abbrev) return;
    }
    if (name.rfind("RTMIN", 0) == 0 || name.rfind("RTMAX", 0) == 0) return;
  }
  throw StepError(ctx, in, "Invalid signal: " + sig);
}

// What a config instruction works on: the config it edits (the stage's,
// taken from it: st.image.config is not to be read during the edit) and the
// walk state it may advance (ARG, CMD).
struct Edit {
  BuildContext& ctx;
  StageState& st;
  const LocatedInstruction& in;
  store::ImageConfig& cfg;
  store::Json& c() const { return cfg.config(); }
};

// One Apply per config instruction: edits the config and returns the text
// Docker records.
std::string Apply(const Edit& e, const parser::EnvInstr& i) {
  std::string text = "ENV";
  for (const auto& kv : i.vars) {
    e.cfg.SetEnv(kv.key, kv.value);
    text += " " + kv.key + "=" + kv.value;
  }
  return text;
}

std::string Apply(const Edit& e, const parser::LabelInstr& i) {
  store::Json& c = e.c();
  std::string text = "LABEL";
  store::Json& labels = c["Labels"];
  if (!labels.is_object()) labels = store::Json::object();
  for (const auto& kv : i.labels) {
    store::SetGoMapMember(labels, kv.key, kv.value);
    text += " " + kv.key + "=" + kv.value;
  }
  return text;
}

std::string Apply(const Edit& e, const parser::MaintainerInstr& i) {
  e.cfg.author = i.name;
  return "MAINTAINER " + i.name;
}

std::string Apply(const Edit& e, const parser::CmdInstr& i) {
  std::vector<std::string> cmd = WithShell(e.cfg, i.cmd);
  e.c()["Cmd"] = StringArray(cmd);
  e.st.cmd_set = true;
  return "CMD " + GoQuotedList(cmd);
}

std::string Apply(const Edit& e, const parser::EntrypointInstr& i) {
  std::vector<std::string> ep = WithShell(e.cfg, i.cmd);
  e.c()["Entrypoint"] = StringArray(ep);
  // An inherited CMD was written for the old entrypoint.
  if (!e.st.cmd_set) e.c()["Cmd"] = nullptr;
  return "ENTRYPOINT " + GoQuotedList(ep);
}

std::string Apply(const Edit& e, const parser::ExposeInstr& i) {
  store::Json& c = e.c();
  if (!c["ExposedPorts"].is_object()) c["ExposedPorts"] = store::Json::object();
  std::vector<std::string> words = i.ports;
  for (const auto& p : words) {
    for (const auto& key : PortKeys(e.ctx, e.in, p)) c["ExposedPorts"][key] = store::Json::object();
  }
  // Docker 20.10 records the words as written, sorted (design.md §6).
  std::sort(words.begin(), words.end());
  std::string text = "EXPOSE";
  for (const auto& w : words) text += " " + w;
  return text;
}

std::string Apply(const Edit& e, const parser::VolumeInstr& i) {
  store::Json& c = e.c();
  if (!c["Volumes"].is_object()) c["Volumes"] = store::Json::object();
  for (const auto& v : i.paths) {
    if (v.empty()) throw StepError(e.ctx, e.in, "VOLUME specified can not be an empty string");
    c["Volumes"][v] = store::Json::object();
  }
  return "VOLUME " + GoList(i.paths);
}

std::string Apply(const Edit& e, const parser::UserInstr& i) {
  e.c()["User"] = i.user;
  return "USER " + i.user;
}

std::string Apply(const Edit& e, const parser::StopsignalInstr& i) {
  ValidateSignal(e.ctx, e.in, i.signal);
  e.c()["StopSignal"] = i.signal;
  return "STOPSIGNAL " + i.signal;
}

std::string Apply(const Edit& e, const parser::HealthcheckInstr& i) {
  store::Json& c = e.c();
  std::vector<std::string> test = i.none ? std::vector<std::string>{"NONE"} : i.test;
  // Docker's commit merges the new healthcheck with the image's:
  // options left at zero keep the previous HEALTHCHECK's values.
  const store::Json previous = c["Healthcheck"].is_object() ? c["Healthcheck"] : store::Json::object();
  store::Json hc = store::Json::object();
  hc["Test"] = StringArray(test);
  auto set = [&](const char* field, int64_t v) {
    if (v != 0) {
      hc[field] = v;
    } else if (previous.contains(field)) {
      hc[field] = previous[field];
    }
  };
  set("Interval", i.interval_ns);
  set("Timeout", i.timeout_ns);
  set("StartPeriod", i.start_period_ns);
  set("StartInterval", i.start_interval_ns);
  set("Retries", i.retries);
  c["Healthcheck"] = hc;
  return HealthcheckText(test, i.interval_ns, i.timeout_ns, i.start_period_ns, i.retries);
}

std::string Apply(const Edit& e, const parser::ShellInstr& i) {
  e.c()["Shell"] = StringArray(i.shell);
  return "SHELL " + GoList(i.shell);
}

std::string Apply(const Edit& e, const parser::OnbuildInstr& i) {
  store::Json& c = e.c();
  if (!c["OnBuild"].is_array()) c["OnBuild"] = store::Json::array();
  c["OnBuild"].push_back(i.expression);
  return "ONBUILD " + i.expression;
}

std::string Apply(const Edit& e, const parser::ArgInstr& i) {
  std::string text = "ARG";
  for (const auto& a : i.args) {
    e.st.args.Declare(a.name, a.default_value);
    text += " " + a.name;
    if (a.default_value) text += "=" + *a.default_value;
  }
  return text;
}

// FROM, RUN, COPY and WORKDIR have dispatchers of their own.
template <typename Instr>
std::string Apply(const Edit& e, const Instr&) {
  throw StepError(e.ctx, e.in, e.in.keyword + " is not a config instruction");
}

}  // namespace

void DispatchConfig(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& in) {
  // The parent's config is edited in place rather than copied: from here on
  // the step needs only the parent's id (the cache key, ChildConfig), and a
  // cache hit replaces the whole image. Without an id (scratch) the key
  // still reads the config, which is then small, so that case copies it.
  store::ImageConfig next = st.image.id ? std::move(st.image.config) : st.image.config;
  const Edit edit{ctx, st, in, next};
  std::string text = std::visit([&](const auto& instr) { return Apply(edit, instr); }, in.instr);
  // Docker builds the comment from the edited config, so SHELL's own entry
  // already shows the new shell.
  std::string created_by = NopCreatedBy(ShellOf(next), text);
  store::Digest key = StepCacheKey(st.image, created_by);
  CommitConfigStep(ctx, st.image, std::move(next), key, created_by);
}

}  // namespace ubuild::builder
