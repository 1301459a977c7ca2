#pragma once
// The raw parse tree: what the Dockerfile says, before any meaning is given
// to it. Shaped like BuildKit's parser.Node so `ubuild parse` can print the
// same S-expression dump as BuildKit's reference parser.
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ubuild::parser {

struct Heredoc {
  std::string name;     // the delimiter word, without quotes
  std::string content;  // body, each line ending in '\n' (tabs stripped for <<-); bytes
                        // as in the file, so a CRLF Dockerfile gives "\r\n" (as BuildKit)
  bool expand = true;   // false when the delimiter was quoted (<<"EOF", <<'EOF')
  bool chomp = false;   // <<- : leading tabs were stripped
  std::string unchomped;  // for <<-, the body with its tabs: RUN hands it to the
                          // shell with the `<<-` marker, as BuildKit does
};

struct Node {
  std::string keyword;             // lower case: "run", "copy", ...
  std::vector<std::string> flags;  // "--chown=1:1" as written, before the arguments
  // Arguments as BuildKit's dump shows them:
  //  - shell form: one string, continuations joined;
  //  - exec (JSON) form: one string per array element, json_form = true;
  //  - ENV/LABEL: triples key, value (quotes kept), "=" or "";
  //  - FROM, EXPOSE, ...: whitespace-separated words.
  std::vector<std::string> args;
  bool json_form = false;
  std::vector<Heredoc> heredocs;   // RUN/COPY/ADD in shell form; for ONBUILD RUN <<EOF
                                   // they sit here, on the ONBUILD node (as BuildKit)
  std::unique_ptr<Node> inner;     // ONBUILD's wrapped instruction
  int start_line = 0;              // 1-based, of the keyword
  int end_line = 0;                // last physical line of the instruction
  std::string original;            // the instruction's text, continuations joined
};

struct Ast {
  std::string filename;                          // for error messages
  char escape = '\\';                            // from the escape directive
  std::map<std::string, std::string> directives; // "syntax", "escape", "check"
  std::map<std::string, int> directive_lines;    // the line of each, for errors
  std::vector<Node> nodes;
};

// Parses Dockerfile text. Throws ubuild::Error located at "filename:line"
// on a syntax error or when the file holds no instruction.
Ast Parse(const std::string& text, const std::string& filename);

// BuildKit's dump format, one line per node: (run "echo hi")
std::string Dump(const Node& node);
std::string Dump(const Ast& ast);

}  // namespace ubuild::parser
