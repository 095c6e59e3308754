#pragma once
// Parsing of the hub's JSON API answers (revision info, tree listing pages). Pure; throws
// OfflineError when a body is not what the hub sends (a proxy or captive portal answered).
#include <string>
#include <string_view>
#include <vector>

#include "hub/hub_client.hpp"

namespace hfcache::hub {

// The 40-hex `sha` of GET /api/{type}s/{id}/revision/{rev}. `source` names the URL in messages.
std::string parse_revision_sha(std::string_view body, std::string_view source);

// `private` and `gated` of a repo info answer (GET /api/{type}s/{id}): `gated` is false, "auto" or
// "manual". A missing field counts as not restricted; a body that is not a JSON object is an error.
HubClient::Visibility parse_visibility(std::string_view body, std::string_view source);

// GET /api/{type}s/{id}/refs: every list present; items without a 40-hex targetCommit are skipped.
RepoRefs parse_refs(std::string_view body, std::string_view source);

// The file entries of one tree page (a JSON array); directories and unknown types are skipped,
// `xetHash` ignored. LFS files get lfs_sha256 from `lfs.oid`.
std::vector<RemoteFile> parse_tree_page(std::string_view body, std::string_view source);

}  // namespace hfcache::hub
