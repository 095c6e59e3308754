#include "archive/import_collect.hpp"

#include <array>
#include <variant>

#include "core/link_target.hpp"
#include "core/lnk_parser.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <system_error>

#include "archive/member_path.hpp"
#include "core/blob_store.hpp"
#include "core/errors.hpp"
#include "core/revision.hpp"
#include "core/temp_sweep.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"
#include "util/hash_pipeline.hpp"

namespace hfcache::archive {
namespace fs = std::filesystem;

Staging::~Staging() {
  if (committed_) return;
  std::error_code ec;
  for (const auto& f : files_) fs::remove(f, ec);
  held_.clear();
  // The repo's write lock file goes only if no other writer joined it meanwhile: one holding it
  // shared on a removed file would look idle to the next sweep.
  for (const auto& f : created_lock_files_) {
    if (auto idle = util::FileLock::try_exclusive(f)) fs::remove(f, ec);
  }
  for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) fs::remove(*it, ec);  // only if empty
}

void Staging::create_dirs(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return;
  std::vector<fs::path> missing;
  for (auto p = dir; !p.empty() && !fs::exists(fs::symlink_status(p, ec)); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  fs::create_directories(dir);
  created_dirs_.insert(created_dirs_.end(), missing.rbegin(), missing.rend());
}

void Staging::hold(const core::RepoRef& repo) {
  if (!held_.emplace(repo.folder_name(), std::nullopt).second) return;
  // First finish what a killed import (or another command) left in this repo folder, then keep
  // other commands away from the files staged here (core/write_lock.hpp).
  std::error_code ec;
  if (fs::is_directory(layout_.repo_dir(repo), ec)) core::sweep_leftovers(layout_, repo);
  auto lock = layout_.write_lock_path(repo);
  create_dirs(lock.parent_path());
  if (!fs::exists(fs::symlink_status(lock, ec))) created_lock_files_.push_back(lock);
  held_[repo.folder_name()].emplace(layout_, repo);
}

void Staging::ensure_blobs_dir(const core::RepoRef& repo) {
  hold(repo);
  create_dirs(layout_.blobs_dir(repo));
}

void Staging::remove(const fs::path& file) {
  std::error_code ec;
  fs::remove(file, ec);
  files_.erase(file);
}

void Staging::commit() {
  std::error_code ec;
  for (const auto& f : files_) fs::remove(f, ec);
  files_.clear();
  committed_ = true;
}

void Staging::make_durable() {
  for (const auto& f : files_) {
    util::UniqueFd fd(::open(f.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) throw std::system_error(errno, std::generic_category(), "open " + f.string());
    if (::fsync(fd.get()) != 0) {
      if (errno == ENOSPC || errno == EDQUOT)
        refuse_for_space(std::string(errno == EDQUOT ? "your disk quota on the cache's file system is used up"
                                                     : "the cache's file system is full") +
                         " (while making the imported files durable)");
      throw std::system_error(errno, std::generic_category(), "fsync " + f.string());
    }
  }
}

namespace {

std::string space_message(const std::string& member) {
  return (errno == EDQUOT ? "your disk quota on the cache's file system is used up" : "the cache's file system is full") +
         std::string(" (while writing ") + member + ")";
}

// Ask the kernel to start writing this range to disk now, without waiting for it (the staged file
// is made durable by fsync before it is renamed; this only moves the disk's work earlier).
void start_writeback(int fd, std::uint64_t from, std::uint64_t length, const std::string& member) {
  if (::sync_file_range(fd, static_cast<off_t>(from), static_cast<off_t>(length), SYNC_FILE_RANGE_WRITE) != 0 &&
      (errno == ENOSPC || errno == EDQUOT))
    refuse_for_space(space_message(member));
}

// Two copy buffers for the whole import: memory stays flat whatever the member sizes.
constexpr std::size_t buffer_size = 1 << 20;
// Writeback of a staged file starts every this many bytes, so the disk works while the archive is
// read and the final fsync pass finds little left to write (tar -x leaves it all in the page cache).
constexpr std::uint64_t writeback_step = 16u << 20;
constexpr std::size_t max_ref_size = 4096;
constexpr std::size_t max_tree_size = 64u << 20;
constexpr std::size_t head_size = 513;

class Collector {
 public:
  Collector(const core::CacheLayout& layout, MemberSource& source, Staging& staging, ExpansionGuard& guard, bool dry_run)
      : layout_(layout), source_(source), staging_(staging), guard_(guard), dry_run_(dry_run),
        buffers_{std::vector<char>(buffer_size), std::vector<char>(buffer_size)} {}

  Collected run() {
    Member m;
    bool first = true;
    while (source_.next(m)) {
      handle(m, first);
      first = false;
    }
    return std::move(out_);
  }

 private:
  void handle(const Member& m, bool first) {
    auto name = normalize_member_name(m.name);
    if (m.kind == Member::Kind::other) refuse("archive member '" + name + "' is a " + m.other_what);
    if (name.empty() || m.kind == Member::Kind::directory) return;
    auto place = locate_member(name);
    if (!place) return outside_repo(m, name, first);
    auto& input = out_.repos[place->repo.folder_name()];
    input.repo = place->repo;
    const auto& in_repo = place->in_repo;
    if (is_leftover(input.repo, in_repo, m)) return;
    if (m.kind == Member::Kind::symlink) return symlink(input, in_repo, name, m.link_target);
    if (m.kind == Member::Kind::hardlink) return hardlink(input, in_repo, name, m.link_target);
    // A regular file.
    auto slash = in_repo.find('/');
    auto top = in_repo.substr(0, slash);
    auto rest = slash == std::string::npos ? std::string() : in_repo.substr(slash + 1);
    if (top == "blobs") return blob(input, rest, name, m);
    if (top == "refs") return ref(input, rest, name, m);
    if (top == "snapshots") return snapshot_file(input, in_repo, name, m);
    if (top == "trees") return tree(input, rest, name, m);
    if (top == ".no_exist") return no_exist(input, rest);
    // Stray files: not imported.
  }

  // .no_exist/<commit>/<path>: huggingface_hub's marker that the file does not exist at that commit
  // (its bytes, if any, are not read). Kept, so that an import gives back the cache that was exported.
  void no_exist(RepoInput& input, const std::string& rest) {
    auto slash = rest.find('/');
    if (slash == std::string::npos || !core::is_commit_hash(rest.substr(0, slash)) || slash + 1 == rest.size()) return;
    auto path = rest.substr(slash + 1);
    try {
      core::validate_repo_path(path);
    } catch (const UsageError&) {
      out_.warnings.push_back(".no_exist marker '" + rest + "' names no valid file path; left out");
      return;
    }
    input.no_exist.emplace_back(rest.substr(0, slash), path);
  }

  // What a killed command or a file manager left in the source cache (core/temp_sweep.hpp): not
  // part of any revision, so not imported. A litter-named file the manifest lists is a repo file.
  bool is_leftover(const core::RepoRef& repo, const std::string& in_repo, const Member& m) const {
    auto slash = in_repo.rfind('/');
    auto file = in_repo.substr(slash == std::string::npos ? 0 : slash + 1);
    auto top = in_repo.substr(0, in_repo.find('/'));
    if (top == "refs" || top == "snapshots" || top == "trees")
      if (core::is_atomic_write_leftover(file, top == "trees")) return true;
    if (m.kind != Member::Kind::file || !core::is_os_litter_name(file)) return false;
    if (top != "snapshots" || !out_.manifest) return true;
    for (const auto& r : out_.manifest->repos) {
      if (!(r.repo == repo)) continue;
      for (const auto& [commit, files] : r.revisions)
        for (const auto& f : files)
          if (in_repo == "snapshots/" + commit + "/" + f.path) return false;
    }
    return true;
  }

  void outside_repo(const Member& m, const std::string& name, bool first) {
    if (m.kind == Member::Kind::symlink) {
      link_target_blob(name, m.link_target);  // refuses absolute and escaping targets
      return;
    }
    if (m.kind == Member::Kind::hardlink) refuse("archive member '" + name + "' is a hard link outside any repo folder");
    auto slash = name.rfind('/');
    if (name.substr(slash == std::string::npos ? 0 : slash + 1) != manifest_name) return;
    if (out_.manifest) refuse("the archive holds two manifests (" + name + ")");
    auto text = read_small(m, max_manifest_size, name);
    out_.manifest = parse_manifest(text);
    out_.manifest_first = first;
    std::uint64_t needed = 0;
    for (const auto& r : out_.manifest->repos) {
      std::set<std::string> seen;
      for (const auto& [commit, files] : r.revisions)
        for (const auto& f : files)
          if (seen.insert(f.blob).second && !core::blob_present(layout_, r.repo, f.blob, f.size)) needed += f.size;
    }
    guard_.reserve(needed, "the archive");
  }

  void symlink(RepoInput& input, const std::string& in_repo, const std::string& name, const std::string& target) {
    // Refuses links that leave the repo folder; accepts Windows-absolute links into this repo's blobs/.
    auto etag = link_target_blob(in_repo, target, input.repo.folder_name());
    if (!in_repo.starts_with("snapshots/")) {
      if (in_repo.starts_with("blobs/") || in_repo.starts_with("refs/") || in_repo.starts_with("trees/"))
        refuse("archive member '" + name + "' is a link where a file belongs");
      return;
    }
    if (!etag) refuse("snapshot link '" + name + "' -> '" + target + "' does not point into blobs/");
    auto [commit, path] = snapshot_place(in_repo, name);
    input.snapshots[commit][path] = SnapshotEntry{*etag, {}, false};
  }

  void hardlink(RepoInput& input, const std::string& in_repo, const std::string& name, const std::string& target) {
    auto tname = normalize_member_name(target);
    auto tplace = locate_member(tname);
    if (!tplace || !(tplace->repo == input.repo))
      refuse("archive member '" + name + "' is a hard link to '" + tname + "', outside its repo folder");
    auto it = input.member_sha256.find(tplace->in_repo);
    if (it == input.member_sha256.end())
      refuse("archive member '" + name + "' is a hard link to '" + tname + "', which is no file before it");
    if (!in_repo.starts_with("snapshots/")) return;
    auto [commit, path] = snapshot_place(in_repo, name);
    input.snapshots[commit][path] = SnapshotEntry{{}, it->second, false};
  }

  std::pair<std::string, std::string> snapshot_place(const std::string& in_repo, const std::string& name) {
    auto rest = in_repo.substr(std::string_view("snapshots/").size());
    auto slash = rest.find('/');
    auto commit = rest.substr(0, slash);
    if (!core::is_commit_hash(commit)) refuse("archive member '" + name + "': snapshots/" + commit + " is not a 40-hex commit");
    if (slash == std::string::npos) refuse("archive member '" + name + "' is a file where a snapshot folder belongs");
    auto path = rest.substr(slash + 1);
    try {
      core::validate_repo_path(path);
    } catch (const UsageError& e) {
      refuse("archive member '" + name + "': " + e.what());
    }
    return {commit, path};
  }

  void blob(RepoInput& input, const std::string& etag, const std::string& name, const Member& m) {
    if (!core::is_etag(etag)) return;  // .incomplete leftovers, lock files, ...
    input.blob_members.insert(etag);
    if (m.size && core::blob_present(layout_, input.repo, etag, *m.size)) return;  // never written again
    const auto& c = stage(input, m, name);
    input.member_sha256["blobs/" + etag] = c.sha256;
    bool ok = etag.size() == 64 ? c.sha256 == etag : c.sha1.empty() || c.sha1 == etag;
    if (!ok)
      throw IntegrityError("blob " + etag + " of " + input.repo.display() + " in the archive does not match its name (" +
                               name + ")",
                           "the archive is damaged or was tampered with; nothing was imported");
  }

  void ref(RepoInput& input, const std::string& ref_name, const std::string& name, const Member& m) {
    try {
      core::validate_revision(ref_name);
    } catch (const UsageError& e) {
      refuse("archive member '" + name + "': " + e.what());
    }
    auto text = read_small(m, max_ref_size, name);
    auto first = text.find_first_not_of(" \t\r\n");
    auto last = text.find_last_not_of(" \t\r\n");
    auto commit = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
    if (!core::is_commit_hash(commit)) refuse("ref '" + name + "' does not hold a 40-hex commit");
    input.refs[ref_name] = commit;
  }

  void tree(RepoInput& input, const std::string& file, const std::string& name, const Member& m) {
    if (!file.ends_with(".json") || !core::is_commit_hash(file.substr(0, file.size() - 5))) return;
    input.trees[file.substr(0, 40)] = read_small(m, max_tree_size, name);
  }

  void snapshot_file(RepoInput& input, const std::string& full_in_repo, const std::string& name, const Member& m) {
    auto [commit, path] = snapshot_place(full_in_repo, name);
    // The manifest came first and names a blob the cache already has: no need to read the copy.
    if (out_.manifest) {
      if (const auto* r = out_.manifest->find(input.repo)) {
        auto rev = r->revisions.find(commit);
        if (rev != r->revisions.end())
          for (const auto& f : rev->second)
            if (f.path == path && core::blob_present(layout_, input.repo, f.blob, f.size)) {
              input.snapshots[commit][path] = SnapshotEntry{{}, {}, true};
              return;
            }
      }
    }
    // A Windows shell shortcut <name>.lnk standing for <name>: read its target, never follow it.
    if (path.ends_with(".lnk") && m.size && *m.size <= core::max_lnk_bytes) {
      auto text = read_small(m, core::max_lnk_bytes, name);
      auto parsed = core::parse_lnk(std::string_view(text));
      std::optional<std::string> etag;
      if (const auto* target = std::get_if<core::LnkTarget>(&parsed)) etag = core::blob_name_of(target->path);
      auto real = path.substr(0, path.size() - 4);
      if (!etag) {
        out_.warnings.push_back(name + " is a shortcut to no blob of this repo; left out");
      } else if (!input.snapshots[commit].count(real)) {
        input.snapshots[commit][real] = SnapshotEntry{*etag, {}, false};
      }
      return;
    }
    const auto& c = stage(input, m, name);
    input.member_sha256[full_in_repo] = c.sha256;
    input.snapshots[commit][path] = SnapshotEntry{{}, c.sha256, false};
  }

  std::string read_small(const Member& m, std::uint64_t cap, const std::string& name) {
    if (m.size && *m.size > cap) refuse("archive member '" + name + "' is too large (" + std::to_string(*m.size) + " bytes)");
    std::string text;
    auto& buffer = buffers_[0];
    while (auto n = source_.read(buffer.data(), buffer.size())) {
      text.append(buffer.data(), n);
      if (text.size() > cap) refuse("archive member '" + name + "' is too large");
    }
    guard_.produced(text.size(), source_.consumed_bytes(), source_.is_archive(), name);
    return text;
  }

  // Stream a file member into a temp file in the repo's blobs/, hashing it on the way.
  const Content& stage(RepoInput& input, const Member& m, const std::string& name) {
    if (m.size) guard_.announce(*m.size, name);
    util::UniqueFd fd;
    fs::path tmp;
    if (!dry_run_) {
      staging_.ensure_blobs_dir(input.repo);
      // hfcache's own staging name (core/temp_sweep.hpp): never mistaken for a download's temp file.
      tmp = layout_.blobs_dir(input.repo) / core::own_blob_temp_name();
      fd = util::UniqueFd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
      if (!fd) throw std::system_error(errno, std::generic_category(), "create " + tmp.string());
      staging_.track(tmp);
    }
    Content c;
    // Two buffers in turn: the hashing thread works on one while this thread writes it and reads the next.
    hasher_.begin(m.size);  // the git sha1 needs the size up front; without one it is hashed from the file below
    std::uint64_t writeback_from = 0;
    for (std::size_t turn = 0;; turn ^= 1) {
      auto& buffer = buffers_[turn];
      auto n = source_.read(buffer.data(), buffer.size());
      if (n == 0) break;
      c.size += n;
      if (m.size && c.size > *m.size) refuse("archive member '" + name + "' holds more bytes than it announces");
      guard_.produced(n, source_.consumed_bytes(), source_.is_archive(), name);
      if (c.head.size() < head_size) c.head.append(buffer.data(), std::min(n, head_size - c.head.size()));
      hasher_.submit(buffer.data(), n);
      for (std::size_t done = 0; fd && done < n;) {
        ssize_t w = ::write(fd.get(), buffer.data() + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          if (errno == ENOSPC || errno == EDQUOT) refuse_for_space(space_message(name));
          throw std::system_error(errno, std::generic_category(), "write " + tmp.string());
        }
        done += static_cast<std::size_t>(w);
      }
      if (fd && c.size - writeback_from >= writeback_step) {
        start_writeback(fd.get(), writeback_from, c.size - writeback_from, name);
        writeback_from = c.size;
      }
    }
    auto digests = hasher_.finish();
    if (m.size && c.size != *m.size) refuse("archive member '" + name + "' is shorter than it announces (truncated?)");
    c.sha256 = std::move(digests.sha256);
    c.sha1 = std::move(digests.sha1);
    if (fd) {
      // Durable later, all staged files in one pass before the first rename (Staging::make_durable):
      // an fsync here would make the next member wait for this one's bytes to reach the disk.
      if (c.size > writeback_from) start_writeback(fd.get(), writeback_from, c.size - writeback_from, name);
      fd = util::UniqueFd();
      if (c.sha1.empty()) c.sha1 = util::hash_file(tmp.string()).git_sha1;
      c.staged = tmp;
    }
    auto existing = input.contents.find(c.sha256);
    if (existing != input.contents.end()) {  // the same bytes again (dereferenced copies)
      if (!c.staged.empty()) staging_.remove(c.staged);
      return existing->second;
    }
    if (!c.staged.empty() && (core::blob_present(layout_, input.repo, c.sha256, c.size) ||
                              (!c.sha1.empty() && core::blob_present(layout_, input.repo, c.sha1, c.size)))) {
      staging_.remove(c.staged);  // the cache has it already
      c.staged.clear();
    }
    if (!c.sha1.empty()) input.sha1_to_sha256[c.sha1] = c.sha256;
    return input.contents.emplace(c.sha256, std::move(c)).first->second;
  }

  const core::CacheLayout& layout_;
  MemberSource& source_;
  Staging& staging_;
  ExpansionGuard& guard_;
  bool dry_run_;
  std::array<std::vector<char>, 2> buffers_;
  util::HashPipeline hasher_;  // after the buffers: destroyed first, so it never hashes a freed one
  Collected out_;
};

}  // namespace

Collected collect_members(const core::CacheLayout& layout, MemberSource& source, Staging& staging,
                          ExpansionGuard& guard, bool dry_run) {
  return Collector(layout, source, staging, guard, dry_run).run();
}

}  // namespace hfcache::archive
