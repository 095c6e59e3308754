#include "repair/repo_repairer.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <span>
#include <variant>
#include <system_error>

#include "core/errors.hpp"
#include "core/revision.hpp"
#include "core/temp_sweep.hpp"
#include "core/write_lock.hpp"
#include "core/tree_cache.hpp"
#include "repair/file_moves.hpp"
#include "core/lfs_pointer.hpp"
#include "core/link_target.hpp"
#include "core/lnk_parser.hpp"
#include "util/file_lock.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"

namespace hfcache::repair {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view endpoint_command = "hfcache repair --endpoint https://huggingface.co";

std::vector<fs::path> sorted_entries(const fs::path& dir, bool recursive) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (recursive) {
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!fs::is_directory(it->symlink_status(ec))) out.push_back(it->path());
    }
  } else {
    for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

ContentHashes content_of_string(std::string_view bytes) {
  return {util::sha256_hex(bytes), util::git_blob_sha1_hex(bytes), bytes.size()};
}

}  // namespace

RepoRepairer::RepoRepairer(const core::CacheLayout& layout, core::RepoRef repo, const RepairOptions& options,
                           bool symlinks)
    : layout_(layout), repo_(std::move(repo)), options_(options), symlinks_(symlinks), dir_(layout.repo_dir(repo_)) {
  report_.repo = repo_;
}

RepoReport RepoRepairer::run() {
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir_, ec))) return report_;
  // Leftovers of killed runs and of file managers (core/temp_sweep.hpp); then, while this repair
  // writes, other hfcache commands leave its temp files alone.
  std::optional<core::RepoWriteLock> writing;
  if (!options_.dry_run) {
    core::sweep_leftovers(layout_, repo_, {.litter = true});
    writing.emplace(layout_, repo_);
  }
  report_leftovers();
  repair_refs();
  for (const auto& p : sorted_entries(dir_ / "blobs", false)) initial_blobs_.insert(p.filename().string());
  for (const auto& p : sorted_entries(dir_ / "snapshots", false)) load_listing(p.filename().string(), false);
  scan();
  if (symlinks_) {
    hash_copies();
    for (auto& item : items_)
      if (item.form == Form::dereferenced) handle_copy(item);
  }
  for (auto& item : items_)
    if (!symlinks_ || item.form != Form::dereferenced) handle_other(item);
  std::vector<std::string> finishes;
  for (const auto& e : report_.entries)
    if (!e.fixed && !e.finish.empty() && std::find(finishes.begin(), finishes.end(), e.finish) == finishes.end())
      finishes.push_back(e.finish);
  for (const auto& f : finishes) report_.finish_command += (report_.finish_command.empty() ? "" : " && ") + f;
  if (!options_.dry_run) {  // what is still there once the repair is done (orphans it linked are not)
    writing.reset();
    report_.leftovers.clear();
    report_leftovers();
  }
  return report_;
}

void RepoRepairer::report_leftovers() {
  // A young temp file may be a live writer's: only what a sweep could remove now counts, and what gc
  // clears after a day. OS litter is litter at any age; orphan blobs are harmless but take space.
  // Probed without creating the lock file: verify writes nothing.
  bool idle = util::FileLock::try_lock_probe(layout_.write_lock_path(repo_));
  for (const auto& l : core::find_leftovers(layout_, repo_, true)) {
    leftover_paths_.insert(l.path);
    bool report = false;
    switch (l.kind) {
      case core::LeftoverKind::own_temp:
      case core::LeftoverKind::deleting_folder: report = idle || l.stale; break;
      case core::LeftoverKind::hub_temp:
      case core::LeftoverKind::download_temp: report = l.stale; break;
      case core::LeftoverKind::os_litter:
      case core::LeftoverKind::orphan_blob:
      case core::LeftoverKind::empty_repo: report = true; break;
    }
    if (report)
      report_.leftovers.push_back({l.path == dir_ ? "." : rel(l.path), std::string(core::to_string(l.kind)),
                                   std::string(core::clear_command(l.kind))});
  }
}

