#pragma once
// "Did you mean …?" for a mistyped word (a command, a Dockerfile
// instruction, a build stage): the candidates nearest to a word by
// optimal-string-alignment distance (Levenshtein plus the swap of two
// neighbours, the commonest typo: "imgaes"), compared case-insensitively.
#include <string>
#include <string_view>
#include <vector>

namespace ubuild {

// Edits (insert, delete, substitute, swap neighbours) that turn a into b.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidates at the smallest distance from `word` if it is at most
// kMaxSuggestionDistance and at most half the word's length (so "im" is not
// "rmi"), else the candidates `word` is a prefix of ("im" -> import, images);
// in candidate order. Empty when nothing is close or the word is empty.
constexpr size_t kMaxSuggestionDistance = 2;
std::vector<std::string> NearestWords(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace ubuild
