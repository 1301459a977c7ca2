#pragma once
// PEGTL actions for grammar.h: each fills a parse state that parse.cpp turns
// into the raw AST. Private to the parser. One header per state, each
// holding its whole action template (a specialisation missing where the
// parse is instantiated would silently fall back to pegtl::nothing):
//   file_actions.h         FileState: directives, logical lines, heredoc bodies
//   instruction_actions.h  HeadState, WordsState: keyword, flags, arguments
//   json_actions.h         JsonState: the JSON (exec) form
//   heredoc_actions.h      HeredocMarkerState, HeredocNameState: <<EOF markers
#include "parser/file_actions.h"
#include "parser/heredoc_actions.h"
#include "parser/instruction_actions.h"
#include "parser/json_actions.h"
