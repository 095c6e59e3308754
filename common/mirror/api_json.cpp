#include "mirror/api_json.hpp"

#include "util/hash.hpp"

namespace hfcache::mirror {
namespace {

// "version https://git-lfs.github.com/spec/v1\n" + "oid sha256:<64 hex>\n" + "size " + "\n".
constexpr std::uint64_t lfs_pointer_fixed_bytes = 43 + 76 + 6;

// A stable 40-hex id for objects the cache does not record (folder tree ids, the repo's _id).
std::string derived_id(std::string_view seed) {
  util::Hasher sha1(util::HashKind::sha1);
  sha1.update(seed);
  return sha1.hex_digest();
}

nlohmann::json lfs_json(const core::TreeEntry& file, const char* hash_key) {
  return {{hash_key, *file.lfs_sha256}, {"size", file.size}, {"pointerSize", lfs_pointer_size(file.size)}};
}

}  // namespace

std::uint64_t lfs_pointer_size(std::uint64_t size) {
  return lfs_pointer_fixed_bytes + std::to_string(size).size();
}

std::string iso8601(std::time_t when) {
  std::tm tm{};
  gmtime_r(&when, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

nlohmann::json repo_info_json(const core::RepoRef& repo, const RevisionFacts& facts, const RepoListing& listing,
                              bool blobs) {
  auto siblings = nlohmann::json::array();
  for (const auto& f : listing.files()) {
    nlohmann::json s = {{"rfilename", f.path}};
    if (blobs) {
      s["size"] = f.size;
      s["blobId"] = f.blob_id;
      if (f.lfs_sha256) s["lfs"] = lfs_json(f, "sha256");
    }
    siblings.push_back(std::move(s));
  }
  auto slash = repo.id.find('/');
  nlohmann::json info = {
      {"_id", derived_id("repo:" + repo.display()).substr(0, 24)},
      {"id", repo.id},
      {"private", false},
      {"gated", false},
      {"disabled", false},
      {"sha", facts.commit},
      {"lastModified", facts.last_modified},
      {"createdAt", facts.last_modified},
      {"tags", nlohmann::json::array()},
      {"downloads", 0},
      {"likes", 0},
      {"siblings", std::move(siblings)},
  };
  if (slash != std::string::npos) info["author"] = repo.id.substr(0, slash);
  if (repo.type == core::RepoType::model) info["modelId"] = repo.id;
  return info;
}

nlohmann::json tree_item_json(const ListingItem& item, const RevisionFacts& facts, bool expand) {
  if (item.is_folder()) {
    return {{"type", "directory"}, {"oid", derived_id("tree:" + facts.commit + ":" + item.path)}, {"size", 0},
            {"path", item.path}};
  }
  const auto& f = *item.file;
  nlohmann::json entry = {{"type", "file"}, {"oid", f.blob_id}, {"size", f.size}, {"path", f.path}};
  if (f.lfs_sha256) entry["lfs"] = lfs_json(f, "oid");
  if (expand) entry["lastCommit"] = {{"id", facts.commit}, {"title", ""}, {"date", facts.last_modified}};
  return entry;
}

hub::RepoRefs refs_from_cache(const std::map<std::string, std::string>& refs, const std::set<std::string>& known_tags) {
  hub::RepoRefs out;
  for (const auto& [name, commit] : refs) {
    if (name.starts_with("refs/pr/")) out.pull_requests.push_back({name, name, commit});
    else if (name.starts_with("refs/convert/")) out.converts.push_back({name.substr(13), name, commit});
    else if (known_tags.count(name)) out.tags.push_back({name, "refs/tags/" + name, commit});
    else out.branches.push_back({name, "refs/heads/" + name, commit});
  }
  return out;
}

nlohmann::json refs_json(const hub::RepoRefs& refs, bool include_prs) {
  auto items = [](const std::vector<hub::GitRef>& list) {
    auto out = nlohmann::json::array();
    for (const auto& r : list) out.push_back({{"name", r.name}, {"ref", r.ref}, {"targetCommit", r.target_commit}});
    return out;
  };
  nlohmann::json out = {{"branches", items(refs.branches)}, {"converts", items(refs.converts)}, {"tags", items(refs.tags)}};
  if (include_prs) out["pullRequests"] = items(refs.pull_requests);
  return out;
}

}  // namespace hfcache::mirror
