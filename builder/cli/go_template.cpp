#include "builder/cli/go_template.h"

#include <algorithm>
#include <utility>

#include "builder/cli/go_template_functions.h"
#include "store/base/error.h"

namespace ubuild::cli {

namespace gt = go_template;
using gt::Json;
using gt::Value;

namespace {

// Go reports an unknown function when it parses, not when it runs.
void CheckFunctions(const gt::Pipeline& p, int line) {
  for (const gt::Command& c : p.commands) {
    for (const gt::Operand& o : c.operands) {
      if (o.kind == gt::Operand::Kind::kFunction) {
        try {
          if (gt::FindFunction(o.text) == nullptr) throw Error("function \"" + o.text + "\" not defined");
        } catch (const Error& e) {
          throw Error("template: :" + std::to_string(line) + ": " + e.what());
        }
      }
      if (o.pipeline) CheckFunctions(*o.pipeline, line);
    }
  }
}

void CheckFunctions(const std::vector<gt::Node>& nodes) {
  for (const gt::Node& n : nodes) {
    CheckFunctions(n.pipeline, n.line);
    CheckFunctions(n.body);
    CheckFunctions(n.else_body);
  }
}

// The zero value of a hinted type, for a field the JSON omits.
Value ZeroOf(const Json& hint) {
  Json zero = nullptr;
  if (hint == "string") zero = "";
  if (hint == "bool") zero = false;
  if (hint == "int") zero = 0;
  if (hint == "time") zero = "0001-01-01T00:00:00Z";
  return Value{std::move(zero), hint, false};
}

class Executor {
 public:
  Executor(const Json& data, const Json& hints, GoTemplate::Options options)
      : root_{data, hints, false}, options_(options) {
    vars_.emplace_back("$", root_);
  }

  void Run(const std::vector<gt::Node>& nodes, const Value& dot) {
    for (const gt::Node& n : nodes) Walk(n, dot);
  }

  std::string out;

 private:
  void Walk(const gt::Node& n, const Value& dot) {
    switch (n.kind) {
      case gt::Node::Kind::kText: out += n.text; return;
      case gt::Node::Kind::kAction: {
        Value v = EvalPipeline(n.pipeline, dot);
        if (n.pipeline.declared.empty()) out += gt::GoPrint(v);
        return;
      }
      case gt::Node::Kind::kIf:
      case gt::Node::Kind::kWith: {
        const size_t mark = vars_.size();
        Value v = EvalPipeline(n.pipeline, dot);
        if (gt::IsTrue(v)) {
          Run(n.body, n.kind == gt::Node::Kind::kWith ? v : dot);
        } else {
          Run(n.else_body, dot);
        }
        vars_.resize(mark);
        return;
      }
      case gt::Node::Kind::kRange: Range(n, dot); return;
    }
  }

  void Range(const gt::Node& n, const Value& dot) {
    const size_t mark = vars_.size();
    gt::Pipeline p = n.pipeline;
    std::vector<std::string> names = std::move(p.declared);
    p.declared.clear();
    Value v = EvalPipeline(p, dot);
    auto each = [&](Value key, Value element) {
      vars_.resize(mark);
      if (names.size() == 1) vars_.emplace_back("$" + names[0], element);
      if (names.size() == 2) {
        vars_.emplace_back("$" + names[0], std::move(key));
        vars_.emplace_back("$" + names[1], element);
      }
      Run(n.body, element);
    };
    bool any = false;
    if (v.data.is_array()) {
      for (size_t i = 0; i < v.data.size(); ++i) {
        any = true;
        each(Value{Json(static_cast<int64_t>(i)), nullptr, false}, v.Element(v.data[i]));
      }
    } else if (v.data.is_object() && (v.IsMap() || v.hint.is_null())) {
      // Go ranges over a map in key order (a struct it cannot range over).
      std::vector<std::string> keys;
      for (const auto& [k, _] : v.data.items()) keys.push_back(k);
      std::sort(keys.begin(), keys.end());
      for (const std::string& k : keys) {
        any = true;
        each(Value{Json(k), nullptr, false}, v.Element(v.data[k]));
      }
    } else if (!v.missing && !v.data.is_null()) {
      Fail(n.pipeline.commands.front(), "range can't iterate over " + gt::GoPrint(v));
    }
    vars_.resize(mark);
    if (!any) Run(n.else_body, dot);
  }

