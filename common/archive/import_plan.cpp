#include "archive/import_plan.hpp"

#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <set>

#include "archive/member_path.hpp"
#include "core/blob_store.hpp"
#include "core/errors.hpp"
#include "core/lfs_pointer.hpp"
#include "core/refs.hpp"
#include "core/revision.hpp"
#include "core/tree_cache.hpp"

namespace hfcache::archive {
namespace fs = std::filesystem;

std::string_view to_string(PlannedRef::Action action) {
  switch (action) {
    case PlannedRef::Action::set: return "set";
    case PlannedRef::Action::unchanged: return "unchanged";
    case PlannedRef::Action::kept: return "kept";
    case PlannedRef::Action::moved: return "moved";
  }
  return "?";
}

std::optional<std::map<std::string, std::string>> parse_tree_listing(const std::string& text) {
  try {
    auto j = nlohmann::json::parse(text);
    if (!j.is_object() || j.value("format_version", 0) != 1 || !j.contains("files") || !j["files"].is_object())
      return std::nullopt;
    std::map<std::string, std::string> out;
    for (const auto& [path, e] : j["files"].items()) {
      core::validate_repo_path(path);
      if (!e.is_object() || !e.contains("size") || !e["size"].is_number_unsigned()) return std::nullopt;
      auto blob_id = e.value("blob_id", std::string());
      if (!core::is_commit_hash(blob_id)) return std::nullopt;
      auto lfs = e.contains("lfs_sha256") && e["lfs_sha256"].is_string() ? e["lfs_sha256"].get<std::string>() : "";
      if (!lfs.empty() && !(lfs.size() == 64 && core::is_etag(lfs))) return std::nullopt;
      out[path] = lfs.empty() ? blob_id : lfs;
    }
    return out;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

namespace {

bool cache_has_blob(const core::CacheLayout& layout, const core::RepoRef& repo, const std::string& etag,
                    std::optional<std::uint64_t> size, std::uint64_t* found_size = nullptr) {
  struct stat st {};
  auto path = layout.blob_path(repo, etag);
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if (found_size) *found_size = static_cast<std::uint64_t>(st.st_size);
  return !size || static_cast<std::uint64_t>(st.st_size) == *size;
}

class Planner {
 public:
  Planner(const core::CacheLayout& layout, bool force_refs) : layout_(layout), force_refs_(force_refs) {}

  PlannedRepo plan_from_manifest(const ManifestRepo& mrepo, RepoInput& input) {
    PlannedRepo out{mrepo.repo, {}, {}, {}, {}, {}, {}, {}, {}};
    for (const auto& [commit, files] : mrepo.revisions) {
      out.commits.push_back(commit);
      bool listing_complete = true;
      std::vector<core::TreeEntry> listing;
      for (const auto& f : files) {
        std::string where = mrepo.repo.display() + "@" + commit.substr(0, 12) + ": " + f.path;
        auto blob = find_blob(input, f.blob, f.size);
        if (!blob)
          refuse("the archive lacks the content of " + where + " (blob " + f.blob + "), and the cache does not have it");
        if (blob->size != f.size)
          throw IntegrityError("the content of " + where + " has " + std::to_string(blob->size) +
                               " bytes, the manifest says " + std::to_string(f.size), "the archive is damaged; nothing was imported");
        if (const auto* c = content_of(input, f.blob); c && c->sha256 != f.sha256)
          throw IntegrityError("the content of " + where + " does not match the sha256 of the manifest",
                               "the archive is damaged; nothing was imported");
        out.blobs.emplace(f.blob, *blob);
        out.links.push_back({commit, f.path, f.blob});
        if (!f.blob_id) listing_complete = false;
        core::TreeEntry e{f.path, f.size, f.blob_id.value_or(""), std::nullopt};
        if (f.blob.size() == 64) e.lfs_sha256 = f.blob;
        listing.push_back(std::move(e));
      }
      plan_tree(out, input, commit, listing_complete ? std::optional(core::render_tree_cache(listing)) : std::nullopt);
    }
    for (const auto& [name, commit] : mrepo.refs) plan_ref(out, name, commit);
    return out;
  }

  PlannedRepo plan_from_members(RepoInput& input, std::vector<std::string>& warnings) {
    PlannedRepo out{input.repo, {}, {}, {}, {}, {}, {}, {}, {}};
    for (auto& [commit, entries] : input.snapshots) {
      out.commits.push_back(commit);
      std::optional<std::map<std::string, std::string>> listing;
      if (auto it = input.trees.find(commit); it != input.trees.end()) listing = parse_tree_listing(it->second);
      for (const auto& [path, entry] : entries) {
        std::string where = input.repo.display() + "@" + commit.substr(0, 12) + ": " + path;
        auto etag = entry_etag(input, commit, path, entry, listing);
        std::optional<PlannedBlob> blob;
        if (!etag.empty()) blob = find_blob(input, etag, std::nullopt);
        if (auto pointer = lfs_pointer_in(input, entry); pointer && (!blob || etag != pointer->sha256)) {
          // The pointer itself is never the file; the real blob only where the archive or cache has it.
          blob = find_blob(input, pointer->sha256, pointer->size);
          if (blob) {
            etag = pointer->sha256;
          } else {
            out.missing.push_back(where);
            out.lfs_pointers.push_back(where);
            warnings.push_back(core::lfs_pointer_explanation(where, *pointer) + " " + input.repo.display() +
                               " --revision " + commit + "; left out");
            continue;
          }
        }
        if (!blob) {
          out.missing.push_back(where);
          warnings.push_back(where + " has no content in the archive or the cache; left out");
          continue;
        }
        out.blobs.emplace(etag, *blob);
        out.links.push_back({commit, path, etag});
      }
      if (auto it = input.trees.find(commit); it != input.trees.end() && listing) plan_tree(out, input, commit, std::nullopt);
    }
    for (const auto& etag : input.blob_members)  // a copied cache's blobs come along, linked or not
      if (!out.blobs.count(etag))
        if (auto blob = find_blob(input, etag, std::nullopt)) out.blobs.emplace(etag, *blob);
    for (const auto& [name, commit] : input.refs) {
      bool known = input.snapshots.count(commit) || fs::is_directory(layout_.snapshot_dir(input.repo, commit));
      if (!known) {
        warnings.push_back(input.repo.display() + ": ref '" + name + "' points at " + commit +
                           ", which neither the archive nor the cache has; left out");
        continue;
      }
      plan_ref(out, name, commit);
    }
    return out;
  }

 private:
  const Content* content_of(RepoInput& input, const std::string& etag) {
    std::string key = etag;
    if (etag.size() == 40) {
      auto it = input.sha1_to_sha256.find(etag);
      if (it == input.sha1_to_sha256.end()) return nullptr;
      key = it->second;
    }
    auto it = input.contents.find(key);
    return it == input.contents.end() ? nullptr : &it->second;
  }

  std::optional<PlannedBlob> find_blob(RepoInput& input, const std::string& etag, std::optional<std::uint64_t> size) {
    PlannedBlob b{etag, 0, {}, false};
    std::uint64_t found = 0;
    if (cache_has_blob(layout_, input.repo, etag, size, &found)) {
      b.size = found;
      b.present = true;
      return b;
    }
    if (const auto* c = content_of(input, etag)) {
      b.size = c->size;
      b.staged = c->staged;
      return b;
    }
    return std::nullopt;
  }

  // The pointer a snapshot entry holds (a copy, or the blob it links to), when its bytes are a Git LFS
  // pointer file whole (the first bytes collected hold any pointer of ordinary size).
  std::optional<core::LfsPointer> lfs_pointer_in(RepoInput& input, const SnapshotEntry& entry) {
    const Content* c = nullptr;
    if (!entry.link_etag.empty()) {
      c = content_of(input, entry.link_etag);
    } else if (auto it = input.contents.find(entry.sha256); it != input.contents.end()) {
      c = &it->second;
    }
    if (!c || c->size != c->head.size()) return std::nullopt;
    return core::parse_lfs_pointer(c->head);
  }

  // Which blob a snapshot entry stands for; "" when its bytes are nowhere.
  std::string entry_etag(RepoInput& input, const std::string& commit, const std::string& path, const SnapshotEntry& entry,
                         const std::optional<std::map<std::string, std::string>>& listing) {
    if (!entry.link_etag.empty()) return entry.link_etag;
    auto it = input.contents.find(entry.sha256);
    if (it == input.contents.end()) return {};
    const auto& c = it->second;
    if (listing) {
      if (auto l = listing->find(path); l != listing->end()) {
        if (l->second == c.sha256 || l->second == c.sha1) return l->second;
        // The listing names another blob: these bytes are a placeholder, a text link or a corrupt
        // copy. Link the listed blob if the archive or the cache has it, else leave the entry out.
        return find_blob(input, l->second, std::nullopt) ? l->second : std::string{};
      }
    }
    if (auto target = text_link_target(c.head); target && c.size == c.head.size()) {
      auto etag = link_target_blob("snapshots/" + commit + "/" + path, *target);
      if (etag && find_blob(input, *etag, std::nullopt)) return *etag;
    }
    auto known = [&](const std::string& etag) {
      return !etag.empty() && (input.blob_members.count(etag) || cache_has_blob(layout_, input.repo, etag, c.size));
    };
    if (known(c.sha256)) return c.sha256;
    if (known(c.sha1)) return c.sha1;
    if (c.sha1.empty()) return c.sha256;
    return guess_etag(path, c.size, c.sha256, c.sha1);
  }

  void plan_tree(PlannedRepo& out, RepoInput& input, const std::string& commit, std::optional<std::string> rendered) {
    if (fs::exists(layout_.tree_cache_path(out.repo, commit))) return;
    auto it = input.trees.find(commit);
    if (it != input.trees.end() && parse_tree_listing(it->second))
      out.trees[commit] = it->second;
    else if (rendered)
      out.trees[commit] = *rendered;
  }

  void plan_ref(PlannedRepo& out, const std::string& name, const std::string& commit) {
    PlannedRef r{name, commit, std::nullopt, PlannedRef::Action::set};
    if (fs::exists(fs::symlink_status(layout_.ref_path(out.repo, name)))) {
      r.existing = core::read_ref(layout_, out.repo, name);
      if (r.existing == commit)
        r.action = PlannedRef::Action::unchanged;
      else
        r.action = force_refs_ ? PlannedRef::Action::moved : PlannedRef::Action::kept;
    }
    out.refs.push_back(std::move(r));
  }

  const core::CacheLayout& layout_;
  bool force_refs_;
};

}  // namespace

ImportPlan plan_import(const core::CacheLayout& layout, Collected& collected, bool force_refs) {
  ImportPlan plan;
  plan.manifest = collected.manifest.has_value();
  plan.warnings = collected.warnings;
  Planner planner(layout, force_refs);
  std::set<std::string> done;
  if (collected.manifest) {
    for (const auto& mrepo : collected.manifest->repos) {
      auto folder = mrepo.repo.folder_name();
      auto& input = collected.repos[folder];
      input.repo = mrepo.repo;
      plan.repos.push_back(planner.plan_from_manifest(mrepo, input));
      plan.repos.back().no_exist = input.no_exist;
      done.insert(folder);
    }
  }
  for (auto& [folder, input] : collected.repos)
    if (!done.count(folder)) {
      plan.repos.push_back(planner.plan_from_members(input, plan.warnings));
      plan.repos.back().no_exist = input.no_exist;
    }
  return plan;
}

}  // namespace hfcache::archive
