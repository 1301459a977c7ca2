#include "parser/run_heredoc.h"

#include "store/base/strings.h"

namespace ubuild::parser {

std::optional<HeredocScript> RunHeredocScript(const RunInstr& run) {
  if (run.heredocs.empty() || !IsLoneHeredoc(Join(run.cmd.args, " "))) return std::nullopt;
  const Heredoc& doc = run.heredocs.front();
  if (doc.content.rfind("#!", 0) != 0) return std::nullopt;
  return HeredocScript{"/dev/pipes/" + doc.name, doc.content};
}

std::string RunHeredocCommand(const RunInstr& run) {
  const std::string line = Join(run.cmd.args, " ");
  // BuildKit runs a lone heredoc's body itself (tabs stripped for <<-), unexpanded.
  if (IsLoneHeredoc(line)) return run.heredocs.front().content;
  std::string command = line;
  for (const Heredoc& doc : run.heredocs) {
    command += "\n";
    command += doc.chomp ? doc.unchomped : doc.content;
    command += doc.name;
  }
  return command;
}

}  // namespace ubuild::parser
