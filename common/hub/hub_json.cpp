#include "hub/hub_json.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/revision.hpp"
#include "http/url.hpp"

namespace hfcache::hub {
namespace {

[[noreturn]] void unexpected(std::string_view source, const std::string& what) {
  throw OfflineError("the endpoint does not answer like the Hugging Face Hub (a proxy or captive portal?): " + what +
                         " from " + http::redact_url(source),
                     "check HF_ENDPOINT / the endpoint setting and any proxy");
}

nlohmann::json parse(std::string_view body, std::string_view source) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) unexpected(source, "invalid JSON");
  return json;
}

std::string string_field(const nlohmann::json& object, const char* key, std::string_view source) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) unexpected(source, std::string("an entry without a string '") + key + "'");
  return it->get<std::string>();
}

}  // namespace

std::string parse_revision_sha(std::string_view body, std::string_view source) {
  auto json = parse(body, source);
  if (!json.is_object()) unexpected(source, "a revision answer that is not a JSON object");
  auto sha = string_field(json, "sha", source);
  if (!core::is_commit_hash(sha)) unexpected(source, "a 'sha' that is not a 40-hex commit id");
  return sha;
}

HubClient::Visibility parse_visibility(std::string_view body, std::string_view source) {
  auto json = parse(body, source);
  if (!json.is_object()) unexpected(source, "a repo info answer that is not a JSON object");
  HubClient::Visibility v;
  if (auto it = json.find("private"); it != json.end() && it->is_boolean()) v.is_private = it->get<bool>();
  if (auto it = json.find("gated"); it != json.end())
    v.gated = it->is_string() ? !it->get<std::string>().empty() : (it->is_boolean() && it->get<bool>());
  return v;
}

RepoRefs parse_refs(std::string_view body, std::string_view source) {
  auto json = parse(body, source);
  if (!json.is_object()) unexpected(source, "a refs answer that is not a JSON object");
  RepoRefs refs;
  auto read = [&](const char* key, std::vector<GitRef>& out) {
    auto list = json.find(key);
    if (list == json.end() || !list->is_array()) return;
    for (const auto& item : *list) {
      if (!item.is_object()) continue;
      auto field = [&](const char* name) {
        auto it = item.find(name);
        return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      GitRef ref{field("name"), field("ref"), field("targetCommit")};
      if (ref.name.empty() || !core::is_commit_hash(ref.target_commit)) continue;
      out.push_back(std::move(ref));
    }
  };
  read("branches", refs.branches);
  read("converts", refs.converts);
  read("tags", refs.tags);
  read("pullRequests", refs.pull_requests);
  return refs;
}

std::vector<RemoteFile> parse_tree_page(std::string_view body, std::string_view source) {
  auto json = parse(body, source);
  if (!json.is_array()) unexpected(source, "a tree listing that is not a JSON array");
  std::vector<RemoteFile> files;
  files.reserve(json.size());
  for (const auto& entry : json) {
    if (!entry.is_object()) unexpected(source, "a tree entry that is not an object");
    auto type = entry.find("type");
    if (type == entry.end() || !type->is_string() || type->get<std::string>() != "file") continue;
    RemoteFile file;
    file.path = string_field(entry, "path", source);
    file.oid = string_field(entry, "oid", source);
    auto size = entry.find("size");
    if (size == entry.end() || !size->is_number_unsigned()) unexpected(source, "a file entry without a size");
    file.size = size->get<std::uint64_t>();
    if (auto lfs = entry.find("lfs"); lfs != entry.end() && lfs->is_object()) {
      file.lfs_sha256 = string_field(*lfs, "oid", source);
    }
    if (file.path.empty()) unexpected(source, "a file entry with an empty path");
    files.push_back(std::move(file));
  }
  return files;
}

}  // namespace hfcache::hub
