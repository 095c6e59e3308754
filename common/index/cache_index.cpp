#include "index/cache_index.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <set>

#include "core/cache_scan.hpp"
#include "core/errors.hpp"
#include "index/index_schema.hpp"
#include "index/repo_signature.hpp"
#include "index/sqlite_db.hpp"

namespace hfcache::index {

namespace fs = std::filesystem;

namespace {

std::int64_t unix_seconds(fs::file_time_type t) {
  if (t == fs::file_time_type{}) return 0;
  auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count();
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t as_int(std::uint64_t v) { return static_cast<std::int64_t>(v); }

// The cache root as stored: absolute and normalised, so "./hub" and "/abs/hub" are one cache.
std::string root_key(const fs::path& root) {
  std::error_code ec;
  auto canonical = fs::weakly_canonical(fs::absolute(root, ec), ec);
  return (ec ? fs::absolute(root) : canonical).lexically_normal().generic_string();
}

struct Scanned {
  std::string folder;
  std::string signature;
  std::optional<core::CachedRepo> repo;
};

// Signature first, then the scan: a change during the scan makes the next stale() true.
Scanned scan_one(const core::CacheLayout& layout, const std::string& folder) {
  Scanned s;
  s.folder = folder;
  s.signature = repo_signature(layout.root() / folder);
  if (auto ref = core::repo_from_folder_name(folder)) s.repo = core::scan_repo(layout, *ref, true);
  return s;
}

// A file that is not an SQLite database (truncated, overwritten) holds nothing the folder cannot
// give back but pins: it is replaced rather than failing every command.
bool not_a_database(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char header[16] = {};
  in.read(header, sizeof header);
  return in.gcount() > 0 && std::string_view(header, static_cast<std::size_t>(in.gcount())) !=
                                std::string_view("SQLite format 3\0", 16).substr(0, static_cast<std::size_t>(in.gcount()));
}

std::unique_ptr<Database> open_database(const fs::path& path, const std::string& root) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (not_a_database(path)) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix, ec);
  }
  auto db = std::make_unique<Database>(path);
  prepare_schema(*db, root);
  return db;
}

}  // namespace

struct CacheIndex::Impl {
  Impl(core::CacheLayout l, fs::path p)
      : layout(std::move(l)), db_path(std::move(p)), owned(open_database(db_path, root_key(layout.root()))), db(*owned) {}

  core::CacheLayout layout;
  fs::path db_path;
  std::unique_ptr<Database> owned;
  Database& db;
  mutable std::mutex mutex;

  // Its refs, revisions, files and blobs go with it (foreign keys ON DELETE CASCADE).
  void delete_repo_rows(const std::string& folder) { db.cached("DELETE FROM repos WHERE folder=?")->bind(1, folder).run(); }

  // Pins and access times of revisions that no longer exist go (of one folder, or of all).
  void prune_usage(const std::optional<std::string>& folder) {
    auto orphan_rows = [&folder](const char* table, const char* what) {
      return std::string(what) + " FROM " + table + " WHERE " + (folder ? "folder=?1 AND " : "") +
             "NOT EXISTS (SELECT 1 FROM revisions v JOIN repos r ON r.id=v.repo WHERE r.folder=" + table +
             ".folder AND v.commit_sha=" + table + ".commit_sha)";
    };
    auto del = db.cached(orphan_rows("access", "DELETE"));
    if (folder) del->bind(1, *folder);
    del->run();
    // A pin is the user's word: the scan this write comes from may predate a revision pinned since,
    // so a pin goes only when its snapshot folder is gone from the disk now.
    std::vector<std::pair<std::string, std::string>> gone;
    {
      auto pins = db.cached(orphan_rows("pins", "SELECT folder, commit_sha"));
      if (folder) pins->bind(1, *folder);
      while (pins->step()) {
        std::error_code ec;
        if (!std::filesystem::exists(layout.root() / pins->text(0) / "snapshots" / pins->text(1), ec))
          gone.emplace_back(pins->text(0), pins->text(1));
      }
    }
    auto unpin = db.cached("DELETE FROM pins WHERE folder=?1 AND commit_sha=?2");
    for (const auto& [pin_folder, commit] : gone) unpin->bind(1, pin_folder).bind(2, commit).run();
  }

