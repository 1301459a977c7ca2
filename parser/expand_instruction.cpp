// Which words of each instruction Docker expands at dispatch time
// (BuildKit's SupportsSingleWordExpansion implementations plus the classic
// builder's EXPOSE word splitting). Everything else passes through as written.
#include "parser/expand_instruction.h"

#include <type_traits>

#include "store/base/error.h"

namespace ubuild::parser {
namespace {

class Expander {
 public:
  Expander(const VarLookup& vars, char escape, ExpansionBudget* budget)
      : vars_(vars), escape_(escape), budget_(budget) {}

  void Word(std::string& word) const {
    size_t before = word.size();
    word = ExpandWord(word, vars_, escape_);
    Charge(before, word.size());
  }
  void Words(std::vector<std::string>& words) const {
    for (std::string& w : words) Word(w);
  }
  void Pairs(std::vector<KeyValue>& pairs) const {
    for (KeyValue& kv : pairs) {
      Word(kv.key);
      Word(kv.value);
    }
  }

  void operator()(CopyInstr& c) const {
    Words(c.sources);
    Word(c.dest);
    Word(c.chown);
    Word(c.chmod);
    Word(c.from);
    Word(c.checksum);
    for (std::string& pattern : c.excludes) Word(pattern);
    for (Heredoc& h : c.heredocs)
      if (h.expand) {
        size_t before = h.content.size();
        h.content = ExpandHeredoc(h.content, vars_);
        Charge(before, h.content.size());
      }
  }
  void operator()(EnvInstr& c) const { Pairs(c.vars); }
  void operator()(LabelInstr& c) const { Pairs(c.labels); }
  // EXPOSE is the one instruction where a word may become several:
  // `EXPOSE $PORTS` with PORTS="80 443" exposes two ports.
  void operator()(ExposeInstr& c) const {
    std::vector<std::string> ports;
    for (const std::string& p : c.ports) {
      std::vector<std::string> words = ExpandWords(p, vars_, escape_);
      size_t after = 0;
      for (const std::string& w : words) after += w.size();
      Charge(p.size(), after);
      ports.insert(ports.end(), words.begin(), words.end());
    }
    c.ports = std::move(ports);
  }
  void operator()(VolumeInstr& c) const { Words(c.paths); }
  void operator()(UserInstr& c) const { Word(c.user); }
  void operator()(WorkdirInstr& c) const { Word(c.path); }
  void operator()(StopsignalInstr& c) const { Word(c.signal); }
  void operator()(ArgInstr& c) const {
    for (ArgInstr::Arg& a : c.args) {
      Word(a.name);
      if (a.default_value) Word(*a.default_value);
    }
  }
  // RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK: the shell expands them at run
  // time. ONBUILD and MAINTAINER are stored verbatim.
  template <typename T>
  void operator()(T&) const {}

 private:
  void Charge(size_t before, size_t after) const {
    if (budget_) budget_->Charge(before, after);
  }

  const VarLookup& vars_;
  char escape_;
  ExpansionBudget* budget_;
};

}  // namespace

LocatedInstruction Expand(const LocatedInstruction& instr, const VarLookup& vars, char escape,
                          const std::string& filename, ExpansionBudget* budget) {
  LocatedInstruction out = instr;
  try {
    std::visit(Expander(vars, escape, budget), out.instr);
  } catch (const Error& e) {
    throw Error::At(filename, instr.line, e.what());
  }
  return out;
}

}  // namespace ubuild::parser