// refs/<name>: exactly 40 hex, no newline; whitespace around it is rewritten away.
void RepoRepairer::repair_refs() {
  auto refs = dir_ / "refs";
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(refs, ec))) return;
  for (const auto& p : sorted_entries(refs, true)) {
    if (is_leftover(p) || core::is_atomic_write_leftover(p.filename().string(), false) ||
        !fs::is_regular_file(fs::symlink_status(p, ec)))
      continue;
    auto content = util::read_small_file(p, 4096);
    if (!content) continue;
    if (core::is_commit_hash(*content)) {
      ++report_.entries_ok;
      continue;
    }
    auto name = p.lexically_relative(refs).generic_string();
    auto commit = util::trim(*content);
    EntryReport rep{rel(p), Form::crlf_ref, "", false, 0, ""};
    if (core::is_commit_hash(commit)) {
      rep.action = "rewritten as the bare commit " + std::string(commit) + " (it held whitespace or CRLF)";
      rep.fixed = true;
      if (!options_.dry_run) util::atomic_write_file(p, commit, core::own_temp_tag);
    } else {
      rep.found = Form::unknown;
      rep.action = "left as it is: it holds no commit hash";
      rep.finish = "hfcache pull " + repo_.display() + " --revision " + name;
    }
    add(std::move(rep));
  }
}

void RepoRepairer::scan() {
  std::error_code ec;
  for (const auto& commit_dir : sorted_entries(dir_ / "snapshots", false)) {
    auto commit = commit_dir.filename().string();
    auto st = fs::symlink_status(commit_dir, ec);
    if (fs::is_directory(st)) {
      for (const auto& p : sorted_entries(commit_dir, true)) {
        auto path = p.lexically_relative(commit_dir).generic_string();
        auto at = path.find('\\') == std::string::npos ? std::optional(p) : split_windows_name(p, commit_dir, path);
        if (at) classify(*at, commit, path);
      }
    } else if (fs::is_symlink(st)) {
      add({rel(commit_dir), Form::outside_link, "left as it is: a link in place of a snapshot folder is never followed",
           false, 0, "remove it, then " + pull_command(commit)});
    }
  }
}

// "onnx\model.onnx" as one name: Python's zipfile (and some copy tools) on Linux keep the Windows
// separator. Hub paths never hold a backslash, so the name is the folder path: move the entry
// there, re-pointing a link (its relative target was written for the shallower place), then
// classify it like any other entry. Returns where the entry now is, or nullopt when it stays.
std::optional<fs::path> RepoRepairer::split_windows_name(const fs::path& abs, const fs::path& commit_dir,
                                                         std::string& path) {
  std::string split = path;
  std::replace(split.begin(), split.end(), '\\', '/');
  EntryReport rep{rel(abs), Form::windows_name, "", false, 0, ""};
  try {
    core::validate_repo_path(split);
  } catch (const UsageError&) {
    rep.action = "left as it is: its name is not a safe path in a repo once '\\' is read as a folder separator";
    rep.finish = "remove " + rel(abs);
    add(std::move(rep));
    return std::nullopt;
  }
  auto dest = commit_dir / split;
  struct stat st {};
  if (::lstat(dest.c_str(), &st) == 0) {
    rep.action = "left as it is: " + rel(dest) + " exists beside it";
    rep.finish = "remove " + rel(abs) + " if " + rel(dest) + " is the file you want";
    add(std::move(rep));
    return std::nullopt;
  }
  rep.action = "moved to " + rel(dest) + " (a Windows path kept as one name)";
  rep.fixed = true;
  changed_ = true;
  if (!options_.dry_run) {
    fs::create_directories(dest.parent_path());
    std::error_code ec;
    auto target = fs::is_symlink(fs::symlink_status(abs, ec)) ? fs::read_symlink(abs, ec).string() : std::string();
    auto info = target.empty() ? core::TargetInfo{} : core::analyse_link_target(target, path);
    if (info.etag && info.kind != core::TargetInfo::Kind::outside && info.kind != core::TargetInfo::Kind::foreign) {
      relink(dest, core::snapshot_link_target(split, *info.etag));
      fs::remove(abs);
    } else {
      fs::rename(abs, dest);
    }
  }
  add(std::move(rep));
  path = split;
  return options_.dry_run ? abs : dest;
}

