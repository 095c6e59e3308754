#pragma once
// What a HEAD on a resolve URL means (huggingface_hub get_hf_file_metadata): the commit, the blob
// name (etag) and size of a file, and where its bytes are. Pure functions over a response.
#include <string>
#include <string_view>

#include "hub/hub_client.hpp"
#include "hub/http_message.hpp"
#include "hub/url.hpp"

namespace hfcache::hub {

// huggingface_hub _normalize_etag: drop leading 'W' and '/' characters, then surrounding quotes.
std::string normalize_etag(std::string_view etag);

// Read the final HEAD response of `requested` (after relative redirects): X-Repo-Commit; X-Linked-Etag
// else ETag; X-Linked-Size else Content-Length unless the response is a redirect; Location (resolved)
// for a redirect, else `requested`. Throws OfflineError when commit, etag or size is missing or
// malformed: the endpoint does not answer like the hub (a proxy or captive portal).
FileMetadata metadata_from_head(const HttpResponse& response, const Url& requested);

}  // namespace hfcache::hub
