#pragma once
// The parse tree of a Go text/template, the subset `docker --format` users
// write (README: Output formats): text, actions with pipelines, if/else if/
// else, range (with $i, $e :=), with, variables, comments and the trim
// markers {{- -}}. define/template/block/break/continue are refused by the
// parser with Go's "template: :LINE: …" wording.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ubuild::cli::go_template {

struct Pipeline;

// One operand of a command.
struct Operand {
  enum class Kind { kDot, kField, kVariable, kFunction, kString, kNumber, kBool, kNil, kPipeline };
  Kind kind = Kind::kDot;
  std::string text;                 // function or variable name ("$" for the root), string value, number text
  std::vector<std::string> fields;  // the field chain after it: .A.B, $x.A, (pipeline).A
  bool boolean = false;
  std::shared_ptr<const Pipeline> pipeline;  // kPipeline: a parenthesized pipeline
};

// A function call or a single operand; piped into the next command.
struct Command {
  std::vector<Operand> operands;
  std::string source;  // the command as written, for execution errors: <.Foo>
  int line = 1, column = 0;
};

struct Pipeline {
  std::vector<std::string> declared;  // "$x :=" or "$i, $e :=" (range), without '$'
  bool assign = false;                // "$x = …": sets an existing variable
  std::vector<Command> commands;
};

struct Node {
  enum class Kind { kText, kAction, kIf, kRange, kWith };
  Kind kind = Kind::kText;
  std::string text;  // kText
  Pipeline pipeline;
  std::vector<Node> body, else_body;
  int line = 1;
};

// Throws ubuild::Error "template: :LINE: …" (docker prefixes "template parsing error: ").
std::vector<Node> Parse(std::string_view text);

}  // namespace ubuild::cli::go_template
