#pragma once
// Whether the hub restricts a repo, as its repo info says (`private`, `gated`). A repo whose status
// was never learnt is `unknown` and treated as restricted (answered as private: nothing leaks).
#include <optional>
#include <string>
#include <string_view>

namespace hfcache::access {

enum class Restriction { unknown, open, gated, private_repo };

std::string_view restriction_name(Restriction r);  // "unknown", "public", "gated", "private"
Restriction restriction_from_name(std::string_view name);  // unknown for anything else

inline bool restricted(Restriction r) { return r != Restriction::open; }

}  // namespace hfcache::access
