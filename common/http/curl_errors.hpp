#pragma once
// What a failed libcurl transfer means for the retry policy and for the user: a CURLcode mapped to
// a TransportError kind, with a message naming the host (and the proxy, when one was set), what
// happened and what to do. Internal to hub/ (http_transport.cpp).
#include <curl/curl.h>

#include <string>

#include "http/http_transport.hpp"

namespace hfcache::http {

struct FailedTransfer {
  CURLcode code = CURLE_OK;
  CURL* easy = nullptr;         // for the TLS verify result and the proxy's CONNECT status
  const char* curl_detail = "";  // curl's error buffer (names hosts and ports, never credentials)
  std::string host;             // host:port of the target
  std::string proxy;            // host:port of the proxy set for this request; empty = none
};

TransportError describe_failure(const FailedTransfer& failure, const TransportOptions& options);

// "300 ms", "2 s".
std::string duration_text(std::chrono::milliseconds ms);

}  // namespace hfcache::http
