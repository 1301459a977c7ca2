#pragma once
// ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
#include <optional>
#include <string>
#include <vector>

#include "store/digest.h"

namespace ubuild::store {

// The exact string hashed for a layer's chain_id (empty for a base layer).
std::string ChainIdInput(const Digest& parent_chain, const Digest& diff_id);
Digest NextChainId(const std::optional<Digest>& parent_chain, const Digest& diff_id);
std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids);

}  // namespace ubuild::store
