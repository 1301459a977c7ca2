#include "builder/dispatch/build_options.h"
#include "store/base/strings.h"

namespace ubuild::builder {

const NamedContext* BuildOptions::NamedContextFor(const std::string& word) const {
  auto it = named_contexts.find(AsciiLower(word));
  return it == named_contexts.end() ? nullptr : &it->second;
}

}  // namespace ubuild::builder
