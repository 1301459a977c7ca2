#include "builder/cli/completion_script.h"

#include <set>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"

namespace ubuild::cli {

namespace {

// "--tag -t --file -f …": every spelling of the command's flags, -h/--help too.
std::string FlagWords(const Command& c) {
  std::vector<FlagSpec> flags = c.flags;
  flags.push_back(HelpFlag());
  std::string words;
  for (const FlagSpec& f : flags) {
    words += (words.empty() ? "--" : " --") + f.long_name;
    if (f.short_name != 0) words += std::string(" -") + f.short_name;
  }
  return words;
}

// The spellings of the value flags: after one, the word is its value.
std::string ValueFlagWords(const Command& c) {
  std::string pattern;
  for (const FlagSpec& f : c.flags) {
    if (!f.takes_value) continue;
    pattern += (pattern.empty() ? "--" : " --") + f.long_name;
    if (f.short_name != 0) pattern += std::string(" -") + f.short_name;
  }
  return pattern;
}

// The script with @NAME@ placeholders for what the table fills in.
constexpr const char* kBashTemplate = R"(# bash completion for ubuild, made by `ubuild completion bash` from its command table.
_ubuild() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local cmd="" subs="" flags="" values="" i w
  # The command: the first word that is no flag (a flag first means a bare
  # build), and a group's second word.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case $w in
      --root) ((i++)); continue ;;
      -*) [ -z "$cmd" ] && cmd=build; continue ;;
    esac
    if [ -z "$cmd" ]; then cmd=$w
    elif [ -z "$subs" ]; then break
    else cmd="$cmd $w"; subs=""; break
    fi
    case $cmd in
@GROUPS@    esac
  done
  COMPREPLY=()
  if [ -n "$subs" ]; then COMPREPLY=($(compgen -W "$subs" -- "$cur")); return; fi
  if [ -z "$cmd" ]; then
    if [ "$prev" = --root ]; then COMPREPLY=($(compgen -d -- "$cur")); return; fi
    case $cur in
      -*) COMPREPLY=($(compgen -W "--root --version @BUILD_FLAGS@" -- "$cur")) ;;
      *) COMPREPLY=($(compgen -W "@COMMANDS@" -- "$cur") $(compgen -d -- "$cur")) ;;
    esac
    return
  fi
  case $cmd in
@FLAGS@    *) return ;;
  esac
  case $cmd in
@VALUE_FLAGS@  esac
  for w in $values; do
    if [ "$prev" = "$w" ]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
  done
  case $cur in
    -*) COMPREPLY=($(compgen -W "$flags" -- "$cur")) ;;
    *) COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}
complete -F _ubuild ubuild
)";

void Replace(std::string& text, const std::string& placeholder, const std::string& with) {
  text.replace(text.find(placeholder), placeholder.size(), with);
}

}  // namespace

std::string BashCompletion() {
  std::string commands, groups, flags, value_flags;
  std::set<std::string> seen;
  for (const Command& c : CommandTable()) {
    const std::string first = c.name.substr(0, c.name.find(' '));
    if (seen.insert(first).second) commands += (commands.empty() ? "" : " ") + first;
    flags += "    \"" + c.name + "\") flags=\"" + FlagWords(c) + "\" ;;\n";
    if (const std::string v = ValueFlagWords(c); !v.empty()) value_flags += "    \"" + c.name + "\") values=\"" + v + "\" ;;\n";
  }
  for (const std::string& g : seen) {
    std::string subs;
    for (const Command& c : CommandTable()) {
      if (c.name.rfind(g + " ", 0) == 0) subs += (subs.empty() ? "" : " ") + c.name.substr(g.size() + 1);
    }
    if (!subs.empty()) groups += "    " + g + ") subs=\"" + subs + "\" ;;\n";
  }
  std::string script = kBashTemplate;
  Replace(script, "@GROUPS@", groups);
  Replace(script, "@BUILD_FLAGS@", FlagWords(CommandNamed("build")));
  Replace(script, "@COMMANDS@", commands);
  Replace(script, "@FLAGS@", flags);
  Replace(script, "@VALUE_FLAGS@", value_flags);
  return script;
}

std::string ZshCompletion() {
  return "# zsh completion for ubuild, made by `ubuild completion zsh`: the bash one through bashcompinit.\n"
         "autoload -U +X bashcompinit && bashcompinit\n" +
         BashCompletion();
}

}  // namespace ubuild::cli
