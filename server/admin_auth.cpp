#include "admin_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "api/routes.hpp"
#include "http/bearer_token.hpp"
#include "daemon_context.hpp"

namespace hfcache::server {

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Compare digests, so neither the length nor the content of the token leaks through timing.
  unsigned char da[SHA256_DIGEST_LENGTH], db[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), da);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), db);
  return CRYPTO_memcmp(da, db, sizeof da) == 0 && a.size() == b.size();
}

bool is_admin_call(std::string_view method, std::string_view path) {
  if (!path.starts_with("/v1/")) return false;
  if (method == "DELETE") return true;
  // POST /v1/verify only reads; every other POST changes the cache.
  return method == "POST" && path != api::routes::verify;
}

namespace {

// "host:port" or "[v6]:port" or "host" -> the host part.
std::string_view host_name(std::string_view host) {
  if (host.starts_with('[')) return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.rfind(':') == std::string_view::npos ? host.size() : host.rfind(':'));
}

bool loopback_name(std::string_view name) {
  return name == "localhost" || name == "[::1]" || name.starts_with("127.");
}

}  // namespace

bool looks_cross_site(const Runtime& runtime, std::string_view host, std::string_view origin,
                      std::string_view sec_fetch_site) {
  if (sec_fetch_site == "cross-site" || sec_fetch_site == "same-site") return true;
  if (!origin.empty()) {
    auto scheme_end = origin.find("://");
    if (scheme_end == std::string_view::npos || origin.substr(scheme_end + 3) != host) return true;
  }
  return runtime.loopback_only && !host.empty() && !loopback_name(host_name(host));
}

AdminDecision check_admin(const Runtime& runtime, std::string_view authorization) {
  if (runtime.admin_token.empty())
    return runtime.loopback_only ? AdminDecision::allowed : AdminDecision::no_token_configured;
  if (authorization.empty()) return AdminDecision::missing_token;
  auto token = http::bearer_token(authorization);
  if (token.empty()) return AdminDecision::wrong_token;
  return constant_time_equal(token, runtime.admin_token) ? AdminDecision::allowed : AdminDecision::wrong_token;
}

}  // namespace hfcache::server
