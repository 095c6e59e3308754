#include <doctest/doctest.h>

#include <string>

#include "archive/windows_paths.hpp"

using namespace hfcache::archive;

namespace {
bool has_problem(const std::vector<WindowsPathProblem>& ps, const std::string& path, const std::string& word) {
  for (const auto& p : ps)
    if (p.path == path && p.why.find(word) != std::string::npos) return true;
  return false;
}
}  // namespace

TEST_SUITE("archive_windows_paths") {
  TEST_CASE("ordinary hub names pass") {
    for (const char* ok : {"config.json", "model.safetensors", "tokenizer.model", "cone", "CONSOLE", "COM10", "LPT0x",
                           "1_Pooling", ".gitattributes", "données.txt", "a b", "COM"}) {
      CAPTURE(ok);
      CHECK(windows_name_problem(ok).empty());
    }
    CHECK(windows_path_problems({"models--hfl--rbt3/snapshots/0123456789012345678901234567890123456789/config.json",
                                 "models--hfl--rbt3/refs/main"})
              .empty());
  }

  TEST_CASE("reserved device names, any case, with any extension") {
    for (const char* bad : {"CON", "con", "Prn", "AUX", "nul", "NUL.txt", "nul.tar.gz", "COM1", "com9.json", "LPT1",
                            "lpt9", "COM0", "LPT0", "COM\xc2\xb9", "lpt\xc2\xb2.bin", "COM\xc2\xb3", "NUL .txt",
                            "CONIN$", "conout$.x"}) {
      CAPTURE(bad);
      CHECK(windows_name_problem(bad).find("reserved") != std::string::npos);
    }
    // Only the base before the first dot counts.
    CHECK(windows_name_problem("x.CON").empty());
    auto ps = windows_path_problems({"models--a--b/snapshots/c/aux/x.json"});
    CHECK(has_problem(ps, "models--a--b/snapshots/c/aux/x.json", "'aux'"));
  }

  TEST_CASE("trailing dots and spaces") {
    CHECK(windows_name_problem("name.").find("ends with") != std::string::npos);
    CHECK(windows_name_problem("name ").find("ends with") != std::string::npos);
    CHECK(windows_name_problem("dir...").find("ends with") != std::string::npos);
    CHECK(windows_name_problem(".hidden").empty());
  }

  TEST_CASE("forbidden characters and control characters") {
    for (const char* bad : {"a<b", "a>b", "a:b", "a\"b", "a|b", "a?b", "a*b", "a\\b"}) {
      CAPTURE(bad);
      CHECK(windows_name_problem(bad).find("character") != std::string::npos);
    }
    CHECK(windows_name_problem(std::string("a\x01" "b")).find("control character") != std::string::npos);
    CHECK(windows_name_problem(std::string("tab\there")).find("control character") != std::string::npos);
    CHECK(windows_name_problem(std::string("bad\xff\xfe")).find("not valid UTF-8") != std::string::npos);
  }

  TEST_CASE("paths equal but for case collide, files and folders alike") {
    auto ps = windows_path_problems({"r/snapshots/c/README.md", "r/snapshots/c/readme.md", "r/snapshots/c/other"});
    CHECK(has_problem(ps, "r/snapshots/c/readme.md", "README.md"));
    CHECK(ps.size() == 1);
    // A file and a folder whose names differ only by case.
    auto fd = windows_path_problems({"r/snapshots/c/Data", "r/snapshots/c/data/x.bin"});
    CHECK(!fd.empty());
    // Two folders that differ only by case merge into one on Windows: the files stay reachable.
    CHECK(windows_path_problems({"r/snapshots/c/A/x", "r/snapshots/c/a/y"}).empty());
    // The same path twice is not a collision.
    CHECK(windows_path_problems({"r/x", "r/x"}).empty());
  }

  TEST_CASE("full path length against MAX_PATH under the typical root") {
    std::string base = "models--org--name/snapshots/0123456789012345678901234567890123456789/";
    std::size_t room = windows_max_path - 1 - typical_windows_hub_root.size() - base.size();
    CHECK(windows_path_problems({base + std::string(room, 'a')}).empty());
    auto ps = windows_path_problems({base + std::string(room + 1, 'a')});
    REQUIRE(ps.size() == 1);
    CHECK(ps[0].why.find("MAX_PATH") != std::string::npos);
    // Counted in UTF-16 units, not bytes: "é" is 2 bytes but one unit.
    std::string accented;
    for (std::size_t i = 0; i < room; ++i) accented += "\xc3\xa9";
    CHECK(windows_path_problems({base + accented}).empty());
  }

  TEST_CASE("describe lists every path with its reason") {
    auto text = describe({{"a/CON", "'CON' is a reserved name"}, {"b/x.", "'x.' ends with a dot"}});
    CHECK(text == "  a/CON: 'CON' is a reserved name\n  b/x.: 'x.' ends with a dot\n");
  }
}
