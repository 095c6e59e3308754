// hfcache doctor on hand-built caches: one healthy repo, then each way it can fail to load offline.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/cache_layout.hpp"
#include "core/refs.hpp"
#include "core/tree_cache.hpp"
#include "doctor/doctor.hpp"
#include "doctor/entry_inspection.hpp"
#include "doctor/ref_inspection.hpp"
#include "support/temp_dir.hpp"
#include "util/fs.hpp"

using namespace hfcache;
using namespace hfcache::doctor;
using test_support::TempDir;
using test_support::write_file;
namespace fs = std::filesystem;

namespace {

const std::string commit = "0123456789abcdef0123456789abcdef01234567";

// A repo in a temp cache, its files linked exactly as huggingface_hub links them, with refs/main and
// trees/<commit>.json. Damage it afterwards through the paths it exposes.
struct FakeRepo {
  TempDir tmp;
  core::CacheLayout layout{tmp.path};
  core::RepoRef repo;
  std::vector<core::TreeEntry> listing;
  std::map<std::string, std::string> etags;

  explicit FakeRepo(core::RepoRef r = {core::RepoType::model, "org/model"}) : repo(std::move(r)) {}

  void add(const std::string& path, const std::string& content, bool lfs = false) {
    core::TreeEntry e{path, content.size(), util::random_hex(40), std::nullopt};
    if (lfs) e.lfs_sha256 = util::random_hex(64);
    etags[path] = e.etag();
    write_file(layout.blob_path(repo, e.etag()), content);
    auto link = file(path);
    fs::create_directories(link.parent_path());
    fs::create_symlink(core::snapshot_link_target(path, e.etag()), link);
    listing.push_back(e);
  }
  FakeRepo& model() {
    add("config.json", R"({"model_type": "bert"})");
    add("model.safetensors", std::string(100, 'w'), true);
    add("tokenizer.json", "{}");
    add("vocab.txt", "[PAD]\n[UNK]\n");
    add("README.md", "# card\n");
    return finish();
  }
  FakeRepo& finish() {
    core::write_ref(layout, repo, "main", commit);
    core::write_tree_cache(layout, repo, commit, listing);
    return *this;
  }
  fs::path file(const std::string& path) const { return layout.snapshot_file(repo, commit, path); }
  fs::path blob(const std::string& path) const { return layout.blob_path(repo, etags.at(path)); }
  void replace(const std::string& path, const std::string& content) {
    fs::remove(file(path));
    write_file(file(path), content);
  }
  Diagnosis run(const std::string& revision = "main", DoctorOptions options = {}) const {
    return diagnose(layout, repo, revision, options);
  }
};

const Finding* finding_about(const Diagnosis& d, const std::string& subject) {
  for (const auto& f : d.findings)
    if (f.subject == subject) return &f;
  return nullptr;
}

}  // namespace

