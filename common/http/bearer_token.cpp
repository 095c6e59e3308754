#include "bearer_token.hpp"

#include "util/strings.hpp"

namespace hfcache::http {

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size() || !util::iequals(authorization.substr(0, scheme.size()), scheme)) return {};
  return util::trim(authorization.substr(scheme.size()), " ");
}

}  // namespace hfcache::http
