#pragma once
// docker's --format for its listing commands (images, history), its
// formatter.Context: "table" alone is the command's own table, "table …" a
// template whose header row is the same template run over the column titles
// (docker's functions pass the titles through) and whose rows are aligned by
// Go's tabwriter; anything else is a template printed once per row, each
// followed by a newline. `\t` and `\n` written as two characters become a
// tab and a newline, and blanks around the format are trimmed, as docker does.
#include <string>
#include <string_view>
#include <vector>

#include "builder/cli/go_template.h"

namespace ubuild::cli {

class ListingFormat {
 public:
  // `default_table`: the command's table ("table {{.ID}}\t…"), for "table".
  // Throws ubuild::Error "template parsing error: …".
  ListingFormat(std::string_view format, std::string_view default_table);

  // `rows`: one object per row, its fields as docker names them (hint
  // "context"); `titles`: field -> column title.
  std::string Render(const std::vector<go_template::Json>& rows, const go_template::Json& titles) const;

 private:
  bool table_ = false;
  std::string text_;
  GoTemplate template_;
};

// A template error as docker reports it: "template parsing error: " + Go's.
[[noreturn]] void ThrowTemplateError(const std::exception& e);

}  // namespace ubuild::cli
