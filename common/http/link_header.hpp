#pragma once
// RFC 8288 `Link` response headers, as the hub uses them for pagination
// (`<https://huggingface.co/api/...&cursor=...>; rel="next"`). Pure parsing; no I/O.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hfcache::http {

struct LinkEntry {
  std::string url;  // as written between < and >, not resolved
  std::string rel;  // the rel parameter, unquoted; may hold several space-separated values
};

// Parse every comma-separated entry of a Link header value; malformed entries are skipped.
std::vector<LinkEntry> parse_link_header(std::string_view value);

// The URL of the first entry whose rel includes `rel` (case-insensitive), if any.
std::optional<std::string> find_link(std::string_view value, std::string_view rel);

}  // namespace hfcache::http
