#include "builder/cli/man_page.h"

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"

namespace ubuild::cli {

namespace {

// Text as roff reads it: a backslash escaped, '-' as the ASCII hyphen man
// pages need for flags to be searchable and copyable, no line led by '.' or '\''.
std::string Roff(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string FlagLine(const FlagSpec& f) {
  std::string s = f.short_name != 0 ? std::string("\\fB\\-") + f.short_name + "\\fR, " : "";
  s += "\\fB\\-\\-" + Roff(f.long_name) + "\\fR";
  if (f.takes_value) s += " \\fI" + Roff(f.value_name) + "\\fR";
  return s;
}

}  // namespace

std::string ManPage() {
  std::string out = ".TH UBUILD 1 \"\" \"ubuild " UBUILD_VERSION "\" \"User Commands\"\n";
  out += ".SH NAME\nubuild \\- build container images from Dockerfiles into a Docker\\-style store\n";
  out += ".SH SYNOPSIS\n\\fBubuild\\fR [\\fB\\-\\-root\\fR \\fIDIR\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] \\fIARGS\\fR\n.br\n";
  out += "\\fBubuild\\fR [\\fB\\-\\-root\\fR \\fIDIR\\fR] [\\fIOPTIONS\\fR] \\fICONTEXT\\fR (a build)\n";
  out += ".SH GLOBAL OPTIONS\n";
  out += ".TP\n\\fB\\-\\-root\\fR \\fIDIR\\fR\nThe store (default $UBUILD_ROOT, else /var/lib/ubuild).\n";
  out += ".TP\n\\fB\\-\\-version\\fR\nPrint ubuild's version.\n";
  out += ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nPrint the commands.\n";
  out += ".SH COMMANDS\n";
  for (const Command& c : CommandTable()) {
    out += ".SS \"" + Roff(c.name) + "\"\n";
    out += "\\fBubuild " + Roff(c.name) + "\\fR [\\fIOPTIONS\\fR]" + (c.operands.empty() ? "" : " " + Roff(c.operands)) + "\n";
    out += ".PP\n" + Roff(c.summary) + "\n";
    std::vector<FlagSpec> flags = c.flags;
    flags.push_back(HelpFlag());
    // .br: a tag narrower than the indent (--pull) would otherwise share its line with the text.
    for (const FlagSpec& f : flags) out += ".TP\n" + FlagLine(f) + "\n.br\n" + Roff(f.help) + "\n";
  }
  out += ".SH FILES\n.TP\n/var/lib/ubuild\nThe default store, laid out as Docker's overlay2 store.\n";
  out += ".SH SEE ALSO\n\\fBdocker\\-build\\fR(1)\n";
  return out;
}

}  // namespace ubuild::cli
