// libFuzzer target for `hfcache import` of an archive. Each input is written to <tmp>/input.tar and imported
// into a fresh cache <tmp>/work/cache, which is removed afterwards. Expected refusals are hfcache::Error;
// any other exception escapes (libFuzzer reports it as a crash), and so does a crash or a sanitizer report.
// After every run the temp folders must hold only what the harness put there: an import that wrote a file
// next to the cache (`../x`) or one level further up (`../../x`) aborts.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <system_error>

#include "archive/importer.hpp"
#include "core/cache_layout.hpp"
#include "core/errors.hpp"

namespace fs = std::filesystem;

namespace {

struct Paths {
  fs::path parent;  // <tmp>/hfcache-archive-fuzz.XXXXXX: input.tar and work/, nothing else
  fs::path input;   // <parent>/input.tar, rewritten for every input
  fs::path work;    // <parent>/work: cache/ during a run, empty between runs
  fs::path cache;   // <parent>/work/cache
};

const Paths& paths() {
  // Never destroyed, so that the atexit handler below can still use it after static destructors ran.
  static const Paths* const p = [] {
    const char* env = std::getenv("TMPDIR");
    std::string tmpl = std::string(env && *env ? env : "/tmp") + "/hfcache-archive-fuzz.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    auto* r = new Paths;
    r->parent = tmpl;
    r->input = r->parent / "input.tar";
    r->work = r->parent / "work";
    r->cache = r->work / "cache";
    fs::create_directory(r->work);
    // Best effort: the folder goes when the fuzzer exits normally (not after a crash: kept for inspection).
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(paths().parent, ec);
    });
    return r;
  }();
  return *p;
}

std::set<std::string> entries(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

[[noreturn]] void finding(const char* what, const fs::path& where) {
  std::fprintf(stderr, "archive_import_fuzz: %s: %s\n", what, where.c_str());
  for (const auto& e : fs::directory_iterator(where)) std::fprintf(stderr, "  %s\n", e.path().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Paths& p = paths();
  {
    std::ofstream out(p.input, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) std::abort();
  }
  fs::create_directory(p.cache);

  hfcache::archive::ImportOptions options;
  // Small caps so that a decompression bomb is refused quickly instead of filling the disk.
  options.limits.max_bytes = 64ull << 20;
  options.limits.ratio_floor = 1ull << 20;
  try {
    const hfcache::core::CacheLayout layout(p.cache);
    (void)hfcache::archive::import_into_cache(layout, p.input, options);
  } catch (const hfcache::Error&) {
    // An expected refusal: hostile, damaged or unsupported input.
  }

  // Nothing may have been written next to the cache, nor next to work/.
  if (entries(p.work) != std::set<std::string>{"cache"}) finding("wrote outside the cache", p.work);
  if (entries(p.parent) != std::set<std::string>{"input.tar", "work"}) finding("wrote outside the cache", p.parent);

  std::error_code ec;
  fs::remove_all(p.cache, ec);
  if (ec) {
    std::fprintf(stderr, "archive_import_fuzz: cannot remove %s: %s\n", p.cache.c_str(), ec.message().c_str());
    std::abort();
  }
  return 0;
}
