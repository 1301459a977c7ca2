#pragma once
// The terminals of Docker's reference grammar (distribution/reference), one
// definition for the store's names (reference_store) and the registry
// client's references (registry/image_reference).
#include <string_view>

namespace ubuild::store {

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | __ | -+
bool IsPathComponent(std::string_view s);
// path := path-component ('/' path-component)*
bool IsPath(std::string_view path);
// domain := (domain-name | '[' IPv6 ']') [':' port-number]
bool IsDomain(std::string_view d);
// tag := [\w][\w.-]{0,127}
bool IsTag(std::string_view t);
// 64 lowercase hex digits: an image id written without "sha256:"
bool IsHex64(std::string_view s);

}  // namespace ubuild::store
