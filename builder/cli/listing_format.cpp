#include "builder/cli/listing_format.h"

#include "builder/cli/go_tabwriter.h"
#include "store/base/error.h"

namespace ubuild::cli {

namespace {

std::string FinalFormat(std::string_view format, std::string_view default_table, bool* table) {
  if (format == "table") format = default_table;
  *table = format.starts_with("table");
  if (*table) format.remove_prefix(5);
  while (!format.empty() && format.front() == ' ') format.remove_prefix(1);
  while (!format.empty() && format.back() == ' ') format.remove_suffix(1);
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '\\' && i + 1 < format.size() && (format[i + 1] == 't' || format[i + 1] == 'n')) {
      out += format[++i] == 't' ? '\t' : '\n';
    } else {
      out += format[i];
    }
  }
  return out;
}

GoTemplate Parsed(const std::string& text) {
  try {
    return GoTemplate(text);
  } catch (const Error& e) {
    ThrowTemplateError(e);
  }
}

}  // namespace

void ThrowTemplateError(const std::exception& e) { throw Error(std::string("template parsing error: ") + e.what()); }

ListingFormat::ListingFormat(std::string_view format, std::string_view default_table)
    : text_(FinalFormat(format, default_table, &table_)), template_(Parsed(text_)) {}

std::string ListingFormat::Render(const std::vector<go_template::Json>& rows, const go_template::Json& titles) const {
  std::string body;
  for (const go_template::Json& row : rows) {
    try {
      body += template_.Execute(row, "context");
    } catch (const Error& e) {
      ThrowTemplateError(e);
    }
    body += '\n';
  }
  if (!table_) return body;
  // docker ignores an error in the header row and keeps what it printed.
  std::string header = template_.Execute(titles, "map", {.header = true});
  return GoTabwriterAlign(header + "\n" + body);
}

}  // namespace ubuild::cli