  Value EvalPipeline(const gt::Pipeline& p, const Value& dot) {
    Value v;
    bool have = false;
    for (const gt::Command& c : p.commands) {
      v = EvalCommand(c, dot, have ? &v : nullptr);
      have = true;
    }
    for (const std::string& name : p.declared) {
      if (p.assign) {
        Variable(p.commands.front(), "$" + name) = v;
      } else {
        vars_.emplace_back("$" + name, v);
      }
    }
    return v;
  }

  Value EvalCommand(const gt::Command& c, const Value& dot, const Value* piped) {
    const gt::Operand& first = c.operands.front();
    if (first.kind == gt::Operand::Kind::kFunction) {
      std::vector<Value> args;
      for (size_t i = 1; i < c.operands.size(); ++i) args.push_back(EvalOperand(c, c.operands[i], dot));
      if (piped) args.push_back(*piped);
      return Call(c, first.text, args);
    }
    if (c.operands.size() > 1 || piped) Fail(c, "can't give argument to non-function " + c.source);
    return EvalOperand(c, first, dot);
  }

  Value Call(const gt::Command& c, const std::string& name, const std::vector<Value>& args) {
    try {
      return gt::CallFunction(name, *gt::FindFunction(name), args, options_.header);
    } catch (const Error& e) {
      Fail(c, e.what());
    }
  }

  Value EvalOperand(const gt::Command& c, const gt::Operand& o, const Value& dot) {
    Value v;
    switch (o.kind) {
      case gt::Operand::Kind::kDot:
      case gt::Operand::Kind::kField: v = dot; break;
      case gt::Operand::Kind::kVariable: v = Variable(c, o.text); break;
      case gt::Operand::Kind::kFunction: v = Call(c, o.text, {}); break;
      case gt::Operand::Kind::kString: return Value{Json(o.text), nullptr, false};
      case gt::Operand::Kind::kBool: return Value{Json(o.boolean), nullptr, false};
      case gt::Operand::Kind::kNil: Fail(c, "nil is not a command");
      case gt::Operand::Kind::kNumber: return Number(c, o.text);
      case gt::Operand::Kind::kPipeline: v = EvalPipeline(*o.pipeline, dot); break;
    }
    for (const std::string& f : o.fields) v = FieldOf(c, v, f);
    return v;
  }

  Value FieldOf(const gt::Command& c, const Value& v, const std::string& name) {
    if (v.data.is_object()) {
      if (v.data.contains(name)) return v.Field(name, v.data[name]);
      // A struct field the JSON leaves out (omitempty): its zero value.
      if (v.hint.is_object() && v.hint.contains(name)) return ZeroOf(v.hint[name]);
      if (v.IsMap()) return Value::Missing();
      Fail(c, "can't evaluate field " + name + " in type " + gt::GoTypeName(v));
    }
    if (v.IsMap() && v.data.is_null()) return Value::Missing();
    if (v.missing || v.data.is_null()) Fail(c, "nil pointer evaluating " + gt::GoTypeName(v) + "." + name);
    Fail(c, "can't evaluate field " + name + " in type " + gt::GoTypeName(v));
  }

  Value& Variable(const gt::Command& c, const std::string& name) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) return it->second;
    }
    Fail(c, "undefined variable: " + name);
  }

  Value Number(const gt::Command& c, const std::string& text) {
    try {
      size_t used = 0;
      const bool hex = text.find("0x") != std::string::npos || text.find("0X") != std::string::npos;
      if (text.find_first_of(".eE") == std::string::npos || hex) {
        const long long n = std::stoll(text, &used, 0);
        if (used == text.size()) return Value{Json(static_cast<int64_t>(n)), nullptr, false};
      } else {
        const double d = std::stod(text, &used);
        if (used == text.size()) return Value{Json(d), nullptr, false};
      }
    } catch (const std::exception&) {
    }
    Fail(c, "illegal number syntax: " + text);
  }

  [[noreturn]] void Fail(const gt::Command& c, const std::string& what) const {
    throw Error("template: :" + std::to_string(c.line) + ":" + std::to_string(c.column) + ": executing \"\" at <" +
                c.source + ">: " + what);
  }

  Value root_;
  GoTemplate::Options options_;
  std::vector<std::pair<std::string, Value>> vars_;
};

}  // namespace

GoTemplate::GoTemplate(std::string_view text) : nodes_(gt::Parse(text)) { CheckFunctions(nodes_); }

std::string GoTemplate::Execute(const Json& data, const Json& hints, Options options) const {
  Executor e(data, hints, options);
  try {
    e.Run(nodes_, Value{data, hints, false});
  } catch (const Error&) {
    if (!options.header) throw;
  }
  return std::move(e.out);
}

}  // namespace ubuild::cli
