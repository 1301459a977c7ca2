#include "store/chain_id.h"

namespace ubuild::store {

std::string ChainIdInput(const Digest& parent_chain, const Digest& diff_id) {
  return parent_chain.str() + " " + diff_id.str();
}

Digest NextChainId(const std::optional<Digest>& parent_chain, const Digest& diff_id) {
  if (!parent_chain) return diff_id;
  return Sha256Of(ChainIdInput(*parent_chain, diff_id));
}

std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids) {
  std::vector<Digest> out;
  out.reserve(diff_ids.size());
  std::optional<Digest> parent;
  for (const Digest& d : diff_ids) {
    parent = NextChainId(parent, d);
    out.push_back(*parent);
  }
  return out;
}

}  // namespace ubuild::store
