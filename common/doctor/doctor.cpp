#include "doctor/doctor.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <system_error>

#include "core/closed_repo.hpp"
#include "core/revision.hpp"
#include "core/tree_cache.hpp"
#include "doctor/entry_findings.hpp"
#include "doctor/loader_files.hpp"
#include "doctor/ref_inspection.hpp"
#include "util/fs.hpp"

namespace hfcache::doctor {
namespace {

namespace fs = std::filesystem;

constexpr unsigned every_loader = from_pretrained | tokenizer | snapshot_download | hf_hub_download;
// A sharded-weights index is a few MB at most; a bigger one is not read.
constexpr std::size_t max_index_bytes = 64u << 20;

// Files present in a snapshot folder (links and regular files, not following linked folders); a
// <name>.lnk shortcut stands for <name>.
std::set<std::string> present_files(const fs::path& snapshot) {
  std::set<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(snapshot, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    auto st = it->symlink_status(ec);
    if (ec || fs::is_directory(st)) continue;
    auto rel = it->path().lexically_relative(snapshot).generic_string();
    out.insert(rel);
  }
  for (auto it = out.begin(); it != out.end(); ++it)
    if (it->ends_with(".lnk")) out.insert(it->substr(0, it->size() - 4));
  return out;
}

std::set<std::string> no_exist_markers(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file(ec)) out.insert(it->path().lexically_relative(dir).generic_string());
  return out;
}

// True when opening the path gives a file at all (os.path.exists), whatever its bytes: transformers
// then picks that file instead of trying the next weights name.
bool opens_as_file(EntryKind kind) {
  switch (kind) {
    case EntryKind::missing:
    case EntryKind::partial:
    case EntryKind::blob_unlinked:
    case EntryKind::shortcut:
    case EntryKind::broken_link:
      return false;
    default:
      return true;
  }
}

// Everything needed to judge one revision, filled step by step by diagnose().
struct Work {
  const core::CacheLayout& layout;
  const DoctorOptions& options;
  Diagnosis& d;
  FixCommands fix;
  std::optional<std::map<std::string, ExpectedFile>> listing;
  std::set<std::string> present, no_exist;
  std::map<std::string, EntryState> states;
  std::map<std::string, unsigned> roles;  // path -> loaders that need it

  std::optional<ExpectedFile> expected(const std::string& path) const {
    if (!listing) return std::nullopt;
    auto it = listing->find(path);
    return it == listing->end() ? std::nullopt : std::optional(it->second);
  }
  const EntryState& state(const std::string& path) {
    auto it = states.find(path);
    if (it == states.end()) it = states.emplace(path, inspect_entry(layout, d.repo, d.commit, path, expected(path))).first;
    return it->second;
  }
  // The hub said so (.no_exist), or the listing does not have it.
  bool known_absent(const std::string& path) const {
    return no_exist.count(path) || (listing && !listing->count(path));
  }
  bool known_present(const std::string& path) const { return listing ? listing->count(path) > 0 : present.count(path) > 0; }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    if (listing)
      for (const auto& [path, _] : *listing) out.push_back(path);
    else
      for (const auto& path : present)
        if (!(path.ends_with(".lnk") && present.count(path.substr(0, path.size() - 4)))) out.push_back(path);
    return out;
  }
  void add(Severity severity, std::string subject, std::string what, std::string fix_command, unsigned blocks) {
    d.findings.push_back({severity, std::move(subject), std::move(what), std::move(fix_command), blocks});
  }
};

