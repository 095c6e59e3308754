#include "archive/exporter.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
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

// The .no_exist/<commit>/<path> markers: empty regular files, under names a snapshot path may have.
std::vector<std::string> no_exist_markers(const core::CacheLayout& layout, const core::RepoRef& repo,
                                          const std::string& commit) {
  std::vector<std::string> out;
  auto root = layout.repo_dir(repo) / ".no_exist" / commit;
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) return out;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    auto rel = it->path().lexically_relative(root).generic_string();
    try {
      normalize_member_name(rel);  // skip what no importer would take
    } catch (const UsageError&) {
      continue;
    }
    out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

ArchiveFormat archive_format_for(const std::filesystem::path& file) {
  if (file.filename().string().ends_with(".zip")) return {true, Compression::none};
  return {false, compression_for(file)};
}

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
    members.blobs_dir = folder + "/blobs/";
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
        members.files.push_back({members.links.back().first, source, mf.size});
        files.push_back(std::move(mf));
      }
      for (const auto& marker : no_exist_markers(layout, repo, rev.commit))
        members.no_exist.push_back(folder + "/.no_exist/" + rev.commit + "/" + marker);
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

std::vector<WindowsPathProblem> windows_problems(const ExportPlan& plan) {
  std::vector<std::string> names{std::string(zip_manifest_member)};
  for (const auto& repo : plan.repos) {
    for (const auto& f : repo.files) names.push_back(f.member);
    for (const auto& [name, commit] : repo.refs) names.push_back(name);
    for (const auto& [name, content] : repo.trees) names.push_back(name);
    for (const auto& name : repo.no_exist) names.push_back(name);
  }
  return windows_path_problems(names);
}

namespace {

void write_zip(const ExportPlan& plan, const Sink& sink, const Patch& patch) {
  ZipWriter zip(sink, patch);
  zip.add_file(zip_manifest_member, render_manifest(plan.manifest));
  for (const auto& repo : plan.repos) {
    zip.add_directory(repo.blobs_dir);  // huggingface_hub creates it, and leaves it empty, on Windows
    for (const auto& f : repo.files) zip.add_file_from(f.member, f.source, f.size);
    for (const auto& [name, commit] : repo.refs) zip.add_file(name, commit);
    for (const auto& [name, content] : repo.trees) zip.add_file(name, content);
    for (const auto& name : repo.no_exist) zip.add_file(name, "");
  }
  zip.finish();
}

}  // namespace

void write_export(const ExportPlan& plan, const Sink& sink, ArchiveFormat format, const Patch& patch) {
  if (format.zip) return write_zip(plan, sink, patch);
  ArchiveWriter writer(sink, format.compression);
  writer.add_file(manifest_name, render_manifest(plan.manifest));
  for (const auto& repo : plan.repos) {
    for (const auto& b : repo.blobs) writer.add_file_from(b.member, b.source, b.size);
    for (const auto& [name, commit] : repo.refs) writer.add_file(name, commit);
    for (const auto& [name, target] : repo.links) writer.add_symlink(name, target);
    for (const auto& [name, content] : repo.trees) writer.add_file(name, content);
    for (const auto& name : repo.no_exist) writer.add_file(name, "");
  }
  writer.finish();
}

std::uint64_t write_export_file(const ExportPlan& plan, const std::filesystem::path& output) {
  auto format = archive_format_for(output);
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
    }, format, [&](std::uint64_t offset, const char* data, std::size_t size) {
      if (::pwrite(fd.get(), data, size, static_cast<off_t>(offset)) != static_cast<ssize_t>(size))
        throw Error(ExitCode::failure, "cannot write " + output.string() + ": " + std::strerror(errno));
    });
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
