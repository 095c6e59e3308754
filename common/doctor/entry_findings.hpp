#pragma once
// Plain words for what an inspected snapshot entry means to a loader, and the commands that fix it.
#include <optional>
#include <string>
#include <string_view>

#include "core/repo_id.hpp"
#include "doctor/diagnosis.hpp"
#include "doctor/entry_inspection.hpp"

namespace hfcache::doctor {

// The hfcache commands a fix names, spelt for this repo, revision and cache.
struct FixCommands {
  core::RepoRef repo;
  std::string revision;
  std::string suffix;  // " --cache-dir DIR" or ""

  std::string pull() const;
  std::string pull_file(std::string_view path) const;  // pull --include PATH
  std::string repair() const;
  std::string repair_verify() const;
};

// Quote `text` for a POSIX shell when it needs it.
std::string shell_quote(std::string_view text);

// The finding for an entry that does not load (or loads but is damaged); nullopt for a correct link
// or copy. `blocks` is left 0: the caller knows which loaders need the file.
std::optional<Finding> entry_finding(const EntryState& state, std::string_view path,
                                     const std::optional<ExpectedFile>& expected, const FixCommands& fix);

}  // namespace hfcache::doctor
