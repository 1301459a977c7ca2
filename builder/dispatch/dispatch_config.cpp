// Config-only instructions: each edits the image config and commits an
// image with an `empty_layer: true` history entry (design.md §6).
#include <algorithm>
#include <csignal>
#include <cstring>

#include "builder/dispatch/dispatch.h"
#include "builder/dispatch/history_text.h"
#include "builder/dispatch/step_commit.h"
#include "store/base/error.h"

namespace ubuild::builder {

namespace {

using parser::LocatedInstruction;

std::vector<std::string> WithShell(const StageState& st, const parser::CommandLine& cmd) {
  if (!cmd.prepend_shell) return cmd.args;
  std::vector<std::string> argv = st.Shell();
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
  std::transform(proto.begin(), proto.end(), proto.begin(), ::tolower);
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
    std::string name = sig;
    std::transform(name.begin(), name.end(), name.begin(), ::toupper);
    if (name.rfind("SIG", 0) == 0) name = name.substr(3);
    for (int n = 1; n < NSIG; ++n) {
      const char* abbrev = sigabbrev_np(n);
      if (abbrev != nullptr && name == abbrev) return;
    }
    if (name.rfind("RTMIN", 0) == 0 || name.rfind("RTMAX", 0) == 0) return;
  }
  throw StepError(ctx, in, "Invalid signal: " + sig);
}

// Applies the instruction to `st.config` and returns the text Docker records.
std::string Apply(BuildContext& ctx, StageState& st, const LocatedInstruction& in) {
  store::ImageConfig& cfg = st.config;
  store::Json& c = cfg.config();
  return std::visit(
      [&](const auto& i) -> std::string {
        using T = std::decay_t<decltype(i)>;
        if constexpr (std::is_same_v<T, parser::EnvInstr>) {
          std::string text = "ENV";
          for (const auto& kv : i.vars) {
            cfg.SetEnv(kv.key, kv.value);
            text += " " + kv.key + "=" + kv.value;
          }
          return text;
        } else if constexpr (std::is_same_v<T, parser::LabelInstr>) {
          std::string text = "LABEL";
          if (!c["Labels"].is_object()) c["Labels"] = store::Json::object();
          for (const auto& kv : i.labels) {
            c["Labels"][kv.key] = kv.value;
            text += " " + kv.key + "=" + kv.value;
          }
          return text;
        } else if constexpr (std::is_same_v<T, parser::MaintainerInstr>) {
          cfg.author = i.name;
          return "MAINTAINER " + i.name;
        } else if constexpr (std::is_same_v<T, parser::CmdInstr>) {
          std::vector<std::string> cmd = WithShell(st, i.cmd);
          c["Cmd"] = StringArray(cmd);
          st.cmd_set = true;
          return "CMD " + GoQuotedList(cmd);
        } else if constexpr (std::is_same_v<T, parser::EntrypointInstr>) {
          std::vector<std::string> ep = WithShell(st, i.cmd);
          c["Entrypoint"] = StringArray(ep);
          // An inherited CMD was written for the old entrypoint.
          if (!st.cmd_set) c["Cmd"] = nullptr;
          return "ENTRYPOINT " + GoQuotedList(ep);
        } else if constexpr (std::is_same_v<T, parser::ExposeInstr>) {
          if (!c["ExposedPorts"].is_object()) c["ExposedPorts"] = store::Json::object();
          std::vector<std::string> words = i.ports;
          for (const auto& p : words) {
            for (const auto& key : PortKeys(ctx, in, p)) c["ExposedPorts"][key] = store::Json::object();
          }
          // Docker 20.10 records the words as written, sorted (design.md §6).
          std::sort(words.begin(), words.end());
          std::string text = "EXPOSE";
          for (const auto& w : words) text += " " + w;
          return text;
        } else if constexpr (std::is_same_v<T, parser::VolumeInstr>) {
          if (!c["Volumes"].is_object()) c["Volumes"] = store::Json::object();
          for (const auto& v : i.paths) {
            if (v.empty()) throw StepError(ctx, in, "VOLUME specified can not be an empty string");
            c["Volumes"][v] = store::Json::object();
          }
          return "VOLUME " + GoList(i.paths);
        } else if constexpr (std::is_same_v<T, parser::UserInstr>) {
          c["User"] = i.user;
          return "USER " + i.user;
        } else if constexpr (std::is_same_v<T, parser::StopsignalInstr>) {
          ValidateSignal(ctx, in, i.signal);
          c["StopSignal"] = i.signal;
          return "STOPSIGNAL " + i.signal;
        } else if constexpr (std::is_same_v<T, parser::HealthcheckInstr>) {
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
        } else if constexpr (std::is_same_v<T, parser::ShellInstr>) {
          c["Shell"] = StringArray(i.shell);
          return "SHELL " + GoList(i.shell);
        } else if constexpr (std::is_same_v<T, parser::OnbuildInstr>) {
          if (!c["OnBuild"].is_array()) c["OnBuild"] = store::Json::array();
          c["OnBuild"].push_back(i.expression);
          return "ONBUILD " + i.expression;
        } else if constexpr (std::is_same_v<T, parser::ArgInstr>) {
          std::string text = "ARG";
          for (const auto& a : i.args) {
            st.args.Declare(a.name, a.default_value);
            text += " " + a.name;
            if (a.default_value) text += "=" + *a.default_value;
          }
          return text;
        } else {
          throw StepError(ctx, in, in.keyword + " is not a config instruction");
        }
      },
      in.instr);
}

}  // namespace

void DispatchConfig(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& in) {
  StageState before = st;
  std::string text = Apply(ctx, st, in);
  // Docker builds the comment from the edited config, so SHELL's own entry
  // already shows the new shell.
  std::string created_by = NopCreatedBy(st.Shell(), text);
  store::Digest key = StepCacheKey(before, created_by);
  BuildArgs args = st.args;
  bool cmd_set = st.cmd_set;
  store::ImageConfig edited = st.config;
  st = before;
  if (ProbeCache(ctx, st, key)) {
    st.args = args;
    st.cmd_set = cmd_set;
    return;
  }
  st.config = std::move(edited);
  st.args = args;
  st.cmd_set = cmd_set;
  CommitStep(ctx, st, key, created_by, std::nullopt);
}

}  // namespace ubuild::builder