  void write_repo(const Scanned& s) {
    delete_repo_rows(s.folder);
    if (!s.repo) return;
    const auto& r = *s.repo;
    // The newest snapshot; not r.last_modified, which stays at file_clock's epoch (max() against a
    // default time that lies in 2174 with libstdc++'s file_clock).
    std::int64_t last_modified = 0;
    for (const auto& v : r.revisions) last_modified = std::max(last_modified, unix_seconds(v.last_modified));
    auto repo = db.cached("INSERT INTO repos(type, repo_id, folder, signature, size, blob_count, last_modified) VALUES(?,?,?,?,?,?,?)");
    repo->bind(1, core::to_string(r.repo.type)).bind(2, r.repo.id).bind(3, s.folder).bind(4, s.signature);
    repo->bind(5, as_int(r.size)).bind(6, as_int(r.file_count)).bind(7, last_modified).run();
    auto id = db.last_insert_rowid();
    auto ref = db.cached("INSERT INTO refs(repo, name, commit_sha) VALUES(?,?,?)");
    for (const auto& [name, commit] : r.refs) ref->bind(1, id).bind(2, name).bind(3, commit).run();
    auto rev = db.cached(
        "INSERT INTO revisions(repo, commit_sha, files, size, last_modified, expected_files, missing_files) "
        "VALUES(?,?,?,?,?,?,?)");
    auto file = db.cached("INSERT OR REPLACE INTO files(repo, commit_sha, path, blob, size, ok) VALUES(?,?,?,?,?,?)");
    auto blob = db.cached("INSERT OR IGNORE INTO blobs(repo, etag, size) VALUES(?,?,?)");
    for (const auto& v : r.revisions) {
      rev->bind(1, id).bind(2, v.commit).bind(3, as_int(v.files.size())).bind(4, as_int(v.size));
      rev->bind(5, unix_seconds(v.last_modified));
      if (v.expected_files) rev->bind(6, as_int(*v.expected_files));
      rev->bind(7, as_int(v.missing_files)).run();
      for (const auto& f : v.files) {
        file->bind(1, id).bind(2, v.commit).bind(3, f.path).bind(4, f.blob).bind(5, as_int(f.size));
        file->bind(6, std::int64_t{f.ok ? 1 : 0}).run();
        if (f.ok && !f.blob.empty()) blob->bind(1, id).bind(2, f.blob).bind(3, as_int(f.size)).run();
      }
    }
  }

  void mark_indexed() {
    auto put = db.cached("INSERT OR REPLACE INTO meta(key, value) VALUES('indexed_at', ?)");
    put->bind(1, std::to_string(now_seconds())).run();
  }

  bool indexed() {
    return db.cached("SELECT 1 FROM meta WHERE key='indexed_at'")->step();
  }

  std::map<std::string, std::string> stored_signatures() {
    std::map<std::string, std::string> out;
    auto s = db.cached("SELECT folder, signature FROM repos");
    while (s->step()) out.emplace(s->text(0), s->text(1));
    return out;
  }

  // Repos changed on disk since indexed: new or changed folders (to rescan) and vanished ones.
  std::vector<std::string> stale_folders() {
    std::vector<std::string> out;
    auto stored = stored_signatures();
    for (const auto& [folder, path] : repo_folders(layout.root())) {
      auto it = stored.find(folder);
      if (it == stored.end() || it->second != repo_signature(path)) out.push_back(folder);
      if (it != stored.end()) stored.erase(it);
    }
    for (const auto& [folder, sig] : stored) out.push_back(folder);
    return out;
  }

  std::vector<IndexedRepo> load(const std::optional<std::string>& only_folder, bool with_files);
};

