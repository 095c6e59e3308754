#pragma once
// How huggingface_hub turns a revision into a commit offline (docs/cache-layout.md "Reading the cache offline"): a 40-hex
// revision is the commit; anything else (branch, tag, refs/pr/N) is the exact content of
// refs/<revision>, read without stripping, so a ref with CRLF or spaces leads nowhere and a branch or
// tag without a ref file cannot be resolved at all.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/cache_layout.hpp"

namespace hfcache::doctor {

enum class RefKind {
  commit_given,  // the revision is a 40-hex commit: no ref needed
  ok,            // refs/<revision> holds exactly 40 lowercase hex
  missing,       // no refs/<revision>
  untrimmed,     // a commit with CRLF, newline or spaces around it (huggingface_hub does not strip)
  malformed,     // anything else
};

struct RefState {
  RefKind kind = RefKind::missing;
  std::string commit;  // the commit (also for untrimmed: what repair will leave)
  std::string raw;     // the ref file's content, as read
  // Other refs of the repo (name -> content trimmed), to say what the cache does have.
  std::map<std::string, std::string> other_refs;
  // The full commit a short hash stands for, when exactly one snapshot folder starts with it.
  std::optional<std::string> expanded_short_hash;
};

RefState inspect_ref(const core::CacheLayout& layout, const core::RepoRef& repo, std::string_view revision);

}  // namespace hfcache::doctor
