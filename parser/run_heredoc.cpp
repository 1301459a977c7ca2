#include "parser/run_heredoc.h"

#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::parser {

std::string RunHeredocCommand(const RunInstr& run) {
  const std::string line = Join(run.cmd.args, " ");
  if (IsLoneHeredoc(line)) {
    const Heredoc& doc = run.heredocs.front();
    if (doc.content.rfind("#!", 0) == 0) {
      throw Error("RUN <<" + doc.name +
                  " with a #! line: BuildKit runs such a script as a file of its own, which ubuild "
                  "does not support yet; write `RUN <<" + doc.name + " INTERPRETER` instead");
    }
    // BuildKit runs the body itself (tabs stripped for <<-), unexpanded.
    return doc.content;
  }
  std::string command = line;
  for (const Heredoc& doc : run.heredocs) {
    command += "\n";
    command += doc.chomp ? doc.unchomped : doc.content;
    command += doc.name;
  }
  return command;
}

}  // namespace ubuild::parser
