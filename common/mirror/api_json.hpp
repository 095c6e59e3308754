#pragma once
// The JSON bodies of the hub's metadata endpoints, built from a commit's listing and the cache's
// refs (docs/hub-protocol.md "JSON endpoints", "Recorded values"): repo info with complete siblings, tree and
// paths-info entries, refs. No xetHash anywhere: clients must fetch bytes through the mirror.
#include <cstdint>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/repo_id.hpp"
#include "hub/hub_client.hpp"
#include "mirror/repo_listing.hpp"

namespace hfcache::mirror {

// Size of the LFS pointer file for content of `size` bytes (what the hub reports as pointerSize).
std::uint64_t lfs_pointer_size(std::uint64_t size);

// "2024-02-19T11:06:12.000Z", the hub's timestamp shape.
std::string iso8601(std::time_t when);

// What a repo info answer says about the revision besides its files.
struct RevisionFacts {
  std::string commit;
  std::string last_modified;  // iso8601
};

// GET /api/{type}s/{id}[/revision/{rev}]; `blobs` adds size, blobId and lfs to every sibling.
nlohmann::json repo_info_json(const core::RepoRef& repo, const RevisionFacts& facts, const RepoListing& listing,
                              bool blobs);

// One entry of GET /tree or POST /paths-info; `expand` adds lastCommit.
nlohmann::json tree_item_json(const ListingItem& item, const RevisionFacts& facts, bool expand);

// The refs/ folder (name -> commit) in the hub's refs shape: refs/pr/N are pull requests,
// refs/convert/X converts, names in `known_tags` tags, every other name a branch (the cache alone
// cannot tell a tag from a branch: both are files under refs/).
hub::RepoRefs refs_from_cache(const std::map<std::string, std::string>& refs, const std::set<std::string>& known_tags);

// GET /api/{type}s/{id}/refs; pullRequests only with include_prs, as the hub does.
nlohmann::json refs_json(const hub::RepoRefs& refs, bool include_prs);

}  // namespace hfcache::mirror
