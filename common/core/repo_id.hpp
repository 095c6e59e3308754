#pragma once
// Repo identity: type + id, validated by the hub's own rules, and its cache folder name.
#include <optional>
#include <string>
#include <string_view>

namespace hfcache::core {

enum class RepoType { model, dataset, space };

// "model" / "dataset" / "space"; throws UsageError on anything else.
RepoType parse_repo_type(std::string_view text);
std::string_view to_string(RepoType type);
// "models" / "datasets" / "spaces": the API segment and the cache folder prefix.
std::string_view plural(RepoType type);

struct RepoRef {
  RepoType type = RepoType::model;
  std::string id;  // "org/name" or a legacy "name"

  // models--org--name (huggingface_hub's repo_folder_name).
  std::string folder_name() const;
  // "" for models, "datasets/" or "spaces/": the URL prefix before the id on resolve URLs.
  std::string_view url_prefix() const;
  // "hfl/rbt3", "datasets/org/name": how users write it, for messages.
  std::string display() const;
  bool operator==(const RepoRef&) const = default;
};

struct ParsedRepoArg {
  RepoRef repo;
  std::optional<std::string> revision;  // from ".../tree/REV" URLs or "REPO@REV"
};

// True if `id` is a valid hub repo id: an optional namespace and a name of 1-96 characters from
// [A-Za-z0-9_.-], each starting and ending with a letter, digit or '_', no "--" or "..", not ending
// in ".git" (huggingface_hub validate_repo_id).
bool is_valid_repo_id(std::string_view id);

// Parse every form users type: org/name, name, datasets/org/name, spaces/org/name, hub URLs
// (https://huggingface.co/org/name[/tree/REV]). `type_flag` is the --type value, if any.
// `allow_at_revision` accepts REPO@REV (export, rm, pin). Throws UsageError naming what is wrong.
ParsedRepoArg parse_repo_arg(std::string_view arg, std::optional<RepoType> type_flag = std::nullopt,
                             bool allow_at_revision = false);

// Inverse of folder_name(); nullopt for anything that is not a repo folder.
std::optional<RepoRef> repo_from_folder_name(std::string_view folder);

}  // namespace hfcache::core
