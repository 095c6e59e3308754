#pragma once
// ETags as clients write them back: huggingface_hub's normalisation (drop a leading weak marker
// and the quotes) and If-None-Match matching (RFC 9110 section 13.1.2, weak comparison, "*").
#include <string>
#include <string_view>

namespace hfcache::http {

// huggingface_hub _normalize_etag: drop leading 'W' and '/' characters, then surrounding quotes.
std::string normalize_etag(std::string_view etag);

// True if an If-None-Match value names `etag` (quoted or not, weak or not, or "*").
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace hfcache::http
