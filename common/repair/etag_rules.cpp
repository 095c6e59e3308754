#include "repair/etag_rules.hpp"

#include <array>

namespace hfcache::repair {
std::string_view to_string(EtagSource source) {
  switch (source) {
    case EtagSource::listing: return "listing";
    case EtagSource::known_blob: return "known blob";
    case EtagSource::lfs_rule: return "sha256 (LFS by the hub's rules)";
    case EtagSource::git_rule: return "git blob sha1 (not LFS by the hub's rules)";
  }
  return "?";
}

std::optional<EtagChoice> choose_etag(const ContentHashes& content, std::string_view path_in_repo,
                                      const std::optional<std::string>& listed,
                                      const std::function<bool(const std::string&)>& known) {
  if (listed) {
    if (!names_content(*listed, content)) return std::nullopt;
    return EtagChoice{*listed, EtagSource::listing};
  }
  if (known && known(content.sha256)) return EtagChoice{content.sha256, EtagSource::known_blob};
  if (known && known(content.git_sha1)) return EtagChoice{content.git_sha1, EtagSource::known_blob};
  if (core::stored_in_lfs(path_in_repo, content.size)) return EtagChoice{content.sha256, EtagSource::lfs_rule};
  return EtagChoice{content.git_sha1, EtagSource::git_rule};
}

}  // namespace hfcache::repair
