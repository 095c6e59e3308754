#include "archive/importer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <system_error>

#include "archive/import_collect.hpp"
#include "archive/import_source.hpp"
#include "archive/member_path.hpp"
#include "core/blob_store.hpp"
#include "core/refs.hpp"
#include "core/snapshot.hpp"
#include "core/temp_sweep.hpp"
#include "util/file_lock.hpp"
#include "util/fs.hpp"

namespace hfcache::archive {
namespace fs = std::filesystem;

namespace {

RepoImportReport summarize(const PlannedRepo& p) {
  RepoImportReport r;
  r.repo = p.repo;
  r.commits = p.commits;
  for (const auto& [etag, b] : p.blobs) {
    if (b.present) {
      ++r.blobs_present;
    } else {
      ++r.blobs_new;
      r.bytes_new += b.size;
    }
  }
  r.refs = p.refs;
  r.trees_written = p.trees.size();
  r.missing = p.missing;
  r.lfs_pointers = p.lfs_pointers;
  return r;
}

bool link_is_correct(const core::CacheLayout& layout, const PlannedRepo& p, const PlannedLink& l, bool symlinks) {
  std::error_code ec;
  auto file = layout.snapshot_file(p.repo, l.commit, l.path);
  if (!symlinks) return fs::is_regular_file(fs::symlink_status(file, ec));
  return fs::is_symlink(fs::symlink_status(file, ec)) &&
         fs::read_symlink(file, ec).string() == core::snapshot_link_target(l.path, l.etag);
}

// A second name for bytes already in the cache: a copy made durable before it takes the name, as
// every blob is (a crash must never leave a final blob name over bytes still in the page cache).
void copy_durably(const fs::path& from, const fs::path& tmp, const fs::path& to) {
  try {
    fs::copy_file(from, tmp);
    util::UniqueFd fd(::open(tmp.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd || ::fsync(fd.get()) != 0) {
      if (errno == ENOSPC || errno == EDQUOT) refuse_for_space("the cache's file system is full (while copying " + to.string() + ")");
      throw std::system_error(errno, std::generic_category(), "fsync " + tmp.string());
    }
    fs::rename(tmp, to);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

// Phase 3 for one repo: blobs, then links, listings and refs (a ref last: it makes the revision
// visible to branch lookups, so it goes in only when its snapshot is complete).
void commit_repo(const core::CacheLayout& layout, const PlannedRepo& p, const ImportOptions& options,
                 Staging& staging, RepoImportReport& report, bool& changed) {
  bool renamed = false;
  // The same bytes may be needed under both of their names (sha256 and git sha1, when paths of one
  // content fall on both sides of the LFS rules): the second name gets a copy of the first.
  std::map<fs::path, fs::path> moved;  // staged file -> the blob it became
  for (const auto& [etag, b] : p.blobs) {
    if (b.present || b.staged.empty()) continue;
    auto final_path = layout.blob_path(p.repo, etag);
    util::FileLock lock(layout.lock_path(p.repo, etag));  // huggingface_hub's blob lock, as pull takes it
    if (core::blob_present(layout, p.repo, etag, b.size)) continue;  // a concurrent writer was first
    if (auto first = moved.find(b.staged); first != moved.end()) {
      copy_durably(first->second, layout.blobs_dir(p.repo) / core::own_blob_temp_name(), final_path);
    } else {
      fs::rename(b.staged, final_path);
      staging.forget(b.staged);
      moved.emplace(b.staged, final_path);
    }
    renamed = changed = true;
  }
  if (renamed) util::fsync_dir(layout.blobs_dir(p.repo));
  for (const auto& l : p.links) {
    if (link_is_correct(layout, p, l, options.symlinks)) {
      ++report.links_ok;
      continue;
    }
    core::link_snapshot_file(staging.lock_of(p.repo), layout, p.repo, l.commit, l.path, l.etag, options.symlinks, false);
    ++report.links_created;
    changed = true;
  }
  for (const auto& [commit, path] : p.no_exist) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(layout.no_exist_path(p.repo, commit, path), ec))) continue;
    core::mark_no_exist(layout, p.repo, commit, path);
    changed = true;
  }
  for (const auto& [commit, text] : p.trees) {
    auto path = layout.tree_cache_path(p.repo, commit);
    fs::create_directories(path.parent_path());
    util::atomic_write_file(path, text);
    changed = true;
  }
  for (const auto& r : p.refs) {
    if (r.action != PlannedRef::Action::set && r.action != PlannedRef::Action::moved) continue;
    auto path = layout.ref_path(p.repo, r.name);
    fs::create_directories(path.parent_path());
    core::write_ref(layout, p.repo, r.name, r.commit);
    changed = true;
  }
}

}  // namespace

ImportReport import_into_cache(const core::CacheLayout& layout, const fs::path& source, const ImportOptions& options) {
  ImportReport report;
  report.source = source.string();
  report.dry_run = options.dry_run;
  auto members = open_member_source(source);
  report.archive = members->is_archive();
  ExpansionGuard guard(options.limits, layout.root());
  Staging staging(layout);
  auto collected = collect_members(layout, *members, staging, guard, options.dry_run);
  members.reset();
  if (collected.repos.empty() && !collected.manifest)
    refuse(source.string() + " holds no repo folder (models--org--name, datasets--org--name, spaces--org--name)");
  auto plan = plan_import(layout, collected, options.force_refs);
  report.manifest = plan.manifest;
  report.warnings = plan.warnings;
  for (const auto& p : plan.repos) {
    report.repos.push_back(summarize(p));
    if (options.dry_run) {
      auto& r = report.repos.back();
      for (const auto& l : p.links) (link_is_correct(layout, p, l, options.symlinks) ? r.links_ok : r.links_created)++;
      bool refs_change = false;
      for (const auto& ref : r.refs)
        refs_change |= ref.action == PlannedRef::Action::set || ref.action == PlannedRef::Action::moved;
      report.changed |= r.blobs_new > 0 || r.links_created > 0 || r.trees_written > 0 || refs_change;
    }
  }
  if (options.dry_run) return report;
  bool tag_cache = options.write_cachedir_tag && layout.cachedir_tag_expected();  // before any repo folder is made
  // Every repo it writes, staged into or not, first loses what a killed import left there.
  for (const auto& p : plan.repos) staging.hold(p.repo);
  staging.make_durable();  // every staged byte on disk before the first blob takes its final name
  for (std::size_t i = 0; i < plan.repos.size(); ++i)
    commit_repo(layout, plan.repos[i], options, staging, report.repos[i], report.changed);
  staging.commit();
  if (report.changed && tag_cache) layout.ensure_cachedir_tag();
  return report;
}

}  // namespace hfcache::archive
