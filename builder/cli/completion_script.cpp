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

}  // namespace

std::string BashCompletion() {
  std::string top, flag_cases, value_cases;
  std::set<std::string> seen;
  for (const Command& c : CommandTable()) {
    const size_t sp = c.name.find(' ');
    const std::string first = c.name.substr(0, sp);
    if (seen.insert(first).second) top += (top.empty() ? "" : " ") + first;
    flag_cases += "    \"" + c.name + "\") flags=\"" + FlagWords(c) + "\" ;;\n";
    if (const std::string v = ValueFlagWords(c); !v.empty()) value_cases += "    \"" + c.name + "\") values=\"" + v + "\" ;;\n";
  }
  // A group's commands collected per group name (one case arm each).
  std::string group_arms;
  for (const std::string& g : seen) {
    std::string subs;
    for (const Command& c : CommandTable()) {
      if (c.name.rfind(g + " ", 0) == 0) subs += (subs.empty() ? "" : " ") + c.name.substr(g.size() + 1);
    }
    if (!subs.empty()) group_arms += "    " + g + ") subs=\"" + subs + "\" ;;\n";
  }
  return "# bash completion for ubuild, made by `ubuild completion bash` from its command table.\n"
         "_ubuild() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
         "  local cmd=\"\" subs=\"\" flags=\"\" values=\"\" i w\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    w=${COMP_WORDS[i]}\n"
         "    case $w in\n"
         "      --root) ((i++)); continue ;;\n"
         "      -*) [ -z \"$cmd\" ] && cmd=build; continue ;;\n"
         "    esac\n"
         "    if [ -z \"$cmd\" ]; then cmd=$w\n"
         "    elif [ -z \"$subs\" ]; then break\n"
         "    else cmd=\"$cmd $w\"; subs=\"\"; break\n"
         "    fi\n"
         "    case $cmd in\n" +
         group_arms +
         "    esac\n"
         "  done\n"
         "  COMPREPLY=()\n"
         "  if [ -n \"$subs\" ]; then COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\")); return; fi\n"
         "  if [ -z \"$cmd\" ]; then\n"
         "    if [ \"$prev\" = --root ]; then COMPREPLY=($(compgen -d -- \"$cur\")); return; fi\n"
         "    case $cur in\n"
         "      -*) COMPREPLY=($(compgen -W \"--root --version " + FlagWords(CommandNamed("build")) +
         "\" -- \"$cur\")) ;;\n"
         "      *) COMPREPLY=($(compgen -W \"" + top + "\" -- \"$cur\") $(compgen -d -- \"$cur\")) ;;\n"
         "    esac\n"
         "    return\n"
         "  fi\n"
         "  case $cmd in\n" +
         flag_cases +
         "    *) return ;;\n"
         "  esac\n"
         "  case $cmd in\n" +
         value_cases +
         "  esac\n"
         "  for w in $values; do\n"
         "    if [ \"$prev\" = \"$w\" ]; then COMPREPLY=($(compgen -f -- \"$cur\")); return; fi\n"
         "  done\n"
         "  case $cur in\n"
         "    -*) COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\")) ;;\n"
         "    *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
         "  esac\n"
         "}\n"
         "complete -F _ubuild ubuild\n";
}

std::string ZshCompletion() {
  return "# zsh completion for ubuild, made by `ubuild completion zsh`: the bash one through bashcompinit.\n"
         "autoload -U +X bashcompinit && bashcompinit\n" +
         BashCompletion();
}

}  // namespace ubuild::cli
