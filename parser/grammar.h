#pragma once
// The Dockerfile grammar, read the way BuildKit's frontend/dockerfile/parser
// reads it (PEGTL rules only; actions live in parse_actions.h).
//
//   # syntax=docker/dockerfile:1         <- parser directives (escape, syntax,
//   # escape=\                              check): only before anything else
//   FROM busybox:1.36 AS base             <- keyword (any case), arguments
//   # a comment
//   RUN --mount=type=cache,target=/c \    <- flags come before the arguments;
//   # comment lines and empty lines          the escape character at the end of
//                                            a line continues the instruction
//       echo "hi" && true
//   COPY <<EOF /etc/motd                  <- heredoc: the body follows the line
//   hello
//   EOF
//   CMD ["sh", "-c", "ls"]                <- exec (JSON) form
//
// Two levels, as in BuildKit. The file grammar (`file<Esc>`) finds the logical
// lines: directives, comments, continuations and heredoc bodies. The line
// grammars split one logical line into keyword, flags and the arguments of its
// kind (words, whitespace fields, JSON array, ENV pairs, ...). The escape
// character is a template parameter: one instantiation per allowed character.
#include <tao/pegtl.hpp>

namespace ubuild::parser::grammar {

using namespace tao::pegtl;

// clang-format off

// ---- characters -----------------------------------------------------------

// BuildKit's reWhitespace, [\t\v\f\r ]: what separates keyword and fields.
struct ws : one< ' ', '\t', '\v', '\f', '\r' > {};
// Go's unicode.IsSpace beyond ASCII: U+0085, U+00A0, U+1680, U+2000-U+200A,
// U+2028, U+2029, U+202F, U+205F, U+3000 (UTF-8 encoded). A hand-written
// rule because it is tried at nearly every byte.
struct wide_space
{
   using rule_t = wide_space;
   using subs_t = empty_list;
   template< typename ParseInput >
   static bool match( ParseInput& in )
   {
      const std::size_t n = in.size( 3 );
      if( n < 2 ) {
         return false;
      }
      const auto b = [ & ]( std::size_t i ) { return static_cast< unsigned char >( in.peek_char( i ) ); };
      std::size_t width = 0;
      if( b( 0 ) == 0xC2 ) {
         width = ( b( 1 ) == 0x85 || b( 1 ) == 0xA0 ) ? 2 : 0;
      }
      else if( n >= 3 && b( 0 ) == 0xE1 ) {
         width = ( b( 1 ) == 0x9A && b( 2 ) == 0x80 ) ? 3 : 0;
      }
      else if( n >= 3 && b( 0 ) == 0xE2 ) {
         const bool u20xx = b( 1 ) == 0x80 && ( b( 2 ) <= 0x8A || b( 2 ) == 0xA8 || b( 2 ) == 0xA9 || b( 2 ) == 0xAF );
         width = ( u20xx || ( b( 1 ) == 0x81 && b( 2 ) == 0x9F ) ) ? 3 : 0;
      }
      else if( n >= 3 && b( 0 ) == 0xE3 ) {
         width = ( b( 1 ) == 0x80 && b( 2 ) == 0x80 ) ? 3 : 0;
      }
      if( width == 0 || ( width == 3 && b( 2 ) < 0x80 ) ) {
         return false;
      }
      in.bump( width );
      return true;
   }
};
// unicode.IsSpace without '\n', which never occurs inside a line.
struct uspace : sor< ws, wide_space > {};
// Bytes that can neither be a space nor start a wide one: the fast path.
struct plain_byte : not_one< ' ', '\t', '\n', '\v', '\f', '\r', '\xC2', '\xE1', '\xE2', '\xE3' > {};
struct non_space : sor< plain_byte, seq< not_at< uspace >, any > > {};

// A line ends with any run of '\r' and then '\n' or the end of input: the
// bytes Go's bytes.TrimRight(line, "\r\n") drops.
struct line_end : seq< star< one< '\r' > >, sor< one< '\n' >, eof > > {};
struct rest_of_line : until< line_end > {};

// ---- parser directives ----------------------------------------------------

struct bom : string< '\xEF', '\xBB', '\xBF' > {};
// Go's regexp \s: [\t\n\f\r ].
struct re_space : one< ' ', '\t', '\f', '\r' > {};
struct directive_name : sor< istring< 'e', 's', 'c', 'a', 'p', 'e' >,
                             istring< 's', 'y', 'n', 't', 'a', 'x' >,
                             istring< 'c', 'h', 'e', 'c', 'k' > > {};
struct directive_value : plus< not_at< line_end >, any > {};
// "#", spaces, a known name (a longer name such as "escapes" is no directive),
// "=", a non-empty value. The first line that is not one ends the block.
struct directive : seq< star< uspace >, one< '#' >, star< uspace >, directive_name, not_at< alnum >,
                        star< re_space >, one< '=' >, directive_value, line_end > {};
struct directives : star< directive > {};

// ---- logical lines ----------------------------------------------------------

// The escape character, blanks, end of line: a continuation -- unless the
// escape character is itself escaped ("echo \\" ends the instruction).
template< char E > struct continuation : seq< one< E >, star< one< ' ', '\t' > >, line_end > {};
template< char E > struct escaped_escape_at_end : seq< one< E >, one< E >, star< one< ' ', '\t' > >, at< line_end > > {};
template< char E > struct piece_text
   : star< sor< plus< not_one< E, '\r', '\n' > >, escaped_escape_at_end< E >,
                seq< not_at< sor< continuation< E >, line_end > >, any > > > {};

struct comment_line : seq< star< uspace >, one< '#' >, rest_of_line > {};
struct blank_line : seq< star< uspace >, line_end > {};
// Inside a continued instruction, comment lines and blank lines are dropped.
struct skipped_line : seq< not_at< eof >, sor< comment_line, blank_line > > {};

template< char E > struct first_piece : piece_text< E > {};
template< char E > struct continued_piece : seq< piece_text< E >, continuation< E > > {};
template< char E > struct final_piece : seq< piece_text< E >, line_end > {};
// After a continuation: more continued pieces (skipping comments and blank
// lines) and one final piece; the end of input also ends the instruction.
template< char E > struct continuation_tail
   : seq< star< sor< skipped_line, continued_piece< E > > >, opt< final_piece< E > > > {};
template< char E > struct logical_line
   : seq< first_piece< E >, sor< seq< continuation< E >, continuation_tail< E > >, line_end > > {};

// ---- heredoc bodies ---------------------------------------------------------
// Which heredocs follow, and their delimiters, come from the instruction line,
// so these two rules ask the parse state (duck-typed: HeredocPending() and
// IsHeredocTerminator(line)).

struct heredoc_pending
{
   using rule_t = heredoc_pending;
   using subs_t = empty_list;
   template< apply_mode, rewind_mode, template< typename... > class Action, template< typename... > class Control,
             typename ParseInput, typename State >
   static bool match( ParseInput& /*unused*/, State& st )
   {
      return st.HeredocPending();
   }
};

struct heredoc_terminator
{
   using rule_t = heredoc_terminator;
   using subs_t = empty_list;
   template< apply_mode, rewind_mode, template< typename... > class Action, template< typename... > class Control,
             typename ParseInput, typename State >
   static bool match( ParseInput& in, State& st )
   {
      const char* begin = in.current();
      const char* end = in.end();
      const char* stop = begin;
      while( stop != end && *stop != '\n' ) {
         ++stop;
      }
      if( !st.IsHeredocTerminator( std::string_view( begin, static_cast< std::size_t >( stop - begin ) ) ) ) {
         return false;
      }
      in.bump( static_cast< std::size_t >( stop - begin ) + ( stop != end ? 1 : 0 ) );
      return true;
   }
};

struct heredoc_line : seq< not_at< eof >, until< sor< one< '\n' >, eof > > > {};
// Always matches; its action reports the missing delimiter.
struct heredoc_unterminated : success {};
struct heredoc_body : sor< until< heredoc_terminator, heredoc_line >, heredoc_unterminated > {};
struct heredoc_bodies : star< heredoc_pending, heredoc_body > {};

// ---- the file ----------------------------------------------------------------

template< char E > struct instruction : seq< star< uspace >, logical_line< E >, heredoc_bodies > {};
template< char E > struct item : sor< comment_line, blank_line, instruction< E > > {};
template< char E > struct file : seq< opt< bom >, directives, until< eof, item< E > > > {};
// Only the directives, to learn the escape character before the real parse.
struct directive_prefix : seq< opt< bom >, directives > {};

// ---- one logical line: keyword, flags, arguments --------------------------

// The keyword ends at [\t\v\f\r ]; other Unicode spaces end it only when
// nothing but spaces follows (BuildKit trims the line first).
struct keyword : plus< sor< plus< non_space >, seq< plus< wide_space >, not_at< eof > > > > {};

// Flags: words starting with "--" before the arguments. Quotes are removed,
// a backslash takes the next byte literally, "--" alone ends the flags.
struct flag_start : two< '-' > {};
struct flag_escape : seq< one< '\\' >, any > {};
struct flag_trailing_backslash : seq< one< '\\' >, eof > {};
struct flag_plain : plus< not_one< ' ', '\t', '\n', '\v', '\f', '\r', '"', '\'', '\\' > > {};
template< char Q > struct flag_quoted_text : plus< not_one< '\\', Q > > {};
template< char Q > struct flag_quoted
   : seq< one< Q >, star< sor< flag_escape, flag_trailing_backslash, flag_quoted_text< Q > > >, opt< one< Q > > > {};
struct flag_body
   : star< sor< flag_quoted< '"' >, flag_quoted< '\'' >, flag_escape, flag_trailing_backslash, flag_plain > > {};
struct flag : seq< flag_start, flag_body > {};
struct flags_end : seq< flag_start, flag_body > {};
struct flags : seq< star< flag, star< ws > >, opt< flags_end > > {};

// The arguments, without leading or trailing (Unicode) spaces.
struct args_text : star< sor< plus< non_space >, seq< plus< uspace >, not_at< eof > > > > {};
struct instruction_head
   : seq< star< uspace >, keyword, opt< plus< ws >, flags, star< uspace >, args_text >, star< uspace >, eof > {};

// parseWords: words split at Unicode spaces; quotes and escapes are kept;
// an escape character at the very end is dropped.
template< char E > struct w_escape_end : seq< one< E >, eof > {};
template< char E > struct w_escape : seq< one< E >, any > {};
struct w_squote : seq< one< '\'' >, until< sor< one< '\'' >, eof > > > {};
template< char E > struct w_dquote
   : seq< one< '"' >, star< sor< plus< not_one< '"', E > >, w_escape_end< E >, w_escape< E > > >, opt< one< '"' > > > {};
template< char E > struct w_plain : plus< not_at< one< '"', '\'', E > >, non_space > {};
template< char E > struct word
   : plus< sor< w_plain< E >, w_escape_end< E >, w_escape< E >, w_squote, w_dquote< E > > > {};
template< char E > struct words : seq< star< uspace >, star< word< E >, star< uspace > >, eof > {};

// parseStringsWhitespaceDelimited: fields split at [\t\v\f\r ]+, no quoting.
struct field : plus< not_one< ' ', '\t', '\v', '\f', '\r' > > {};
struct fields : seq< opt< list< field, plus< ws > > >, eof > {};

// ENV/LABEL legacy form "KEY value...": the key, then everything after the
// first run of blanks is the value.
struct legacy_key : plus< not_one< ' ', '\t', '\v', '\f', '\r' > > {};
struct legacy_value : star< any > {};
struct legacy_pair : seq< legacy_key, plus< ws >, legacy_value, eof > {};

// HEALTHCHECK: a type word (NONE, CMD, ...), then maybe-JSON.
struct health_type : plus< not_one< ' ', '\t', '\n', '\v', '\f', '\r' > > {};
struct health_command : star< any > {};
struct healthcheck_args : seq< health_type, star< ws >, health_command, eof > {};

// ---- JSON, as Go's encoding/json accepts it ---------------------------------
// Exec form is a JSON array; anything that is not valid JSON falls back to
// shell form. Strings may hold any byte >= 0x20 (invalid UTF-8 decodes to
// U+FFFD, as Go does). Nesting is limited by json_nested's state counter.

namespace json {

struct jws : star< one< ' ', '\t', '\n', '\r' > > {};
struct u4 : seq< one< '\\' >, one< 'u' >, rep< 4, xdigit > > {};
struct surrogate_pair : seq< u4, u4 > {};  // action decides whether it is one
struct unicode_escape : u4 {};
struct simple_escape : seq< one< '\\' >, one< '"', '\\', '/', 'b', 'f', 'n', 'r', 't' > > {};
struct unescaped : plus< not_at< range< '\0', '\x1F' > >, not_one< '"', '\\' > > {};
struct string_open : one< '"' > {};
struct string_value : seq< string_open, until< one< '"' >, sor< surrogate_pair, unicode_escape, simple_escape, unescaped > > > {};
struct number : seq< opt< one< '-' > >, sor< one< '0' >, seq< range< '1', '9' >, star< digit > > >,
                     opt< one< '.' >, plus< digit > >, opt< one< 'e', 'E' >, opt< one< '+', '-' > >, plus< digit > > > {};
struct literal : sor< string< 't', 'r', 'u', 'e' >, string< 'f', 'a', 'l', 's', 'e' >, string< 'n', 'u', 'l', 'l' > > {};

struct value;
// Recursion guard: the state's Enter()/Leave() bound the nesting depth so a
// deeply nested array cannot exhaust the stack; too deep is "not JSON".
template< typename Rule >
struct nested
{
   using rule_t = nested;
   using subs_t = type_list< Rule >;
   template< apply_mode A, rewind_mode M, template< typename... > class Action, template< typename... > class Control,
             typename ParseInput, typename State >
   static bool match( ParseInput& in, State& st )
   {
      if( !st.Enter() ) {
         return false;
      }
      const bool ok = Control< Rule >::template match< A, M, Action, Control >( in, st );
      st.Leave();
      return ok;
   }
};
struct array_body : seq< one< '[' >, jws, opt< value, jws, star< one< ',' >, jws, value, jws > >, one< ']' > > {};
struct member : seq< string_value, jws, one< ':' >, jws, value > {};
struct object_body : seq< one< '{' >, jws, opt< member, jws, star< one< ',' >, jws, member, jws > >, one< '}' > > {};
struct value : sor< string_value, number, literal, nested< array_body >, nested< object_body > > {};

// The top level: an array whose elements the actions inspect one by one.
struct element : value {};
struct top_array : seq< jws, one< '[' >, jws, opt< element, jws, star< one< ',' >, jws, element, jws > >, one< ']' >, jws, eof > {};

}  // namespace json

// ---- heredoc markers ----------------------------------------------------------

// Words of the instruction line as a shell sees them (quotes and escapes kept),
// to find heredoc markers; an unterminated quote means "no heredocs".
struct sh_escape : seq< one< '\\' >, opt< any > > {};
struct sh_squote : seq< one< '\'' >, until< one< '\'' > > > {};
struct sh_dquote : seq< one< '"' >, until< one< '"' >, sor< seq< one< '\\' >, any >, any > > > {};
struct sh_plain : plus< not_at< one< '\'', '"', '\\' > >, non_space > {};
struct sh_word : plus< sor< sh_escape, sh_squote, sh_dquote, sh_plain > > {};
struct sh_words : seq< star< uspace >, star< sh_word, star< uspace > >, eof > {};

// A heredoc marker word: [fd]<<[-]delimiter, the delimiter without '<'.
struct heredoc_fd : star< digit > {};
struct heredoc_chomp : opt< one< '-' > > {};
struct heredoc_word_rest : star< not_one< '<' > > {};
struct heredoc_marker : seq< heredoc_fd, two< '<' >, heredoc_chomp, heredoc_word_rest, eof > {};
// Just "<<" or "<<-": the delimiter is the next word ("RUN << EOF").
struct heredoc_bare_marker : seq< heredoc_fd, two< '<' >, heredoc_chomp, eof > {};

// The delimiter word: quotes removed (and remembered: quoting turns expansion
// off), backslash escapes resolved.
struct hn_escape : seq< one< '\\' >, any > {};
struct hn_trailing_backslash : seq< one< '\\' >, eof > {};
struct hn_squote_mark : one< '\'' > {};
struct hn_dquote_mark : one< '"' > {};
struct hn_squote_text : star< not_one< '\'' > > {};
struct hn_squote : seq< hn_squote_mark, hn_squote_text, hn_squote_mark > {};
struct hn_dquote_escape : seq< one< '\\' >, one< '"', '$', '\\' > > {};
struct hn_dquote_char : not_one< '"' > {};
struct hn_dquote : seq< hn_dquote_mark, star< sor< hn_dquote_escape, hn_dquote_char > >, hn_dquote_mark > {};
struct hn_plain : any {};
struct heredoc_name : seq< star< sor< hn_escape, hn_trailing_backslash, hn_squote, hn_dquote, hn_plain > >, eof > {};

// clang-format on

}  // namespace ubuild::parser::grammar