TEST_SUITE("doctor.entry") {
  TEST_CASE("a correct link loads; each damaged form is named") {
    FakeRepo r;
    r.model();
    std::optional<ExpectedFile> config{{r.etags["config.json"], 22}};
    CHECK(inspect_entry(r.layout, r.repo, commit, "config.json", config).kind == EntryKind::link);
    CHECK(inspect_entry(r.layout, r.repo, commit, "config.json", config).loads);

    r.replace("config.json", "..\\..\\blobs\\" + r.etags["config.json"]);
    auto text = inspect_entry(r.layout, r.repo, commit, "config.json", config);
    CHECK(text.kind == EntryKind::text_link);
    CHECK_FALSE(text.loads);
    CHECK(text.blob_present);

    r.replace("config.json", "");
    CHECK(inspect_entry(r.layout, r.repo, commit, "config.json", config).kind == EntryKind::placeholder);

    r.replace("config.json", R"({"model_type": "bert"})");
    CHECK(inspect_entry(r.layout, r.repo, commit, "config.json", config).kind == EntryKind::copy);
    CHECK(inspect_entry(r.layout, r.repo, commit, "config.json", config).loads);

    fs::remove(r.file("config.json"));
    fs::create_symlink("C:\\Users\\me\\hub\\models--org--model\\blobs\\" + r.etags["config.json"], r.file("config.json"));
    CHECK(inspect_entry(r.layout, r.repo, commit, "config.json", config).kind == EntryKind::broken_link);

    fs::remove(r.file("config.json"));
    write_file(r.file("config.json").string() + ".lnk", "not really a shortcut");
    CHECK(inspect_entry(r.layout, r.repo, commit, "config.json", config).kind == EntryKind::shortcut);
  }

  TEST_CASE("a truncated blob, a partial download and an unlinked blob") {
    FakeRepo r;
    r.model();
    std::optional<ExpectedFile> weights{{r.etags["model.safetensors"], 100}};
    write_file(r.blob("model.safetensors"), std::string(60, 'w'));
    auto truncated = inspect_entry(r.layout, r.repo, commit, "model.safetensors", weights);
    CHECK(truncated.kind == EntryKind::wrong_size);
    CHECK(truncated.size == 60);
    CHECK_FALSE(truncated.loads);

    fs::remove(r.file("model.safetensors"));
    fs::remove(r.blob("model.safetensors"));
    write_file(r.blob("model.safetensors").string() + ".1a2b3c4d.incomplete", std::string(40, 'w'));
    auto partial = inspect_entry(r.layout, r.repo, commit, "model.safetensors", weights);
    CHECK(partial.kind == EntryKind::partial);
    CHECK(partial.size == 40);

    write_file(r.blob("model.safetensors"), std::string(100, 'w'));
    CHECK(inspect_entry(r.layout, r.repo, commit, "model.safetensors", weights).kind == EntryKind::blob_unlinked);
  }

  TEST_CASE("a link out of the repo that resolves loads, but is named") {
    FakeRepo r;
    r.model();
    auto elsewhere = r.tmp.path / "elsewhere.json";
    write_file(elsewhere, R"({"model_type": "bert"})");
    fs::remove(r.file("config.json"));
    fs::create_symlink(elsewhere, r.file("config.json"));
    auto s = inspect_entry(r.layout, r.repo, commit, "config.json", ExpectedFile{r.etags["config.json"], 22});
    CHECK(s.kind == EntryKind::outside_link);
    CHECK(s.loads);
  }

  TEST_CASE("an unreadable blob is reported (only a non-root user can see it)") {
    FakeRepo r;
    r.model();
    fs::permissions(r.blob("config.json"), fs::perms::none);
    auto s = inspect_entry(r.layout, r.repo, commit, "config.json", ExpectedFile{r.etags["config.json"], 22});
    if (::geteuid() == 0) {
      CHECK(s.kind == EntryKind::link);  // root opens anything, as huggingface_hub run by root would
    } else {
      CHECK(s.kind == EntryKind::unreadable);
      CHECK_FALSE(s.loads);
    }
  }
}

TEST_SUITE("doctor.ref") {
  TEST_CASE("refs are read verbatim, as huggingface_hub reads them") {
    FakeRepo r;
    r.model();
    CHECK(inspect_ref(r.layout, r.repo, "main").kind == RefKind::ok);
    CHECK(inspect_ref(r.layout, r.repo, commit).kind == RefKind::commit_given);
    auto missing = inspect_ref(r.layout, r.repo, "v1.0");
    CHECK(missing.kind == RefKind::missing);
    CHECK(missing.other_refs.at("main") == commit);
    CHECK(inspect_ref(r.layout, r.repo, "0123456").expanded_short_hash == commit);

    write_file(r.layout.ref_path(r.repo, "main"), commit + "\r\n");
    auto crlf = inspect_ref(r.layout, r.repo, "main");
    CHECK(crlf.kind == RefKind::untrimmed);
    CHECK(crlf.commit == commit);
    write_file(r.layout.ref_path(r.repo, "main"), "garbage");
    CHECK(inspect_ref(r.layout, r.repo, "main").kind == RefKind::malformed);
  }
}

