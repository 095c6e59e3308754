#include "api/repo_field.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace hfcache::api {

void write_repo_field(nlohmann::json& object, const core::RepoRef& repo) {
  object["repo"] = repo.id;
  object["type"] = core::to_string(repo.type);
}

std::optional<core::ParsedRepoArg> read_optional_repo_field(ObjectReader& reader, bool allow_at_revision) {
  auto repo = reader.string("repo");
  std::optional<core::RepoType> type;
  if (auto t = reader.string("type")) type = core::parse_repo_type(*t);
  if (!repo) return std::nullopt;
  return core::parse_repo_arg(*repo, type, allow_at_revision);
}

core::ParsedRepoArg read_repo_field(ObjectReader& reader, bool allow_at_revision) {
  auto parsed = read_optional_repo_field(reader, allow_at_revision);
  if (!parsed) throw UsageError("'repo' is missing", "give repo=org/name");
  return *parsed;
}

void write_repo_id(nlohmann::json& object, const core::RepoRef& repo) {
  object["type"] = core::to_string(repo.type);
  object["id"] = repo.id;
}

core::RepoRef read_repo_id(ObjectReader& reader) {
  auto type = reader.string("type");
  auto id = reader.string("id");
  if (!type || !id) throw UsageError("the answer names no repo ('type' and 'id')");
  return {core::parse_repo_type(*type), *id};
}

}  // namespace hfcache::api