void RepoRepairer::classify(const fs::path& abs, const std::string& commit, const std::string& path) {
  auto name = abs.filename().string();
  if (core::is_atomic_write_leftover(name, false) || is_leftover(abs)) return;  // an interrupted replace, litter
  struct stat st {};
  if (::lstat(abs.c_str(), &st) != 0) return;
  Item item;
  item.commit = commit;
  item.path = path;
  item.abs = abs;
  item.size = static_cast<std::uint64_t>(st.st_size);
  if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    item.found = fs::read_symlink(abs, ec).string();
    auto info = core::analyse_link_target(item.found, path);
    item.etag = info.etag;
    switch (info.kind) {
      case core::TargetInfo::Kind::canonical: item.form = blob_on_disk(*info.etag) ? Form::ok : Form::broken_link; break;
      case core::TargetInfo::Kind::in_repo: item.form = Form::foreign_link; break;
      case core::TargetInfo::Kind::windows: item.form = Form::windows_link; break;
      case core::TargetInfo::Kind::foreign: item.form = Form::foreign_link; break;
      case core::TargetInfo::Kind::outside: item.form = Form::outside_link; break;
    }
  } else if (!S_ISREG(st.st_mode)) {
    item.form = Form::unknown;
    item.found = "neither a file nor a link";
  } else if (st.st_size == 0) {
    // A file the commit holds empty is a copy like any other; anything else is a placeholder.
    load_listing(commit, true);
    auto known = listing_[commit].find(path);
    item.form = known != listing_[commit].end() && known->second.size == 0 ? Form::dereferenced : Form::empty_placeholder;
  } else {
    item.form = Form::dereferenced;
    auto& listed = listing_[commit];
    if (item.size <= core::max_text_link_bytes) {
      auto text = util::read_small_file(abs, core::max_text_link_bytes);
      auto etag = text ? core::parse_text_link(*text) : std::nullopt;
      auto known = listed.find(path);
      // The repo may hold a file whose content happens to look like a link: the listing tells.
      bool real = text && known != listed.end() && names_content(known->second.etag, content_of_string(*text));
      if (etag && !real) {
        item.form = Form::text_link;
        item.etag = etag;
        item.found = std::string(util::trim(*text));
      }
    }
    if (item.form == Form::dereferenced && name.size() > 4 && name.ends_with(".lnk") && item.size <= core::max_lnk_bytes &&
        !listed.contains(path)) {
      auto bytes = util::read_small_file(abs, core::max_lnk_bytes);
      std::variant<core::LnkTarget, std::string> parsed = std::string("unreadable");
      if (bytes) parsed = core::parse_lnk(std::span(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size()));
      if (auto* target = std::get_if<core::LnkTarget>(&parsed); target && core::blob_name_of(target->path)) {
        item.form = Form::shell_shortcut;
        item.etag = core::blob_name_of(target->path);
        item.found = target->path;
        item.path = path.substr(0, path.size() - 4);
        struct stat named {};
        item.name_taken = ::lstat(abs.parent_path().append(name.substr(0, name.size() - 4)).c_str(), &named) == 0;
      }
    }
  }
  // A Git LFS pointer where the content belongs (a copied clone made without git-lfs, a cache edited
  // by hand) loads as nothing: it is named as such, whatever the link or listing says.
  if (item.form == Form::ok || item.form == Form::dereferenced) {
    struct stat target {};
    if (::stat(abs.c_str(), &target) == 0 && S_ISREG(target.st_mode) &&
        static_cast<std::uint64_t>(target.st_size) <= core::lfs_pointer_max_size)
      if (auto pointer = core::read_lfs_pointer_file(abs)) {
        item.form = Form::lfs_pointer;
        item.found = core::lfs_pointer_explanation(path, *pointer);
        item.lfs_sha256 = pointer->sha256;
      }
  }
  items_.push_back(std::move(item));
}

