#include "api/pull_request_json.hpp"

#include <nlohmann/json.hpp>

#include "api/repo_field.hpp"
#include "core/revision.hpp"

namespace hfcache::api {

nlohmann::json to_json(const pull::PullRequest& request) {
  nlohmann::json j = nlohmann::json::object();
  write_repo_field(j, request.repo);
  j["revision"] = request.revision;
  j["include"] = request.include;
  j["exclude"] = request.exclude;
  return j;
}

pull::PullRequest read_pull_request(ObjectReader& reader) {
  auto parsed = read_repo_field(reader, true);
  pull::PullRequest request;
  request.repo = parsed.repo;
  request.revision = reader.string("revision").value_or(parsed.revision.value_or(std::string(core::default_revision)));
  core::validate_revision(request.revision);
  request.include = reader.strings("include");
  request.exclude = reader.strings("exclude");
  return request;
}

std::string pull_identity(const pull::PullRequest& request) {
  std::string k = request.repo.folder_name() + "\n" + request.revision + "\n";
  for (const auto& i : request.include) k += "+" + i + "\n";
  for (const auto& e : request.exclude) k += "-" + e + "\n";
  return k;
}

}  // namespace hfcache::api
