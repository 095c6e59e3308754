#pragma once
// The libcurl handles a thread uses for one HttpTransport: a multi handle (it holds the connection
// cache, so keep-alive connections and TLS sessions are reused from one request to the next) and an
// easy handle reset before each request. Internal to hub/ (http_transport.cpp); keeps curl.h out
// of every other header.
#include <curl/curl.h>

#include <memory>

namespace hfcache::http {

struct CurlSession {
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
  CurlSession();
  ~CurlSession();
  CurlSession(const CurlSession&) = delete;
  CurlSession& operator=(const CurlSession&) = delete;
};

// Once per process, before the first handle (curl_global_init is thread-safe in Debian's libcurl,
// built "threadsafe", but running it once keeps it cheap).
void ensure_curl_initialised();

// The calling thread's session for the transport `owner` identifies, created on first use. Entries
// whose owner has expired are dropped; at most a few are kept per thread.
std::shared_ptr<CurlSession> session_for(const std::shared_ptr<const int>& owner);

// Drop the calling thread's session of `owner` (the transport is being destroyed).
void forget_session(const std::shared_ptr<const int>& owner);

}  // namespace hfcache::http
