#pragma once
// The two spellings of an image reference that archives use: the familiar
// form the store and manifest.json's RepoTags keep ("hello:latest",
// "me/app:1") and the fully qualified form of OCI annotations
// ("docker.io/library/hello:latest"), by Docker's rules: the first path
// component is a registry host when it holds '.' or ':' or is "localhost";
// otherwise the registry is docker.io, and a one-component official name
// lives under "library/".
#include <string>
#include <utility>

namespace ubuild::store {

// "name:tag" -> {"name", "tag"}; the tag is whatever follows the last ':'
// after the last '/'; empty when there is none.
std::pair<std::string, std::string> SplitNameTag(const std::string& ref);
std::string FullyQualifiedReference(const std::string& familiar);
std::string FamiliarReference(const std::string& any);

}  // namespace ubuild::store
