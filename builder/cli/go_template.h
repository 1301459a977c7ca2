#pragma once
// A parsed Go text/template, executed over JSON values: the engine behind
// `--format` (README: Output formats). The syntax is go_template_syntax.h's,
// the functions go_template_functions.h's, the printing of values
// go_template_value.h's.
//
//   GoTemplate t("{{range .RepoTags}}{{.}} {{end}}");
//   std::string out = t.Execute(inspect_json, inspect_hints);
//
// Errors read as Go's ("template: :1: function \"x\" not defined",
// "template: :1:2: executing \"\" at <.Foo>: can't evaluate field Foo …");
// the commands prefix docker's "template parsing error: ".
#include <string>
#include <string_view>
#include <vector>

#include "builder/cli/go_template_syntax.h"
#include "builder/cli/go_template_value.h"

namespace ubuild::cli {

class GoTemplate {
 public:
  // Throws ubuild::Error on a syntax error or a function no template has.
  explicit GoTemplate(std::string_view text);

  struct Options {
    // A table's header row: docker's functions return their operand
    // unchanged, and an error ends the output instead of throwing.
    bool header = false;
  };
  // `hints`: go_template_value.h's type hints for `data`. A field missing
  // from a struct (anything not hinted "map") is an error, as it is in
  // docker, whose data are Go structs.
  std::string Execute(const go_template::Json& data, const go_template::Json& hints, Options options) const;
  std::string Execute(const go_template::Json& data, const go_template::Json& hints) const {
    return Execute(data, hints, Options{});
  }

 private:
  std::vector<go_template::Node> nodes_;
};

}  // namespace ubuild::cli