std::vector<IndexedRepo> CacheIndex::Impl::load(const std::optional<std::string>& only_folder, bool with_files) {
  std::map<std::int64_t, IndexedRepo> repos;
  std::string where = only_folder ? " WHERE r.folder=?1" : "";
  auto rs = db.cached("SELECT r.id, r.type, r.repo_id, r.size, r.blob_count, r.last_modified FROM repos r" + where);
  if (only_folder) rs->bind(1, *only_folder);
  while (rs->step()) {
    IndexedRepo r;
    r.repo.type = core::parse_repo_type(rs->text(1));
    r.repo.id = rs->text(2);
    r.size = static_cast<std::uint64_t>(rs->int64(3));
    r.blob_count = static_cast<std::size_t>(rs->int64(4));
    r.last_modified = rs->int64(5);
    repos.emplace(rs->int64(0), std::move(r));
  }
  if (repos.empty()) return {};
  auto refs = db.cached("SELECT f.repo, f.name, f.commit_sha FROM refs f JOIN repos r ON r.id=f.repo" + where);
  if (only_folder) refs->bind(1, *only_folder);
  while (refs->step()) {
    auto it = repos.find(refs->int64(0));
    if (it != repos.end()) it->second.refs[refs->text(1)] = refs->text(2);
  }
  auto revs = db.cached(
      "SELECT v.repo, v.commit_sha, v.files, v.size, v.last_modified, a.last_access, p.commit_sha IS NOT NULL, "
      "v.expected_files, v.missing_files FROM revisions v JOIN repos r ON r.id=v.repo "
      "LEFT JOIN access a ON a.folder=r.folder AND a.commit_sha=v.commit_sha "
      "LEFT JOIN pins p ON p.folder=r.folder AND p.commit_sha=v.commit_sha" + where);
  if (only_folder) revs->bind(1, *only_folder);
  while (revs->step()) {
    auto it = repos.find(revs->int64(0));
    if (it == repos.end()) continue;
    IndexedRevision v;
    v.commit = revs->text(1);
    v.files = static_cast<std::size_t>(revs->int64(2));
    v.size = static_cast<std::uint64_t>(revs->int64(3));
    v.last_modified = revs->int64(4);
    v.last_access = revs->is_null(5) ? v.last_modified : std::max(revs->int64(5), v.last_modified);
    v.pinned = revs->int64(6) != 0;
    if (!revs->is_null(7)) v.expected_files = static_cast<std::size_t>(revs->int64(7));
    v.missing_files = static_cast<std::size_t>(revs->int64(8));
    for (const auto& [name, commit] : it->second.refs)
      if (commit == v.commit) v.refs.push_back(name);
    it->second.last_access = std::max(it->second.last_access, v.last_access);
    it->second.revisions.push_back(std::move(v));
  }
  if (with_files) {
    auto files = db.cached("SELECT f.repo, f.commit_sha, f.path, f.blob, f.size, f.ok FROM files f JOIN repos r ON r.id=f.repo" +
                           where + " ORDER BY f.repo, f.commit_sha, f.path");
    if (only_folder) files->bind(1, *only_folder);
    while (files->step()) {
      auto it = repos.find(files->int64(0));
      if (it == repos.end()) continue;
      auto commit = files->text(1);
      for (auto& v : it->second.revisions) {
        if (v.commit != commit) continue;
        v.file_list.push_back({files->text(2), files->text(3), static_cast<std::uint64_t>(files->int64(4)), files->int64(5) != 0});
        break;
      }
    }
  }
  std::vector<IndexedRepo> out;
  out.reserve(repos.size());
  for (auto& [id, r] : repos) {
    std::sort(r.revisions.begin(), r.revisions.end(), [](const auto& a, const auto& b) {
      return a.last_modified != b.last_modified ? a.last_modified > b.last_modified : a.commit < b.commit;
    });
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.repo.type, a.repo.id) < std::make_pair(b.repo.type, b.repo.id);
  });
  return out;
}

CacheIndex::CacheIndex(core::CacheLayout layout, fs::path db_path)
    : impl_(std::make_unique<Impl>(std::move(layout), std::move(db_path))) {}

CacheIndex::~CacheIndex() = default;

fs::path CacheIndex::default_path(const fs::path& state_dir) { return state_dir / "index.sqlite"; }

const core::CacheLayout& CacheIndex::layout() const { return impl_->layout; }

std::size_t CacheIndex::rebuild() {
  // Scan without the write lock held, so readers and other writers wait only for the short write.
  std::vector<Scanned> scanned;
  for (const auto& [folder, path] : repo_folders(impl_->layout.root())) scanned.push_back(scan_one(impl_->layout, folder));
  std::lock_guard lock(impl_->mutex);
  Transaction tx(impl_->db);
  // Children first: a table that is no parent is emptied at once, the cascades then find nothing.
  impl_->db.exec("DELETE FROM files; DELETE FROM blobs; DELETE FROM refs; DELETE FROM revisions; DELETE FROM repos;");
  std::size_t count = 0;
  for (const auto& s : scanned) {
    impl_->write_repo(s);
    if (s.repo) ++count;
  }
  impl_->prune_usage(std::nullopt);
  impl_->mark_indexed();
  tx.commit();
  return count;
}