void RepoRepairer::hash_copies() {
  if (copies_hashed_) return;
  copies_hashed_ = true;
  for (auto& item : items_) {
    if (item.form != Form::dereferenced) continue;
    if (!item.content) item.content = hash_regular_file(item.abs);
    copy_by_hash_.emplace(item.content->sha256, &item);
    copy_by_hash_.emplace(item.content->git_sha1, &item);
  }
}

// Pass 1 (symlink mode): a full copy goes into blobs/ (unless its blob is there and matches), then becomes a link.
void RepoRepairer::handle_copy(Item& item) {
  EntryReport rep{rel(item.abs), Form::dereferenced, "", false, 0, ""};
  const auto& content = *item.content;
  auto known_fn = [this](const std::string& e) {
    return known_etags_.contains(e) || (blob_on_disk(e) && blob_state(e) == BlobState::valid);
  };
  auto listed = listed_etag(item.commit, item.path, false);
  auto choice = choose_etag(content, item.path, listed, known_fn);
  std::string why;
  if (!choice) {
    // Not the bytes the commit holds here: keep them as an orphan blob under their own name, then link
    // the entry to the blob the listing names.
    rep.found = Form::corrupt;
    auto own = choose_etag(content, item.path, std::nullopt, known_fn)->etag;
    if (blob_state(own) == BlobState::corrupt) set_aside_corrupt(own);
    if (blob_state(own) == BlobState::absent) {
      if (!options_.dry_run) {
        util::FileLock lock(layout_.lock_path(repo_, own));
        store_as_blob(item.abs, layout_.blob_path(repo_, own), own);
      }
      planned_blobs_.insert(own);
      blob_states_[own] = BlobState::valid;
    }
    if (blob_state(own) != BlobState::valid) {  // nowhere safe to keep the bytes: touch nothing
      rep.action = "left as it is: its content is not what commit " + item.commit + " holds, and blobs/" + own +
                   " (its own name) is taken by other bytes";
      rep.finish = "remove " + rel(layout_.blob_path(repo_, own)) + ", then hfcache repair";
      add(std::move(rep));
      return;
    }
    why = "its content is not what commit " + item.commit + " holds (expected " + *listed + "); its bytes are kept as blobs/" + own;
    if (blob_state(*listed) == BlobState::corrupt) set_aside_corrupt(*listed);
    if (blob_state(*listed) == BlobState::valid) {
      link_entry(item, *listed);
      rep.action = why + "; linked to blobs/" + *listed;
      rep.fixed = true;
      add(std::move(rep));
    } else {
      dangle(item, *listed, rep, why);
    }
    return;
  }
  const auto& etag = choice->etag;
  auto state = blob_state(etag);
  if (state == BlobState::corrupt) {
    set_aside_corrupt(etag);
    why = "; blobs/" + etag + " did not match its name and was set aside";
    state = blob_state(etag);
  }
  if (state == BlobState::corrupt) {
    rep.action = "left as it is: blobs/" + etag + " is in the way and cannot be set aside";
    rep.finish = "remove " + rel(layout_.blob_path(repo_, etag)) + ", then hfcache repair";
    add(std::move(rep));
    return;
  }
  auto blob = layout_.blob_path(repo_, etag);
  if (state == BlobState::valid) {
    // Removing the last name of the copy frees its bytes; a hard link of the blob frees nothing.
    rep.bytes_freed = link_count(item.abs) == 1 ? content.size : 0;
    rep.action = "replaced by a link to blobs/" + etag + " (the blob holds the same bytes)" + why;
    if (!options_.dry_run) relink(item.abs, core::snapshot_link_target(item.path, etag));
  } else {
    rep.action = "moved into blobs/" + etag + " (etag: " + std::string(to_string(choice->source)) + "), then linked" + why;
    if (initial_blobs_.empty()) rep.action += "; blobs/ was empty, as huggingface_hub leaves it without symlinks";
    if (!options_.dry_run) {
      util::FileLock lock(layout_.lock_path(repo_, etag));  // as huggingface_hub around a blob it writes
      store_as_blob(item.abs, blob, etag);
      relink(item.abs, core::snapshot_link_target(item.path, etag));
    }
    planned_blobs_.insert(etag);
    blob_states_[etag] = BlobState::valid;
  }
  rep.fixed = true;
  add(std::move(rep));
}