// from_pretrained: config.json, then the weights transformers would pick.
void judge_model(Work& w) {
  w.d.model.applies = true;
  w.roles[std::string(config_file)] |= from_pretrained;
  std::optional<std::string> first_failed;
  for (auto candidate : weight_candidates()) {
    std::string name(candidate);
    if (!w.known_present(name)) continue;
    const auto& st = w.state(name);
    if (!st.loads && !opens_as_file(st.kind)) {
      if (!first_failed) first_failed = name;
      continue;  // transformers finds no file under this name and tries the next one
    }
    w.roles[name] |= from_pretrained;
    w.d.model.summary = std::string(config_file) + " and " + name;
    if (st.loads && is_weight_index(name)) {
      auto text = util::read_small_file(w.layout.snapshot_file(w.d.repo, w.d.commit, name), max_index_bytes);
      auto shards = text ? shards_of_index(*text) : std::nullopt;
      if (!shards) {
        w.add(Severity::damage, name, "not a readable sharded-weights index (no weight_map of file names)",
              w.fix.repair_verify() + "; " + w.fix.pull(), from_pretrained | snapshot_download);
        return;
      }
      for (const auto& shard : *shards) w.roles[shard] |= from_pretrained;
      w.d.model.summary += " (" + std::to_string(shards->size()) + " shards)";
    }
    return;
  }
  if (first_failed) {
    w.roles[*first_failed] |= from_pretrained;
  } else if (w.listing) {
    w.add(Severity::note, "weights",
          "the revision has no model.safetensors, pytorch_model.bin or sharded index: AutoModel.from_pretrained "
          "fails online too (AutoConfig and AutoTokenizer are not affected)", "", 0);
    w.d.model.summary = std::string(config_file) + " (the repo has no weights)";
  } else {
    w.add(Severity::missing, "weights",
          "no model.safetensors, pytorch_model.bin or sharded index in the snapshot (from_pretrained needs one)",
          w.fix.pull(), from_pretrained);
  }
}

// AutoTokenizer: settings files are parsed when present; tokenizer.json wins when it loads, and only
// without it are the slow vocabulary files read (transformers rebuilds the tokenizer from them).
void judge_tokenizer(Work& w, const std::vector<std::string>& files) {
  std::vector<std::string> tokenizer_files;
  for (const auto& path : files)
    if (is_tokenizer_file(path)) tokenizer_files.push_back(path);
  w.d.tokenizer_files.applies = !tokenizer_files.empty();
  if (tokenizer_files.empty()) return;
  // transformers 5 reads config.json for AutoTokenizer too (4.46 does not): without it, it fails offline.
  w.roles[std::string(config_file)] |= tokenizer;
  auto damaged = [&](const std::string& path) { return !w.state(path).loads && opens_as_file(w.state(path).kind); };
  std::string fast(fast_tokenizer_file);
  bool has_fast = std::find(tokenizer_files.begin(), tokenizer_files.end(), fast) != tokenizer_files.end();
  bool has_slow = false;
  for (const auto& path : tokenizer_files) {
    if (is_tokenizer_settings_file(path) && damaged(path)) w.roles[path] |= tokenizer;
    has_slow = has_slow || is_slow_vocabulary_file(path);
  }
  if (has_fast && (w.state(fast).loads || damaged(fast))) {
    if (!w.state(fast).loads) w.roles[fast] |= tokenizer;
    return;
  }
  if (has_fast && !has_slow) w.roles[fast] |= tokenizer;
  for (const auto& path : tokenizer_files)
    if (is_slow_vocabulary_file(path) && !w.state(path).loads) w.roles[path] |= tokenizer;
}

