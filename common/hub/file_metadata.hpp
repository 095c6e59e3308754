#pragma once
// What a HEAD on a resolve URL means (huggingface_hub get_hf_file_metadata): the commit, the blob
// name (etag) and size of a file, and where its bytes are. Pure functions over a response.
#include <string>
#include <string_view>

#include "hub/hub_client.hpp"
#include "http/http_message.hpp"
#include "http/url.hpp"

namespace hfcache::hub {


// Read the final HEAD response of `requested` (after relative redirects): X-Repo-Commit; X-Linked-Etag
// else ETag; X-Linked-Size else Content-Length unless the response is a redirect; Location (resolved)
// for a redirect, else `requested`. Throws OfflineError when commit, etag or size is missing or
// malformed: the endpoint does not answer like the hub (a proxy or captive portal).
FileMetadata metadata_from_head(const http::HttpResponse& response, const http::Url& requested);

}  // namespace hfcache::hub
