#pragma once
// What `hfcache doctor` found about one revision of a cached repo: a list of findings in plain words,
// each with the command that fixes it, and which offline loaders of huggingface_hub / transformers
// each finding stops (docs/cache-layout.md "Reading the cache offline"). Plain data, no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/repo_id.hpp"

namespace hfcache::doctor {

enum class Severity {
  note,     // worth knowing, loads anyway (a copy instead of a link, no file listing, ...)
  missing,  // something is not in the cache: a pull brings it
  damage,   // something in the cache is wrong: repair (or the named command) fixes it
};
std::string_view to_string(Severity severity);

// The offline loaders doctor judges, as bits: a finding names the ones it stops.
enum Loader : unsigned {
  from_pretrained = 1u << 0,     // AutoConfig / AutoModel.from_pretrained: config.json and the weights
  tokenizer = 1u << 1,           // AutoTokenizer.from_pretrained: the tokenizer files the repo has
  snapshot_download = 1u << 2,   // snapshot_download: every file of the revision, right bytes
  hf_hub_download = 1u << 3,     // hf_hub_download(--file): that one file
};
std::string_view loader_name(Loader loader);

struct Finding {
  Severity severity = Severity::note;
  std::string subject;  // "refs/main", "config.json", "snapshots/<commit>", a path in the repo
  std::string what;     // plain words: what is wrong and what it means for loading
  std::string fix;      // the command that fixes it; "" when the cache cannot (the repo itself lacks it)
  unsigned blocks = 0;  // Loader bits this finding stops
};

struct LoaderVerdict {
  bool applies = false;  // judged for this repo (no tokenizer verdict for a repo without tokenizer files)
  bool loads = false;
  std::string summary;   // one line: what was checked, or the first reason it fails
};

// The question `hfcache doctor` answers with its exit code.
enum class Question {
  from_pretrained,    // a transformers model (the repo has config.json): model and tokenizer
  snapshot_download,  // datasets, spaces, and repos that are no transformers model
  hf_hub_download,    // --file FILE
};

struct Diagnosis {
  core::RepoRef repo;
  std::string revision;
  std::string commit;                // "" when the revision could not be resolved from the cache
  std::string snapshot_path;         // "" when there is none
  std::optional<std::size_t> files_listed;  // from trees/<commit>.json
  std::size_t files_present = 0;     // listed (or, without a listing, found) files that load
  std::optional<std::string> file;   // --file
  Question question = Question::from_pretrained;
  LoaderVerdict model, tokenizer_files, snapshot, single_file;
  std::vector<Finding> findings;

  // The loaders that make up `question`.
  unsigned question_loaders() const;
  // True when every loader of the question would load offline.
  bool loads() const;
  // 0 when it loads; otherwise 6 if a finding that stops it is damage, else 3.
  ExitCode exit_code() const;
  // The first finding that stops the question, if any.
  const Finding* first_blocker() const;
};

}  // namespace hfcache::doctor
