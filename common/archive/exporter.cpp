#include "archive/exporter.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <set>

#include "archive/member_path.hpp"
#include "core/cache_scan.hpp"
#include "core/errors.hpp"
#include "core/refs.hpp"
#include "core/revision.hpp"
#include "core/tree_cache.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"

namespace hfcache::archive {
namespace {

// trees/<commit>.json is small (a few hundred bytes per file); anything bigger is not ours.
constexpr std::size_t max_tree_listing = 64u << 20;

struct RepoSelection {
  core::CachedRepo cached;
  std::set<std::string> commits;
};

std::set<std::string> select_commits(const core::CacheLayout& layout, const core::CachedRepo& cached,
                                     const ExportSelection& sel) {
  std::set<std::string> out;
  if (!sel.revision) {
    for (const auto& rev : cached.revisions) out.insert(rev.commit);
    if (out.empty())
      throw NotFoundError(sel.repo.display() + " has no revision in the cache", "pull it first: hfcache pull " + sel.repo.display());
    return out;
  }
  auto commit = core::read_ref(layout, sel.repo, *sel.revision);
  if (!commit)
    throw NotFoundError("revision '" + *sel.revision + "' of " + sel.repo.display() + " is not in the cache",
                        "see what is cached with: hfcache show " + sel.repo.display());
  for (const auto& rev : cached.revisions)
    if (rev.commit == *commit) return {*commit};
  throw NotFoundError("revision '" + *sel.revision + "' of " + sel.repo.display() + " (commit " + *commit +
                          ") has no snapshot in the cache",
                      "pull it first: hfcache pull " + sel.repo.display() + " --revision " + *sel.revision);
}

}  // namespace

ExportPlan plan_export(const core::CacheLayout& layout, const std::vector<ExportSelection>& selections,
                       const std::string& tool) {
  // Merge the selections per repo, in the order given.
  std::vector<RepoSelection> repos;
  for (const auto& sel : selections) {
    RepoSelection* target = nullptr;
    for (auto& r : repos)
      if (r.cached.repo == sel.repo) target = &r;
    if (!target) {
      auto cached = core::scan_repo(layout, sel.repo, true);
      if (!cached)
        throw NotFoundError(sel.repo.display() + " is not in the cache " + layout.root().string(),
                            "list the cached repos with: hfcache ls");
      repos.push_back({std::move(*cached), {}});
      target = &repos.back();
    }
    target->commits.merge(select_commits(layout, target->cached, sel));
  }

  ExportPlan plan;
  plan.manifest.tool = tool;
  plan.manifest.created = utc_now_iso8601();
  for (const auto& sel : repos) {
    const auto& repo = sel.cached.repo;
    const std::string folder = repo.folder_name();
    ManifestRepo mrepo{repo, {}, {}};
    ExportRepoMembers members;
    std::map<std::string, std::string> sha256_of;  // etag -> sha256
    std::set<std::string> blobs_listed;
    for (const auto& rev : sel.cached.revisions) {
      if (!sel.commits.count(rev.commit)) continue;
      std::map<std::string, core::TreeEntry> listing;
      if (auto tree = core::read_tree_cache(layout, repo, rev.commit))
        for (auto& e : *tree) listing[e.path] = e;
      auto& files = mrepo.revisions[rev.commit];
      for (const auto& f : rev.files) {
        std::string where = repo.display() + "@" + rev.commit.substr(0, 12) + ": " + f.path;
        if (!f.ok) {
          plan.warnings.push_back(where + " is a broken entry and was left out (hfcache repair fixes it)");
          continue;
        }
        ManifestFile mf{f.path, f.blob, f.size, {}, std::nullopt};
        std::filesystem::path source = layout.blob_path(repo, f.blob);
        if (f.blob.empty() || !core::is_etag(f.blob)) {
          // A copy (no-symlink mode): name it by its listing, else by what its bytes say.
          source = layout.snapshot_file(repo, rev.commit, f.path);
          auto hashes = util::hash_file(source.string());
          auto it = listing.find(f.path);
          if (it != listing.end() && (it->second.etag() == hashes.sha256 || it->second.etag() == hashes.git_sha1))
            mf.blob = it->second.etag();
          else
            mf.blob = guess_etag(f.path, hashes.size, hashes.sha256, hashes.git_sha1);
          mf.size = hashes.size;
          sha256_of[mf.blob] = hashes.sha256;
        }
        if (auto it = listing.find(f.path); it != listing.end() && it->second.etag() == mf.blob)
          mf.blob_id = it->second.blob_id;
        if (!sha256_of.count(mf.blob)) {
          if (mf.blob.size() == 64) {
            sha256_of[mf.blob] = mf.blob;
          } else {
            auto hashes = util::hash_file(source.string());
            if (hashes.git_sha1 != mf.blob)
              throw IntegrityError("blob " + mf.blob + " of " + repo.display() + " does not match its name",
                                   "run `hfcache verify " + repo.display() + "` and `hfcache repair`, then export again");
            sha256_of[mf.blob] = hashes.sha256;
          }
        }
        mf.sha256 = sha256_of[mf.blob];
        if (mf.blob.size() == 40 && !mf.blob_id) mf.blob_id = mf.blob;
        if (blobs_listed.insert(mf.blob).second) {
          members.blobs.push_back({folder + "/blobs/" + mf.blob, source, mf.size});
          plan.blob_bytes += mf.size;
          ++plan.blob_count;
        }
        ++plan.file_count;
        members.links.emplace_back(folder + "/snapshots/" + rev.commit + "/" + f.path,
                                core::snapshot_link_target(f.path, mf.blob));
        files.push_back(std::move(mf));
      }
      auto tree = layout.tree_cache_path(repo, rev.commit);
      if (auto text = util::read_small_file(tree, max_tree_listing))
        members.trees.emplace_back(folder + "/trees/" + rev.commit + ".json", *text);
    }
    for (const auto& [name, commit] : sel.cached.refs) {
      if (!mrepo.revisions.count(commit) || core::is_commit_hash(name)) continue;
      try {
        core::validate_revision(name);
      } catch (const UsageError&) {
        plan.warnings.push_back(repo.display() + ": ref '" + name + "' has an invalid name and was left out");
        continue;
      }
      mrepo.refs[name] = commit;
      members.refs.emplace_back(folder + "/refs/" + name, commit);
    }
    plan.manifest.repos.push_back(std::move(mrepo));
    plan.repos.push_back(std::move(members));
  }
  return plan;
}

void write_export(const ExportPlan& plan, const Sink& sink, Compression compression) {
  ArchiveWriter writer(sink, compression);
  writer.add_file(manifest_name, render_manifest(plan.manifest));
  for (const auto& repo : plan.repos) {
    for (const auto& b : repo.blobs) writer.add_file_from(b.member, b.source, b.size);
    for (const auto& [name, commit] : repo.refs) writer.add_file(name, commit);
    for (const auto& [name, target] : repo.links) writer.add_symlink(name, target);
    for (const auto& [name, content] : repo.trees) writer.add_file(name, content);
  }
  writer.finish();
}

std::uint64_t write_export_file(const ExportPlan& plan, const std::filesystem::path& output) {
  auto compression = compression_for(output);
  auto tmp = output;
  tmp += "." + util::random_hex(8) + ".tmp";
  util::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd)
    throw Error(ExitCode::failure, "cannot write " + output.string() + ": " + std::strerror(errno),
                "choose an output file in a folder you can write to");
  std::uint64_t total = 0;
  try {
    write_export(plan, [&](const char* data, std::size_t size) {
      while (size > 0) {
        ssize_t n = ::write(fd.get(), data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
          throw Error(ExitCode::failure, "cannot write " + output.string() + ": " + std::strerror(errno),
                      "check the free space where the archive goes");
        data += n;
        size -= static_cast<std::size_t>(n);
        total += static_cast<std::uint64_t>(n);
      }
    }, compression);
    if (::fsync(fd.get()) != 0)
      throw Error(ExitCode::failure, "cannot write " + output.string() + ": " + std::strerror(errno));
    fd = util::UniqueFd();
    if (::rename(tmp.c_str(), output.c_str()) != 0)
      throw Error(ExitCode::failure, "cannot write " + output.string() + ": " + std::strerror(errno));
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  util::fsync_dir(output.parent_path().empty() ? std::filesystem::path(".") : output.parent_path());
  return total;
}

}  // namespace hfcache::archive