TEST_SUITE("doctor.diagnose") {
  TEST_CASE("a healthy model loads every way") {
    FakeRepo r;
    r.model();
    auto d = r.run();
    CHECK(d.loads());
    CHECK(d.exit_code() == ExitCode::ok);
    CHECK(d.question == Question::from_pretrained);
    CHECK(d.model.loads);
    CHECK(d.tokenizer_files.applies);
    CHECK(d.tokenizer_files.loads);
    CHECK(d.snapshot.loads);
    CHECK(d.files_present == 5);
    CHECK(d.findings.empty());
  }

  TEST_CASE("not in the cache, no ref, short hash, CRLF ref, no snapshot") {
    FakeRepo r;
    auto absent = r.run();
    CHECK(absent.exit_code() == ExitCode::not_found);
    CHECK(absent.first_blocker()->fix == "hfcache pull org/model");
    r.model();
    auto tag = r.run("v1.0");
    CHECK(tag.exit_code() == ExitCode::not_found);
    CHECK(tag.first_blocker()->subject == "refs/v1.0");
    CHECK(tag.first_blocker()->fix == "hfcache pull org/model --revision v1.0");
    CHECK(r.run("0123456").first_blocker()->fix == "use revision=\"" + commit + "\"");
    CHECK(r.run(commit).loads());

    write_file(r.layout.ref_path(r.repo, "main"), commit + "\n");
    auto crlf = r.run();
    CHECK(crlf.exit_code() == ExitCode::integrity);
    CHECK(crlf.first_blocker()->fix == "hfcache repair");

    core::write_ref(r.layout, r.repo, "other", std::string(40, 'e'));
    auto no_snapshot = r.run("other");
    CHECK(no_snapshot.exit_code() == ExitCode::not_found);
    CHECK(no_snapshot.first_blocker()->subject == "snapshots/" + std::string(40, 'e'));
  }

  TEST_CASE("config.json missing or damaged stops from_pretrained") {
    FakeRepo r;
    r.model();
    fs::remove(r.file("config.json"));
    auto missing = r.run();
    CHECK(missing.exit_code() == ExitCode::not_found);
    CHECK(missing.first_blocker()->subject == "config.json");
    CHECK_FALSE(missing.model.loads);
    CHECK_FALSE(missing.tokenizer_files.loads);  // transformers 5's AutoTokenizer reads config.json too

    r.replace("config.json", "../../blobs/" + r.etags["config.json"] + "\n");
    auto text = r.run();
    CHECK(text.exit_code() == ExitCode::integrity);
    CHECK(text.first_blocker()->fix == "hfcache repair");
  }

  TEST_CASE("weights: transformers' order of preference, shards, partial downloads") {
    FakeRepo r;
    r.add("config.json", "{}");
    r.add("model.safetensors", std::string(50, 's'), true);
    r.add("pytorch_model.bin", std::string(70, 'p'), true);
    r.finish();
    // model.safetensors gone: transformers falls back to pytorch_model.bin, snapshot_download does not.
    fs::remove(r.file("model.safetensors"));
    auto fallback = r.run();
    CHECK(fallback.loads());
    CHECK_FALSE(fallback.snapshot.loads);
    CHECK(fallback.model.summary == "config.json and pytorch_model.bin");
    // A placeholder is a file: transformers picks it and fails.
    write_file(r.file("model.safetensors"), "");
    auto placeholder = r.run();
    CHECK(placeholder.exit_code() == ExitCode::integrity);
    CHECK(placeholder.first_blocker()->subject == "model.safetensors");

    FakeRepo sharded;
    sharded.add("config.json", "{}");
    sharded.add("model.safetensors.index.json",
                R"({"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}})");
    sharded.add("model-00001-of-00002.safetensors", std::string(30, '1'), true);
    sharded.add("model-00002-of-00002.safetensors", std::string(30, '2'), true);
    sharded.finish();
    CHECK(sharded.run().loads());
    fs::remove(sharded.file("model-00002-of-00002.safetensors"));
    fs::remove(sharded.blob("model-00002-of-00002.safetensors"));
    write_file(sharded.blob("model-00002-of-00002.safetensors").string() + ".incomplete", std::string(10, '2'));
    auto partial = sharded.run();
    CHECK(partial.exit_code() == ExitCode::not_found);
    CHECK(partial.first_blocker()->subject == "model-00002-of-00002.safetensors");
    CHECK(partial.first_blocker()->what.find("partial download: 10 bytes of 30 bytes") != std::string::npos);
  }

  TEST_CASE("a damaged file no loader needs is named but does not stop from_pretrained") {
    FakeRepo r;
    r.model();
    r.replace("README.md", "");
    auto d = r.run();
    CHECK(d.loads());
    CHECK_FALSE(d.snapshot.loads);
    REQUIRE(finding_about(d, "README.md"));
    CHECK(finding_about(d, "README.md")->severity == Severity::damage);
  }

  TEST_CASE("AutoTokenizer: damaged settings or tokenizer.json stop it, a missing file alone does not") {
    // Measured with transformers 4.46 and 5.x: each single tokenizer file can be missing, and a damaged
    // vocab.txt is ignored while tokenizer.json loads; a damaged JSON file is a parse error.
    FakeRepo r;
    r.model();
    r.add("tokenizer_config.json", "{}");
    r.finish();
    fs::remove(r.file("vocab.txt"));
    auto missing_vocab = r.run();
    CHECK(missing_vocab.loads());
    CHECK(missing_vocab.tokenizer_files.loads);
    CHECK_FALSE(missing_vocab.snapshot.loads);
    r.replace("vocab.txt", "");
    CHECK(r.run().loads());
    r.replace("tokenizer_config.json", "");
    CHECK(r.run().exit_code() == ExitCode::integrity);
    CHECK(r.run().first_blocker()->subject == "tokenizer_config.json");

    FakeRepo both;
    both.model();
    fs::remove(both.file("tokenizer.json"));
    CHECK(both.run().loads());  // rebuilt from vocab.txt
    fs::remove(both.file("vocab.txt"));
    auto none = both.run();
    CHECK(none.exit_code() == ExitCode::not_found);
    CHECK_FALSE(none.tokenizer_files.loads);
    CHECK(none.model.loads);
  }

  TEST_CASE("--file judges one file like hf_hub_download") {
    FakeRepo r;
    r.model();
    DoctorOptions options;
    options.file = "README.md";
    options.command_suffix = " --cache-dir /c";
    CHECK(r.run("main", options).loads());
    fs::remove(r.file("README.md"));
    fs::remove(r.blob("README.md"));
    auto missing = r.run("main", options);
    CHECK(missing.exit_code() == ExitCode::not_found);
    CHECK(missing.first_blocker()->fix == "hfcache pull org/model --include README.md --cache-dir /c");
    options.file = "no/such/file.txt";
    auto absent = r.run("main", options);
    CHECK(absent.exit_code() == ExitCode::not_found);
    CHECK(absent.first_blocker()->fix.empty());
    options.file = "../escape";
    CHECK_THROWS_AS(r.run("main", options), UsageError);
  }

  TEST_CASE("datasets and repos without config.json are judged as snapshot_download") {
    FakeRepo ds({core::RepoType::dataset, "org/data"});
    ds.add("data/train.parquet", std::string(40, 'd'), true);
    ds.finish();
    CHECK(ds.run().question == Question::snapshot_download);
    CHECK(ds.run().loads());
    fs::remove(ds.file("data/train.parquet"));
    fs::remove(ds.blob("data/train.parquet"));
    CHECK(ds.run().exit_code() == ExitCode::not_found);
    CHECK(ds.run().first_blocker()->fix == "hfcache pull datasets/org/data");

    FakeRepo gguf;
    gguf.add("model.gguf", std::string(40, 'g'), true);
    gguf.finish();
    CHECK(gguf.run().question == Question::snapshot_download);
  }

  TEST_CASE("without a listing, the snapshot is judged by what it holds") {
    FakeRepo r;
    r.model();
    fs::remove(r.layout.tree_cache_path(r.repo, commit));
    auto d = r.run();
    CHECK(d.loads());
    CHECK_FALSE(d.files_listed);
    REQUIRE(finding_about(d, "trees/" + commit + ".json"));
    fs::remove(r.file("model.safetensors"));
    CHECK(r.run().exit_code() == ExitCode::not_found);
    CHECK(r.run().first_blocker()->subject == "weights");
  }

  TEST_CASE("every repo of the cache on its main ref") {
    FakeRepo r;
    r.model();
    core::RepoRef other{core::RepoType::model, "org/tag-only"};
    fs::create_directories(r.layout.snapshot_dir(other, commit));
    core::write_ref(r.layout, other, "v1.0", commit);
    auto all = diagnose_cache(r.layout, {});
    REQUIRE(all.size() == 2);
    CHECK(all[0].repo.id == "org/model");
    CHECK(all[0].loads());
    CHECK(all[1].exit_code() == ExitCode::not_found);
    CHECK(all[1].first_blocker()->what.find("v1.0=0123456") != std::string::npos);
  }
}
