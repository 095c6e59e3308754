// hfcache doctor [REPO]: would from_pretrained(REPO) load offline from this cache, and if not, why and
// which command fixes it. The analysis lives in common/doctor/; this file parses flags and prints.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common_flags.hpp"
#include "core/errors.hpp"
#include "core/revision.hpp"
#include "doctor/doctor.hpp"
#include "doctor/entry_findings.hpp"
#include "hub/token_source.hpp"

namespace hfcache::cli {
namespace {

using nlohmann::json;

constexpr const char* usage =
    "usage: hfcache doctor [REPO] [--revision REV] [--file FILE] [--type model|dataset|space] [--json]\n"
    "                      [--cache-dir DIR] [--config FILE]\n"
    "\n"
    "Explains whether from_pretrained(REPO, revision=REV) would load offline (HF_HUB_OFFLINE=1) from this\n"
    "cache, and if not, exactly why and which command fixes it. Datasets, spaces and repos without a\n"
    "config.json are judged as snapshot_download; --file FILE judges hf_hub_download of that one file.\n"
    "Without REPO: one line per cached repo, for its main branch. Read-only; nothing is downloaded.\n"
    "Exit codes: 0 it would load, 3 something is missing from the cache, 6 something in it is damaged.\n";

// Problem lines shown per repo; --json lists them all.
constexpr std::size_t max_lines_shown = 12;

std::string call_text(const doctor::Diagnosis& d) {
  std::string args = "\"" + d.repo.id + "\"";
  if (d.question == doctor::Question::hf_hub_download) args += ", \"" + *d.file + "\"";
  if (d.repo.type != core::RepoType::model) args += ", repo_type=\"" + std::string(core::to_string(d.repo.type)) + "\"";
  if (d.revision != core::default_revision) args += ", revision=\"" + d.revision + "\"";
  switch (d.question) {
    case doctor::Question::from_pretrained: return "from_pretrained(" + args + ")";
    case doctor::Question::snapshot_download: return "snapshot_download(" + args + ")";
    case doctor::Question::hf_hub_download: return "hf_hub_download(" + args + ")";
  }
  return "";
}

std::string label(const doctor::Finding& f) {
  switch (f.severity) {
    case doctor::Severity::note: return "note";
    case doctor::Severity::missing: return "MISSING";
    case doctor::Severity::damage: return "DAMAGED";
  }
  return "";
}

json verdict_json(const doctor::LoaderVerdict& v) {
  if (!v.applies) return nullptr;
  return {{"loads", v.loads}, {"summary", v.summary}};
}

json diagnosis_json(const doctor::Diagnosis& d) {
  json findings = json::array();
  for (const auto& f : d.findings) {
    json blocks = json::array();
    for (auto loader : {doctor::from_pretrained, doctor::tokenizer, doctor::snapshot_download, doctor::hf_hub_download})
      if (f.blocks & loader) blocks.push_back(doctor::loader_name(loader));
    findings.push_back({{"severity", doctor::to_string(f.severity)}, {"subject", f.subject}, {"what", f.what},
                        {"fix", f.fix}, {"blocks", blocks}});
  }
  const auto* blocker = d.first_blocker();
  return {{"repo", d.repo.id},
          {"type", core::to_string(d.repo.type)},
          {"revision", d.revision},
          {"commit", d.commit.empty() ? json(nullptr) : json(d.commit)},
          {"snapshot_path", d.snapshot_path.empty() ? json(nullptr) : json(d.snapshot_path)},
          {"file", d.file ? json(*d.file) : json(nullptr)},
          {"question", call_text(d)},
          {"loads", d.loads()},
          {"exit_code", static_cast<int>(d.exit_code())},
          {"reason", blocker ? json(blocker->subject + ": " + blocker->what) : json(nullptr)},
          {"fix", blocker ? json(blocker->fix) : json(nullptr)},
          {"files_listed", d.files_listed ? json(*d.files_listed) : json(nullptr)},
          {"files_present", d.files_present},
          {"verdicts", {{"from_pretrained", verdict_json(d.model)},
                        {"tokenizer", verdict_json(d.tokenizer_files)},
                        {"snapshot_download", verdict_json(d.snapshot)},
                        {"hf_hub_download", verdict_json(d.single_file)}}},
          {"findings", findings}};
}

void print_verdict_line(const char* name, const doctor::LoaderVerdict& v) {
  if (!v.applies) return;
  std::printf("  %-6s %-18s %s\n", v.loads ? "ok" : "FAILS", name, v.summary.c_str());
}

void print_diagnosis(const doctor::Diagnosis& d) {
  std::printf("%s (%s) at %s", d.repo.id.c_str(), std::string(core::to_string(d.repo.type)).c_str(), d.revision.c_str());
  if (!d.commit.empty() && d.commit != d.revision) std::printf(" = commit %s", d.commit.c_str());
  std::printf("\n");
  if (!d.snapshot_path.empty()) std::printf("snapshot: %s\n", d.snapshot_path.c_str());
  print_verdict_line("from_pretrained", d.model);
  print_verdict_line("AutoTokenizer", d.tokenizer_files);
  print_verdict_line("snapshot_download", d.snapshot);
  print_verdict_line("hf_hub_download", d.single_file);
  std::map<doctor::Severity, std::size_t> shown, hidden;
  for (const auto& f : d.findings) {
    if (shown[f.severity] == max_lines_shown) {
      ++hidden[f.severity];
      continue;
    }
    ++shown[f.severity];
    std::printf("  %-7s %s: %s\n", label(f).c_str(), f.subject.c_str(), f.what.c_str());
    if (!f.fix.empty()) std::printf("          fix: %s\n", f.fix.c_str());
  }
  for (const auto& [severity, n] : hidden)
    std::printf("  ... and %zu more %s finding(s) (--json lists them all)\n", n, std::string(doctor::to_string(severity)).c_str());
  if (const auto* blocker = d.first_blocker()) {
    std::printf("verdict: %s would NOT load offline from this cache (%s %s)\n", call_text(d).c_str(),
                blocker->subject.c_str(),
                blocker->what.starts_with("a Git LFS pointer file") ? "is a Git LFS pointer file, not the file"
                : blocker->severity == doctor::Severity::damage   ? "is damaged"
                                                                  : "is missing");
    if (!blocker->fix.empty()) std::printf("fix: %s\n", blocker->fix.c_str());
  } else {
    std::printf("verdict: %s would load offline from this cache\n", call_text(d).c_str());
  }
}

// The worst exit code: damage over missing over ok.
ExitCode worst(ExitCode a, ExitCode b) {
  auto rank = [](ExitCode c) { return c == ExitCode::integrity ? 2 : c == ExitCode::ok ? 0 : 1; };
  return rank(a) >= rank(b) ? a : b;
}

int doctor_cache(const core::CacheLayout& layout, const doctor::DoctorOptions& options, bool as_json) {
  std::error_code ec;
  if (!std::filesystem::is_directory(layout.root(), ec))
    throw NotFoundError("the cache folder " + layout.root().string() + " does not exist",
                        "give the cache to check with --cache-dir, or pull something first");
  auto all = doctor::diagnose_cache(layout, options);
  ExitCode code = ExitCode::ok;
  for (const auto& d : all) code = worst(code, d.exit_code());
  if (as_json) {
    json repos = json::array();
    for (const auto& d : all) repos.push_back(diagnosis_json(d));
    std::cout << json{{"cache_dir", layout.root().string()}, {"repos", repos}, {"exit_code", static_cast<int>(code)}}.dump(2)
              << "\n";
    return static_cast<int>(code);
  }
  if (all.empty()) std::printf("no repos in the cache %s\n", layout.root().c_str());
  for (const auto& d : all) {
    std::string name = d.repo.display();
    const auto* blocker = d.first_blocker();
    if (!blocker) {
      std::printf("ok       %-40s main -> %.7s: %s loads (%s)\n", name.c_str(), d.commit.c_str(),
                  d.question == doctor::Question::from_pretrained ? "from_pretrained" : "snapshot_download",
                  d.snapshot.summary.c_str());
      continue;
    }
    std::printf("%-8s %-40s main: %s: %s\n", blocker->severity == doctor::Severity::damage ? "DAMAGED" : "MISSING",
                name.c_str(), blocker->subject.c_str(), blocker->what.c_str());
    if (!blocker->fix.empty()) std::printf("         %-40s fix: %s\n", "", blocker->fix.c_str());
  }
  if (code != ExitCode::ok)
    std::fprintf(stderr, "hfcache: run `hfcache doctor REPO` for everything about one repo\n");
  return static_cast<int>(code);
}

}  // namespace

int cmd_doctor(const ArgList& argv) {
  auto specs = cache_flags();
  specs.insert(specs.end(), {{"revision", true}, {"file", true}, {"type", true}, {"json"}});
  auto args = parse_args(argv, specs, "doctor");
  if (args.has("help")) {
    std::cout << usage;
    return 0;
  }
  if (args.positional.size() > 1) throw UsageError("doctor takes at most one REPO", usage);
  auto settings = settings_from(args);
  core::CacheLayout layout(settings.cache_dir);
  doctor::DoctorOptions options;
  options.copies_expected = settings.disable_symlinks;
  options.token_available = settings.token_file.has_value() || hub::load_token().has_value();
  if (settings.origin.count("cache_dir") && settings.origin.at("cache_dir") == "flag")
    options.command_suffix = " --cache-dir " + doctor::shell_quote(settings.cache_dir.string());
  if (args.positional.empty()) {
    if (args.has("revision") || args.has("file") || args.has("type"))
      throw UsageError("--revision, --file and --type need a REPO", usage);
    note_closed_repos(settings);
    return doctor_cache(layout, options, args.has("json"));
  }
  std::optional<core::RepoType> type;
  if (auto t = args.value("type")) type = core::parse_repo_type(*t);
  auto parsed = core::parse_repo_arg(args.positional[0], type);
  refuse_closed_repo(settings, parsed.repo);
  std::string revision(core::default_revision);
  if (parsed.revision) revision = *parsed.revision;
  if (auto r = args.value("revision")) {
    if (parsed.revision && *parsed.revision != *r)
      throw UsageError("the URL names revision '" + *parsed.revision + "' but --revision says '" + *r + "'");
    revision = *r;
  }
  core::validate_revision(revision);
  options.file = args.value("file");
  auto d = doctor::diagnose(layout, parsed.repo, revision, options);
  if (args.has("json"))
    std::cout << diagnosis_json(d).dump(2) << "\n";
  else
    print_diagnosis(d);
  return static_cast<int>(d.exit_code());
}

}  // namespace hfcache::cli
