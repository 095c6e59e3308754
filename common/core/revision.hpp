#pragma once
// Revisions: branches, tags, 40-hex commits and refs/pr/N, validated before any network or disk work.
#include <string>
#include <string_view>

namespace hfcache::core {

inline constexpr std::string_view default_revision = "main";

// A full lowercase 40-hex commit id (huggingface_hub REGEX_COMMIT_HASH).
bool is_commit_hash(std::string_view text);
// A 40-hex sha1 or 64-hex sha256 in lowercase: what a blob may be named.
bool is_etag(std::string_view text);

// Throw UsageError unless `rev` is a commit, refs/pr/N or a git-valid branch or tag name that is
// safe to use as a path below refs/ (no "..", no control characters, no backslash, ...).
void validate_revision(std::string_view rev);

}  // namespace hfcache::core