void CacheIndex::refresh_repo(const core::RepoRef& repo) {
  auto s = scan_one(impl_->layout, repo.folder_name());
  std::lock_guard lock(impl_->mutex);
  Transaction tx(impl_->db);
  impl_->write_repo(s);
  impl_->prune_usage(s.folder);
  tx.commit();
}

bool CacheIndex::stale() const {
  std::lock_guard lock(impl_->mutex);
  return !impl_->indexed() || !impl_->stale_folders().empty();
}

void CacheIndex::refresh_stale() {
  std::vector<std::string> folders;
  bool never_indexed = false;
  {
    std::lock_guard lock(impl_->mutex);
    never_indexed = !impl_->indexed();
    if (!never_indexed) folders = impl_->stale_folders();
  }
  if (never_indexed) {
    rebuild();
    return;
  }
  if (folders.empty()) return;
  std::vector<Scanned> scanned;
  for (const auto& folder : folders) scanned.push_back(scan_one(impl_->layout, folder));
  std::lock_guard lock(impl_->mutex);
  Transaction tx(impl_->db);
  for (const auto& s : scanned) {
    impl_->write_repo(s);
    impl_->prune_usage(s.folder);
  }
  tx.commit();
}

std::vector<IndexedRepo> CacheIndex::list_repos() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->load(std::nullopt, false);
}

std::optional<IndexedRepo> CacheIndex::repo(const core::RepoRef& repo, bool with_files) const {
  std::lock_guard lock(impl_->mutex);
  auto found = impl_->load(repo.folder_name(), with_files);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

void CacheIndex::touch(const core::RepoRef& repo, std::string_view commit) {
  std::lock_guard lock(impl_->mutex);
  auto put = impl_->db.cached(
      "INSERT INTO access(folder, commit_sha, last_access) VALUES(?,?,?) "
      "ON CONFLICT(folder, commit_sha) DO UPDATE SET last_access=excluded.last_access");
  put->bind(1, repo.folder_name()).bind(2, commit).bind(3, now_seconds()).run();
}

void CacheIndex::set_pinned(const core::RepoRef& repo, std::string_view commit, bool pinned) {
  auto has_revision = [&] {
    std::lock_guard lock(impl_->mutex);
    auto s = impl_->db.cached("SELECT 1 FROM revisions v JOIN repos r ON r.id=v.repo WHERE r.folder=? AND v.commit_sha=?");
    s->bind(1, repo.folder_name()).bind(2, commit);
    return s->step();
  };
  if (pinned && !has_revision()) {
    refresh_repo(repo);  // pulled a moment ago by another process, perhaps
    if (!has_revision())
      throw NotFoundError("revision " + std::string(commit) + " of " + repo.display() + " is not in the cache",
                          "run `hfcache pull " + repo.display() + "` first");
  }
  std::lock_guard lock(impl_->mutex);
  if (pinned) {
    auto put = impl_->db.cached("INSERT OR REPLACE INTO pins(folder, commit_sha, pinned_at) VALUES(?,?,?)");
    put->bind(1, repo.folder_name()).bind(2, commit).bind(3, now_seconds()).run();
  } else {
    auto del = impl_->db.cached("DELETE FROM pins WHERE folder=? AND commit_sha=?");
    del->bind(1, repo.folder_name()).bind(2, commit).run();
  }
}

bool CacheIndex::is_pinned(const core::RepoRef& repo, std::string_view commit) const {
  std::lock_guard lock(impl_->mutex);
  auto s = impl_->db.cached("SELECT 1 FROM pins WHERE folder=? AND commit_sha=?");
  s->bind(1, repo.folder_name()).bind(2, commit);
  return s->step();
}

std::uint64_t CacheIndex::total_size() const {
  std::lock_guard lock(impl_->mutex);
  auto s = impl_->db.cached("SELECT COALESCE(SUM(size), 0) FROM repos");
  return s->step() ? static_cast<std::uint64_t>(s->int64(0)) : 0;
}

std::size_t CacheIndex::repo_count() const {
  std::lock_guard lock(impl_->mutex);
  auto s = impl_->db.cached("SELECT COUNT(*) FROM repos");
  return s->step() ? static_cast<std::size_t>(s->int64(0)) : 0;
}

}  // namespace hfcache::index
