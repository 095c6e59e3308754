#pragma once
// refs/<revision>: the commit a branch or tag points at, 40 hex with no newline (huggingface_hub
// readers do not strip, so a trailing newline breaks them).
#include <optional>
#include <string>
#include <string_view>

#include "core/cache_layout.hpp"

namespace hfcache::core {

// The commit of `revision` from refs/, or the revision itself when it is a commit hash.
// Tolerates CRLF and spaces (copied caches), which repair rewrites clean.
std::optional<std::string> read_ref(const CacheLayout& layout, const RepoRef& repo, std::string_view revision);

// Atomically write refs/<revision> = commit, unless it already holds exactly that.
void write_ref(const CacheLayout& layout, const RepoRef& repo, std::string_view revision, std::string_view commit);

}  // namespace hfcache::core
