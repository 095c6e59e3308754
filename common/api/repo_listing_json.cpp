#include "api/repo_listing_json.hpp"

#include <nlohmann/json.hpp>

namespace hfcache::api {

using index::IndexedRepo;
using index::IndexedRevision;
using nlohmann::json;

namespace {

json revision_json(const IndexedRevision& r) {
  json out = {{"commit", r.commit}, {"refs", r.refs},   {"files", r.files}, {"size", r.size},
              {"last_access", r.last_access}, {"pinned", r.pinned}, {"last_modified", r.last_modified},
              {"missing_files", r.missing_files}};
  if (r.expected_files) out["expected_files"] = *r.expected_files;  // what `hfcache show` reports as completeness
  json files = json::array();
  for (const auto& f : r.file_list) files.push_back({{"path", f.path}, {"blob", f.blob}, {"size", f.size}, {"ok", f.ok}});
  out["file_list"] = files;
  return out;
}

}  // namespace

json repo_summary_json(const IndexedRepo& r) {
  return {{"type", core::to_string(r.repo.type)}, {"id", r.repo.id},         {"size", r.size},
          {"blobs", r.blob_count},               {"revisions", r.revisions.size()}, {"refs", r.refs},
          {"last_access", r.last_access},        {"last_modified", r.last_modified}};
}

json repo_detail_json(const IndexedRepo& r) {
  json revisions = json::array();
  for (const auto& rev : r.revisions) revisions.push_back(revision_json(rev));
  return {{"type", core::to_string(r.repo.type)}, {"id", r.repo.id}, {"size", r.size},
          {"blobs", r.blob_count},               {"refs", r.refs}, {"revisions", revisions},
          {"last_access", r.last_access},        {"last_modified", r.last_modified}};
}

IndexedRepo repo_from_json(const json& j) {
  IndexedRepo r;
  r.repo.type = core::parse_repo_type(j.at("type").get<std::string>());
  r.repo.id = j.at("id").get<std::string>();
  r.size = j.value("size", std::uint64_t{0});
  r.blob_count = j.value("blobs", std::size_t{0});
  r.refs = j.value("refs", std::map<std::string, std::string>{});
  r.last_access = j.value("last_access", std::int64_t{0});
  r.last_modified = j.value("last_modified", std::int64_t{0});
  const auto& revs = j.contains("revisions") ? j["revisions"] : json();
  if (revs.is_number_unsigned()) r.revisions.resize(revs.get<std::size_t>());
  if (!revs.is_array()) return r;
  for (const auto& rj : revs) {
    IndexedRevision v;
    v.commit = rj.value("commit", "");
    v.refs = rj.value("refs", std::vector<std::string>{});
    v.files = rj.value("files", std::size_t{0});
    v.size = rj.value("size", std::uint64_t{0});
    v.last_access = rj.value("last_access", std::int64_t{0});
    v.last_modified = rj.value("last_modified", std::int64_t{0});
    v.pinned = rj.value("pinned", false);
    if (rj.contains("expected_files") && rj["expected_files"].is_number()) {
      v.expected_files = rj["expected_files"].get<std::size_t>();
      v.missing_files = rj.value("missing_files", std::size_t{0});
    }
    for (const auto& f : rj.value("file_list", json::array()))
      v.file_list.push_back({f.value("path", ""), f.value("blob", ""), f.value("size", std::uint64_t{0}), f.value("ok", true)});
    r.revisions.push_back(std::move(v));
  }
  return r;
}

json repo_list_json(const std::vector<IndexedRepo>& repos) {
  json list = json::array();
  for (const auto& r : repos) list.push_back(repo_summary_json(r));
  return {{"repos", std::move(list)}};
}

std::vector<IndexedRepo> repo_list_from_json(const json& j) {
  std::vector<IndexedRepo> out;
  for (const auto& r : j.at("repos")) out.push_back(repo_from_json(r));
  return out;
}

}  // namespace hfcache::api