// Pass 2: entries that hold no bytes of their own (or that copy mode keeps as copies).
void RepoRepairer::handle_other(Item& item) {
  EntryReport rep{rel(item.abs), item.form, "", false, 0, ""};
  if (item.form == Form::dereferenced) {  // copy mode: a copy is what huggingface_hub itself leaves
    if (options_.verify_blobs) {
      auto content = hash_regular_file(item.abs);
      auto listed = listed_etag(item.commit, item.path, false);
      if (listed && !names_content(*listed, content)) {
        rep.found = Form::corrupt;
        rep.action = "left as it is: its content is not what commit " + item.commit + " holds (expected " + *listed + ")";
        rep.finish = "remove " + rel(item.abs) + ", then " + pull_command(item.commit);
        add(std::move(rep));
        return;
      }
    }
    ++report_.entries_ok;
    return;
  }
  if (item.form == Form::ok) {
    auto state = options_.verify_blobs ? blob_state(*item.etag) : BlobState::valid;
    if (state == BlobState::valid) {
      ++report_.entries_ok;
      return;
    }
    rep.found = state == BlobState::corrupt ? Form::corrupt : Form::broken_link;
    std::string why = "blobs/" + *item.etag + " was set aside earlier in this run: it did not match its name";
    if (state == BlobState::corrupt) {
      why = "blobs/" + *item.etag + " does not match its name";
      set_aside_corrupt(*item.etag);
    }
    rep.action = why + "; the link now waits for the blob to be downloaded again";
    rep.finish = pull_command(item.commit);
    add(std::move(rep));
    return;
  }
  if (item.form == Form::lfs_pointer) {
    // When the listing names the real file (the hub's listing), the entry becomes a link to that
    // blob (a download fills it); a listing made from the pointer itself cannot tell the real file.
    auto listed = listed_etag(item.commit, item.path, false);
    if (listed && *listed == item.lfs_sha256) {
      if (blob_state(*listed) == BlobState::corrupt) set_aside_corrupt(*listed);
      if (blob_state(*listed) == BlobState::valid) {
        link_entry(item, *listed);
        rep.action = item.found + "; linked to blobs/" + *listed + ", which holds the real file";
        rep.fixed = true;
        add(std::move(rep));
      } else {
        dangle(item, *listed, rep, item.found);
      }
      return;
    }
    rep.action = "left as it is: " + item.found;
    rep.finish = "git lfs pull in the clone it came from, then hfcache import it again; or " + pull_command(item.commit);
    add(std::move(rep));
    return;
  }
  if (item.form == Form::unknown) {
    rep.action = "left as it is: " + item.found;
    add(std::move(rep));
    return;
  }
  // Which blob: the listing of the commit first, else what the entry itself names.
  bool placeholder = item.form == Form::empty_placeholder;
  auto listed = listed_etag(item.commit, item.path, placeholder || !item.etag);
  auto etag = listed ? listed : item.etag;
  std::string found = item.found.empty() ? "" : " (" + item.found + ")";
  if (!etag) {
    if (placeholder) {
      rep.action = "left as it is: no listing of commit " + item.commit + " names this file" +
                   (upstream_error_.empty() ? "" : " (upstream: " + upstream_error_ + ")");
    } else {
      rep.action = "left as it is" + found + ": never followed, and no listing tells which blob it should name";
    }
    // A listing that exists and does not name the file says the commit has no such file.
    bool listing_known = !listing_[item.commit].empty();
    rep.finish = options_.list_upstream || listing_known ? "remove " + rel(item.abs) + " (commit " + item.commit + " has no such file)"
                                               : std::string(endpoint_command);
    add(std::move(rep));
    return;
  }
  auto state = blob_state(*etag);
  if (state == BlobState::corrupt) {
    set_aside_corrupt(*etag);
    state = blob_state(*etag);
  }
  bool bytes = state == BlobState::valid;
  if (!bytes && !symlinks_) {
    hash_copies();
    bytes = copy_by_hash_.contains(*etag);
  }
  if (item.form == Form::broken_link && bytes && symlinks_) {
    rep.action = "blobs/" + *etag + " restored from a copy in another snapshot";
    rep.fixed = true;
    add(std::move(rep));
    return;
  }
  if (item.form == Form::shell_shortcut && item.name_taken) {
    rep.action = "removed: " + item.path.substr(item.path.rfind('/') + 1) + " exists beside it";
    rep.fixed = true;
    if (!options_.dry_run) fs::remove(item.abs);
    add(std::move(rep));
    return;
  }
  if (!bytes) {
    dangle(item, *etag, rep, "blobs/" + *etag + " is missing and no snapshot holds its bytes");
    return;
  }
  link_entry(item, *etag);
  if (symlinks_)
    rep.action = (item.form == Form::shell_shortcut ? "replaced by a link " + item.path + " -> " : "relinked to ") +
                 core::snapshot_link_target(item.path, *etag) + found;
  else
    rep.action = "replaced by a copy of blob " + *etag + found + " (no symlinks: huggingface_hub's Windows mode)";
  rep.fixed = true;
  add(std::move(rep));
}

