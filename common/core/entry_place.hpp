#pragma once
// Where a snapshot entry (or blob) really leads, by the one rule every reader of the cache applies:
// an entry counts only when it resolves inside its repo folder, or inside the shared blob store of
// newer huggingface_hub (<cache>/blobs, hub-protocol.md 8.14). A link out of the cache (planted to
// /etc/passwd, or left by a copy from another machine) is never served nor handed out as a path.
#include <filesystem>
#include <string>

#include "core/cache_layout.hpp"

namespace hfcache::core {

enum class EntryPlace {
  absent,    // nothing at that path
  dangling,  // a link that leads nowhere
  inside,    // resolves inside the repo folder or the shared blob store
  outside,   // resolves somewhere else
};

struct ResolvedEntry {
  EntryPlace place = EntryPlace::absent;
  std::string real;  // the resolved path (inside and outside only)
};

ResolvedEntry resolve_entry(const CacheLayout& layout, const RepoRef& repo, const std::filesystem::path& entry);

}  // namespace hfcache::core
