#include "http/curl_session.hpp"

#include <algorithm>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

namespace hfcache::http {
namespace {

// Transports a thread keeps handles for at once: the hub client, the CLI's daemon clients, slack.
constexpr std::size_t max_sessions_per_thread = 8;

struct CachedSession {
  std::weak_ptr<const int> owner;
  // Shared with the request in flight, so evicting an entry never frees handles under it.
  std::shared_ptr<CurlSession> session;
  std::uint64_t last_used = 0;
};

struct SessionCache {
  std::vector<CachedSession> entries;
  std::uint64_t clock = 0;
};

thread_local SessionCache t_sessions;

}  // namespace

void ensure_curl_initialised() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("libcurl cannot be initialised");
  });
}

CurlSession::CurlSession() : multi(curl_multi_init()), easy(curl_easy_init()) {
  if (multi == nullptr || easy == nullptr) {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (multi != nullptr) curl_multi_cleanup(multi);
    throw std::bad_alloc();
  }
}

CurlSession::~CurlSession() {
  curl_easy_cleanup(easy);
  curl_multi_cleanup(multi);
}

std::shared_ptr<CurlSession> session_for(const std::shared_ptr<const int>& owner) {
  auto& cache = t_sessions;
  std::erase_if(cache.entries, [](const CachedSession& entry) { return entry.owner.expired(); });
  ++cache.clock;
  for (auto& entry : cache.entries) {
    if (entry.owner.lock() == owner) {
      entry.last_used = cache.clock;
      return entry.session;
    }
  }
  if (cache.entries.size() >= max_sessions_per_thread) {
    auto oldest = std::min_element(cache.entries.begin(), cache.entries.end(),
                                   [](const auto& a, const auto& b) { return a.last_used < b.last_used; });
    cache.entries.erase(oldest);
  }
  cache.entries.push_back({owner, std::make_shared<CurlSession>(), cache.clock});
  return cache.entries.back().session;
}

void forget_session(const std::shared_ptr<const int>& owner) {
  std::erase_if(t_sessions.entries, [&](const CachedSession& entry) {
    return entry.owner.expired() || entry.owner.lock() == owner;
  });
}

}  // namespace hfcache::http