void RepoRepairer::link_entry(const Item& item, const std::string& etag) {
  changed_ = true;
  if (options_.dry_run) return;
  auto dst = item.form == Form::shell_shortcut ? item.abs.parent_path() / fs::path(item.path).filename() : item.abs;
  if (symlinks_) {
    relink(dst, core::snapshot_link_target(item.path, etag));
  } else {
    auto blob = layout_.blob_path(repo_, etag);
    bool blob_ok = blob_on_disk(etag) && blob_state(etag) == BlobState::valid;
    write_copy_atomically(blob_ok ? blob : copy_by_hash_.at(etag)->abs, dst);
  }
  if (item.form == Form::shell_shortcut) fs::remove(item.abs);
}

void RepoRepairer::dangle(Item& item, const std::string& etag, EntryReport& rep, const std::string& why) {
  rep.finish = pull_command(item.commit);
  if (!symlinks_) {
    // No dangling link possible: the entry stays, and pull only fills entries that are absent.
    rep.action = "left as it is: " + why;
    rep.finish = "remove " + rel(item.abs) + ", then " + rep.finish;
  } else if (item.form == Form::broken_link) {
    rep.action = "left as it is: " + why;
  } else {
    // The entry holds no bytes, only the blob's name: a correct link to the missing blob keeps that
    // name where huggingface_hub and `hfcache pull` look, and both download into it.
    rep.action = why + "; replaced by a link to it (" + core::snapshot_link_target(item.path, etag) +
                 ") that the download fills";
    link_entry(item, etag);
  }
  add(std::move(rep));
}

std::optional<std::string> RepoRepairer::listed_etag(const std::string& commit, const std::string& path,
                                                     bool ask_upstream) {
  load_listing(commit, false);
  auto find = [&]() -> std::optional<std::string> {
    auto it = listing_[commit].find(path);
    if (it == listing_[commit].end()) return std::nullopt;
    return it->second.etag;
  };
  if (auto found = find()) return found;
  if (!ask_upstream) return std::nullopt;
  load_listing(commit, true);
  return find();
}