void judge_revision(Work& w) {
  auto& d = w.d;
  if (auto listing = core::read_tree_cache(w.layout, d.repo, d.commit)) {
    w.listing.emplace();
    for (const auto& e : *listing) w.listing->emplace(e.path, ExpectedFile{e.etag(), e.size});
    d.files_listed = w.listing->size();
  } else {
    w.add(Severity::note, "trees/" + d.commit + ".json",
          "no file listing for this commit: sizes cannot be checked, and an offline snapshot_download returns the "
          "folder whether or not it is complete", w.fix.pull() + "   (writes the listing)", 0);
  }
  w.present = present_files(d.snapshot_path);
  w.no_exist = no_exist_markers(w.layout.repo_dir(d.repo) / ".no_exist" / d.commit);
  auto files = w.files();
  for (const auto& path : files) w.roles[path] |= snapshot_download;

  if (d.question == Question::hf_hub_download) {
    const auto& path = *d.file;
    if (w.no_exist.count(path))
      w.add(Severity::missing, path, "the hub said this file does not exist at commit " + d.commit + " (.no_exist marker)",
            "", hf_hub_download);
    else if (w.listing && !w.listing->count(path))
      w.add(Severity::missing, path, "not a file of this revision (the file listing of commit " + d.commit + " has no such path)",
            "", hf_hub_download);
    else
      w.roles[path] |= hf_hub_download;
  } else if (d.question == Question::from_pretrained) {
    if (w.known_absent(std::string(config_file))) {
      d.question = Question::snapshot_download;
      d.model.applies = d.tokenizer_files.applies = false;
      w.add(Severity::note, std::string(config_file),
            "the revision has no config.json: not a transformers model, so doctor judges snapshot_download", "", 0);
    } else {
      judge_model(w);
      judge_tokenizer(w, files);
    }
  }

  std::size_t copies = 0;
  std::vector<Finding> entry_findings;
  for (const auto& [path, role] : w.roles) {
    const auto& st = w.state(path);
    if (st.loads && (role & snapshot_download)) ++d.files_present;
    if (st.kind == EntryKind::copy) ++copies;
    auto finding = entry_finding(st, path, w.expected(path), w.fix);
    if (!finding) continue;
    finding->blocks = st.loads ? 0u : role;
    if (d.question == Question::hf_hub_download && path == *d.file)
      finding->fix = finding->fix == w.fix.pull() ? w.fix.pull_file(path) : finding->fix;
    entry_findings.push_back(std::move(*finding));
  }
  // What stops the question first, then damage before missing files, then by path.
  unsigned asked = d.question_loaders();
  std::stable_sort(entry_findings.begin(), entry_findings.end(), [&](const Finding& a, const Finding& b) {
    auto rank = [&](const Finding& f) { return std::pair((f.blocks & asked) ? 0 : 1, f.severity == Severity::damage ? 0 : 1); };
    return rank(a) < rank(b);
  });
  for (auto& f : entry_findings) d.findings.push_back(std::move(f));
  if (copies > 0 && !w.options.copies_expected)
    w.add(Severity::note, "snapshot", std::to_string(copies) + " file(s) are full copies, not links into blobs/: they "
          "load, but take space twice when shared", w.fix.repair() + "   (turns them into links)", 0);
}

void summarise(Work& w) {
  auto& d = w.d;
  auto verdict = [&](LoaderVerdict& v, Loader loader, std::string ok_summary) {
    const Finding* blocker = nullptr;
    for (const auto& f : d.findings)
      if (f.blocks & loader) {
        blocker = &f;
        break;
      }
    v.loads = blocker == nullptr;
    v.summary = blocker ? blocker->subject + (blocker->severity == Severity::damage ? " is damaged" : " is missing")
                        : std::move(ok_summary);
  };
  d.snapshot.applies = true;
  std::string listed = d.files_listed ? " of " + std::to_string(*d.files_listed) + " listed" : " found";
  verdict(d.snapshot, snapshot_download, std::to_string(d.files_present) + listed + " files load");
  if (d.model.applies) verdict(d.model, from_pretrained, d.model.summary);
  if (d.tokenizer_files.applies) {
    std::size_t n = 0, loading = 0;
    for (const auto& path : w.files())
      if (is_tokenizer_file(path)) {
        ++n;
        loading += w.state(path).loads ? 1 : 0;
      }
    verdict(d.tokenizer_files, tokenizer,
            std::to_string(loading) + " of " + std::to_string(n) + " tokenizer file(s)" +
                (loading < n ? " (transformers makes do without the others)" : ""));
  }
  if (d.file) {
    d.single_file.applies = true;
    verdict(d.single_file, hf_hub_download, d.snapshot_path.empty() ? *d.file : d.snapshot_path + "/" + *d.file);
  }
  bool needs_pull = false;
  for (const auto& f : d.findings) needs_pull = needs_pull || f.fix.find("hfcache pull") != std::string::npos;
  if (needs_pull && !w.options.token_available)
    w.add(Severity::note, "token",
          "offline, doctor cannot tell whether " + d.repo.display() + " is gated or private; if it is, the pull needs "
          "a token and none is set (HF_TOKEN, or HF_TOKEN_PATH / $HF_HOME/token)", "export HF_TOKEN=hf_...", 0);
}

}  // namespace

