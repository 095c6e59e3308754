// "Find REPO@REV[/FILE] in the cache" (hfcache path, GET /v1/path) and the containment rule it
// shares with the mirror's /resolve/ (core/entry_place).
#include <doctest/doctest.h>

#include <filesystem>

#include "core/cache_lookup.hpp"
#include "core/entry_place.hpp"
#include "core/errors.hpp"
#include "index_test_cache.hpp"

using namespace hfcache;
using namespace hfcache::test_support;
namespace fs = std::filesystem;

namespace {

template <class E>
std::string thrown(const TestCache& c, const core::RepoRef& repo, const std::string& revision,
                   const std::optional<std::string>& file) {
  try {
    core::find_in_cache(c.layout, repo, revision, file);
  } catch (const E& e) {
    return std::string(e.what()) + " | " + e.hint();
  }
  return "no error";
}

}  // namespace

TEST_SUITE("core_cache_lookup") {
  TEST_CASE("a branch, a tag or a commit leads to its snapshot, and a file to its entry") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "onnx/model.onnx", "bytes");
    c.set_ref(a, "main", sha('1'));
    c.set_ref(a, "v1.0", sha('1'));
    auto snapshot = c.layout.snapshot_dir(a, sha('1'));
    for (const auto& rev : {std::string("main"), std::string("v1.0"), sha('1')}) {
      auto found = core::find_in_cache(c.layout, a, rev, std::nullopt);
      CHECK(found.commit == sha('1'));
      CHECK(found.path == snapshot);
    }
    auto file = core::find_in_cache(c.layout, a, "main", std::string("onnx/model.onnx"));
    CHECK(file.path == snapshot / "onnx" / "model.onnx");  // the entry, not the blob it links to
  }

  TEST_CASE("what is not cached is NotFound, each case with the pull that fetches it") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "config.json", "{}");
    c.set_ref(a, "main", sha('1'));
    c.set_ref(a, "gone", sha('2'));
    write_file(c.layout.no_exist_path(a, sha('1'), "missing.txt"), "");
    fs::create_symlink("../../blobs/" + sha('9'), c.layout.snapshot_file(a, sha('1'), "broken.bin"));
    CHECK(thrown<NotFoundError>(c, TestCache::model("org/none"), "main", std::nullopt) ==
          "org/none is not in the cache " + c.root.string() + " | run `hfcache pull org/none`");
    CHECK(thrown<NotFoundError>(c, a, "v9", std::nullopt) ==
          "the cache has no revision 'v9' of org/a | run `hfcache pull org/a --revision v9`");
    CHECK(thrown<NotFoundError>(c, a, sha('3'), std::nullopt).starts_with("the cache has no revision '" + sha('3')));
    CHECK(thrown<NotFoundError>(c, a, "gone", std::nullopt).starts_with("refs/gone of org/a points at " + sha('2')));
    CHECK(thrown<NotFoundError>(c, a, "main", std::string("missing.txt")) ==
          "org/a@main has no file 'missing.txt' (the hub said so) | check the file name");
    CHECK(thrown<NotFoundError>(c, a, "main", std::string("broken.bin")).find("is a broken link") != std::string::npos);
    CHECK(thrown<NotFoundError>(c, a, "main", std::string("other.txt")) ==
          "'other.txt' of org/a@main is not in the cache | run `hfcache pull org/a` --include 'other.txt'");
  }

  TEST_CASE("an entry that leads out of the cache is refused as damage, never handed out") {
    TestCache c;
    auto a = TestCache::model("org/a");
    c.add_file(a, sha('1'), "config.json", "{}");
    c.set_ref(a, "main", sha('1'));
    write_file(c.dir.path / "secret.txt", "top secret");
    auto snap = c.layout.snapshot_dir(a, sha('1'));
    fs::create_symlink("/etc/passwd", snap / "passwd");
    fs::create_symlink("../../../../secret.txt", snap / "relative.txt");
    for (const char* name : {"passwd", "relative.txt"}) {
      CAPTURE(name);
      auto message = thrown<IntegrityError>(c, a, "main", std::string(name));
      CHECK(message.find("is a link out of the cache") != std::string::npos);
      CHECK(message.find("hfcache repair") != std::string::npos);
    }
    c.set_ref(a, "evil", "../../../etc");  // a ref is read only when it holds a commit
    CHECK(thrown<NotFoundError>(c, a, "evil", std::nullopt).starts_with("the cache has no revision 'evil'"));
  }

  TEST_CASE("the shared blob store of newer huggingface_hub counts as inside; a link elsewhere does not") {
    TestCache c;
    auto a = TestCache::model("org/a");
    write_file(c.root / "blobs" / sha('b'), "shared");
    write_file(c.dir.path / "elsewhere", "x");
    auto entry = c.layout.snapshot_file(a, sha('1'), "shared.bin");
    fs::create_directories(entry.parent_path());
    fs::create_symlink(c.root / "blobs" / sha('b'), entry);
    CHECK(core::resolve_entry(c.layout, a, entry).place == core::EntryPlace::inside);
    fs::create_symlink(c.dir.path / "elsewhere", entry.parent_path() / "out.bin");
    CHECK(core::resolve_entry(c.layout, a, entry.parent_path() / "out.bin").place == core::EntryPlace::outside);
    CHECK(core::resolve_entry(c.layout, a, entry.parent_path() / "none.bin").place == core::EntryPlace::absent);
    c.set_ref(a, "main", sha('1'));
    CHECK(core::find_in_cache(c.layout, a, "main", std::string("shared.bin")).path == entry);
  }
}