void RepoRepairer::load_listing(const std::string& commit, bool ask_upstream) {
  auto& files = listing_[commit];
  if (listing_loaded_.insert(commit).second) {
    if (auto tree = core::read_tree_cache(layout_, repo_, commit))
      for (const auto& e : *tree) files.emplace(e.path, KnownFile{e.etag(), e.size});
    if (options_.extra_catalog) {
      if (auto it = options_.extra_catalog->find(commit); it != options_.extra_catalog->end())
        for (const auto& [path, file] : it->second) files.emplace(path, file);
    }
    for (const auto& [path, file] : files) known_etags_.insert(file.etag);
  }
  if (!ask_upstream || !options_.list_upstream || !upstream_asked_.insert(commit).second || !core::is_commit_hash(commit))
    return;
  try {
    for (const auto& [path, file] : options_.list_upstream(repo_, commit)) {
      files.emplace(path, file);
      known_etags_.insert(file.etag);
    }
  } catch (const std::exception& e) {
    upstream_error_ = e.what();
  }
}

bool RepoRepairer::blob_on_disk(const std::string& etag) const {
  struct stat st {};
  return ::lstat(layout_.blob_path(repo_, etag).c_str(), &st) == 0;
}

RepoRepairer::BlobState RepoRepairer::blob_state(const std::string& etag) {
  if (auto it = blob_states_.find(etag); it != blob_states_.end()) return it->second;
  auto path = layout_.blob_path(repo_, etag);
  struct stat st {};
  BlobState state = BlobState::absent;
  if (::lstat(path.c_str(), &st) == 0) {
    if (S_ISREG(st.st_mode)) {
      auto content = hash_regular_file(path);
      state = names_content(etag, content) ? BlobState::valid : BlobState::corrupt;
      if (state == BlobState::corrupt) corrupt_content_[etag] = content;
    } else if (S_ISLNK(st.st_mode)) {
      // A shared blob store (docs/cache-layout.md "Shared blob store") links blobs/<etag> into
      // <cache>/blobs/: trusted only there.
      std::error_code ec;
      auto real = fs::canonical(path, ec);
      auto root = fs::canonical(layout_.root(), ec);
      auto inside = !ec && !real.lexically_relative(root).empty() && *real.lexically_relative(root).begin() != "..";
      state = inside && fs::is_regular_file(real, ec) ? BlobState::valid : BlobState::corrupt;
    } else {
      state = BlobState::corrupt;
    }
  }
  blob_states_[etag] = state;
  return state;
}

// A blob whose name matches neither hash of its content is never linked; its bytes move to their own name.
void RepoRepairer::set_aside_corrupt(const std::string& etag) {
  auto path = layout_.blob_path(repo_, etag);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISLNK(st.st_mode)) {  // a link holds no bytes
    if (!options_.dry_run) fs::remove(path);
  } else if (S_ISREG(st.st_mode)) {
    const auto& content = corrupt_content_.at(etag);
    auto own = etag.size() == 64 || content.size >= lfs_size_threshold ? content.sha256 : content.git_sha1;
    auto state = blob_state(own);
    if (state == BlobState::corrupt) return;  // both names taken by wrong bytes: leave them to the user
    if (!options_.dry_run) {
      util::FileLock lock(layout_.lock_path(repo_, etag));
      if (state == BlobState::valid) fs::remove(path);  // the same bytes are already kept under their name
      else fs::rename(path, layout_.blob_path(repo_, own));
    }
    blob_states_[own] = BlobState::valid;
  } else {
    return;
  }
  changed_ = true;
  blob_states_[etag] = BlobState::absent;
  add({rel(path), Form::corrupt,
       "set aside: its content matches neither hash its name could be; it is never linked", true, 0, ""});
}

std::string RepoRepairer::pull_command(const std::string& commit) const {
  return "hfcache pull " + repo_.display() + " --revision " + commit;
}

std::string RepoRepairer::rel(const fs::path& p) const { return p.lexically_relative(dir_).generic_string(); }

void RepoRepairer::add(EntryReport rep) {
  if (rep.fixed) changed_ = true;
  report_.bytes_freed += rep.bytes_freed;
  if (!rep.fixed) report_.complete = false;
  report_.entries.push_back(std::move(rep));
}

}  // namespace hfcache::repair
