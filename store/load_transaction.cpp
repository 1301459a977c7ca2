#include "store/load_transaction.h"

#include <iostream>

#include "store/base/error.h"
#include "store/store.h"

namespace ubuild::store {

LoadTransaction::~LoadTransaction() {
  if (!committed_) Rollback();
}

void LoadTransaction::Tag(const std::string& ref, const Digest& id) {
  std::optional<Digest> before = store_.refs().Get(ref);
  tags_.emplace_back(ref, before);
  store_.refs().Tag(ref, id);
}

void LoadTransaction::Rollback() noexcept {
  // Each step is tried on its own: one that fails must not keep the others
  // from running. What cannot be undone is reported, never hidden.
  auto attempt = [](const std::string& what, auto&& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      std::cerr << "ubuild: warning: undoing the failed load: " << what << ": " << e.what() << "\n";
    }
  };
  for (auto it = tags_.rbegin(); it != tags_.rend(); ++it) {
    attempt("tag " + it->first, [&] {
      if (it->second) {
        store_.refs().Tag(it->first, *it->second);
      } else {
        store_.refs().Untag(it->first);
      }
    });
  }
  for (auto it = images_.rbegin(); it != images_.rend(); ++it) {
    attempt("image " + it->str(), [&] { store_.images().Remove(*it); });
  }
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    attempt("layer " + it->str(), [&] { store_.layers().Remove(*it); });
  }
}

}  // namespace ubuild::store
