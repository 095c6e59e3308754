#include "access/restriction.hpp"

namespace hfcache::access {

std::string_view restriction_name(Restriction r) {
  switch (r) {
    case Restriction::open: return "public";
    case Restriction::gated: return "gated";
    case Restriction::private_repo: return "private";
    case Restriction::unknown: break;
  }
  return "unknown";
}

Restriction restriction_from_name(std::string_view name) {
  if (name == "public") return Restriction::open;
  if (name == "gated") return Restriction::gated;
  if (name == "private") return Restriction::private_repo;
  return Restriction::unknown;
}

}  // namespace hfcache::access
