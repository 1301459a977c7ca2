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
  // Images, then layers, each kind as one batch behind one barrier, as rmi
  // removes them (image_store.h, layer_store.h); newest first, so children
  // go before their parents. Should a batch fail, its records are tried one
  // at a time, and what the batch removed already is skipped.
  auto remove_all = [&](const char* kind, const std::vector<Digest>& added, auto&& remove) {
    const std::vector<Digest> newest_first(added.rbegin(), added.rend());
    try {
      remove(newest_first);
      return;
    } catch (const std::exception&) {
      // Reported below, by whichever record still fails on its own.
    }
    for (const Digest& d : newest_first) attempt(std::string(kind) + " " + d.str(), [&] { remove({d}); });
  };
  remove_all("image", images_, [&](const std::vector<Digest>& ids) { store_.images().Remove(ids); });
  remove_all("layer", layers_, [&](const std::vector<Digest>& ids) { store_.layers().Remove(ids); });
}

}  // namespace ubuild::store