Diagnosis diagnose(const core::CacheLayout& layout, const core::RepoRef& repo, std::string_view revision,
                   const DoctorOptions& options) {
  Diagnosis d;
  d.repo = repo;
  d.revision = std::string(revision);
  d.file = options.file;
  if (d.file) core::validate_repo_path(*d.file);
  d.question = d.file ? Question::hf_hub_download
               : repo.type == core::RepoType::model ? Question::from_pretrained
                                                    : Question::snapshot_download;
  // judge_revision may find it is no transformers model, or has no tokenizer files.
  d.model.applies = d.tokenizer_files.applies = d.question == Question::from_pretrained;
  Work w{layout, options, d, FixCommands{repo, std::string(revision), options.command_suffix}, {}, {}, {}, {}, {}};
  std::error_code ec;
  auto repo_dir = layout.repo_dir(repo);
  auto fixed_pull = d.file ? w.fix.pull_file(*d.file) : w.fix.pull();
  if (!fs::is_directory(repo_dir, ec)) {
    w.add(Severity::missing, repo.folder_name(), "not in the cache (" + repo_dir.string() + " does not exist)",
          fixed_pull, every_loader);
    summarise(w);
    return d;
  }
  auto ref = inspect_ref(layout, repo, revision);
  std::string ref_name = "refs/" + d.revision;
  switch (ref.kind) {
    case RefKind::commit_given:
    case RefKind::ok:
      break;
    case RefKind::missing: {
      std::string what = "no " + ref_name + ": offline, huggingface_hub resolves a branch or tag only through that file";
      if (!ref.other_refs.empty()) {
        what += " (the cache has";
        for (const auto& [name, commit] : ref.other_refs) what += " " + name + "=" + commit.substr(0, 7);
        what += ")";
      }
      std::string fix = fixed_pull;
      if (ref.expanded_short_hash) {
        what += "; '" + d.revision + "' looks like a short commit hash, and offline only the full hash works";
        fix = "use revision=\"" + *ref.expanded_short_hash + "\"";
      }
      w.add(Severity::missing, ref_name, what, fix, every_loader);
      break;
    }
    case RefKind::untrimmed:
      w.add(Severity::damage, ref_name,
            "holds the commit with a line ending or spaces around it; huggingface_hub reads the file verbatim, so "
            "the commit it looks for does not exist", w.fix.repair(), every_loader);
      break;
    case RefKind::malformed:
      w.add(Severity::damage, ref_name, "does not hold a 40-hex commit (" + std::to_string(ref.raw.size()) + " bytes)",
            fixed_pull + "   (rewrites the ref)", every_loader);
      break;
  }
  if (ref.commit.empty()) {
    summarise(w);
    return d;
  }
  d.commit = ref.commit;
  auto snapshot = layout.snapshot_dir(repo, d.commit);
  if (!fs::is_directory(snapshot, ec)) {
    bool denied = ec == std::errc::permission_denied;
    w.add(denied ? Severity::damage : Severity::missing, "snapshots/" + d.commit,
          denied ? "the snapshot folder cannot be read (permission denied)"
                 : "no snapshot folder for commit " + d.commit + (ref.kind == RefKind::commit_given ? "" : " (" + ref_name + " points there)"),
          denied ? "chmod a+rx " + shell_quote(snapshot.string()) : fixed_pull, every_loader);
    summarise(w);
    return d;
  }
  d.snapshot_path = snapshot.string();
  judge_revision(w);
  summarise(w);
  return d;
}

std::vector<Diagnosis> diagnose_cache(const core::CacheLayout& layout, const DoctorOptions& options) {
  std::vector<core::RepoRef> repos;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout.root(), ec)) {
    if (!entry.is_directory(ec) || entry.is_symlink(ec)) continue;
    auto repo = core::repo_from_folder_name(entry.path().filename().string());
    // A folder closed to this user (protect_restricted_repos) is not ours to judge: the caller names it.
    if (repo && !core::repo_folder_closed(layout, *repo)) repos.push_back(*repo);
  }
  std::sort(repos.begin(), repos.end(),
            [](const auto& a, const auto& b) { return std::pair(a.type, a.id) < std::pair(b.type, b.id); });
  std::vector<Diagnosis> out;
  DoctorOptions per_repo = options;
  per_repo.file.reset();
  for (const auto& repo : repos) out.push_back(diagnose(layout, repo, core::default_revision, per_repo));
  return out;
}

}  // namespace hfcache::doctor
