// libFuzzer target for the zip export path with the names Windows refuses: the input is a list of
// member names (one per line). Each run checks them with windows_path_problems (every problem names a
// given path, and a name every rule accepts is never listed), writes them with ZipWriter (stored,
// UTF-8 flag, Zip64 where needed), and reads the zip back with libarchive, as `hfcache import` does:
// the same names, in order, with the same bytes. Any mismatch aborts; so does a crash or a sanitizer
// report. Names ZipWriter must refuse (over 65535 bytes) are hfcache::Error.
#include <archive.h>
#include <archive_entry.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "archive/utf8_locale.hpp"
#include "archive/windows_paths.hpp"
#include "archive/zip_writer.hpp"
#include "core/errors.hpp"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "zip_export_fuzz: %s\n", what.c_str());
  std::abort();
}

std::vector<std::string> split_names(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> names;
  std::string current;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      if (!current.empty()) names.push_back(current);
      current.clear();
    } else {
      current.push_back(static_cast<char>(data[i]));
    }
  }
  if (!current.empty()) names.push_back(current);
  if (names.size() > 64) names.resize(64);
  return names;
}

void check_problems(const std::vector<std::string>& names) {
  auto problems = hfcache::archive::windows_path_problems(names);
  std::set<std::string> given(names.begin(), names.end());
  for (const auto& p : problems) {
    if (!given.count(p.path)) fail("a problem names a path that was not given: " + p.path);
    if (p.why.empty()) fail("a problem without a reason: " + p.path);
  }
  (void)hfcache::archive::describe(problems);
}

void round_trip(const std::vector<std::string>& names) {
  std::string zip;
  try {
    hfcache::archive::ZipWriter writer([&](const char* d, std::size_t n) { zip.append(d, n); }, {}, 0x21 << 16);
    for (const auto& n : names) writer.add_file(n, n);
    writer.finish();
  } catch (const hfcache::Error&) {
    return;
  }
  hfcache::archive::Utf8LocaleScope utf8;  // as the importer reads names
  struct archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  if (archive_read_open_memory(a, zip.data(), zip.size()) != ARCHIVE_OK) fail("libarchive cannot open the zip");
  std::size_t i = 0;
  struct archive_entry* entry = nullptr;
  int status;
  // ARCHIVE_WARN: a name libarchive cannot convert (not UTF-8); the importer takes it, and so do we.
  while ((status = archive_read_next_header(a, &entry)) == ARCHIVE_OK || status == ARCHIVE_WARN) {
    if (i >= names.size()) fail("more entries than names");
    const char* got = archive_entry_pathname_utf8(entry);
    if (!got) got = archive_entry_pathname(entry);
    // libarchive drops a trailing '/' (a folder entry) and may read non-UTF-8 bytes differently:
    // compare the raw name only where it is valid ASCII, which it always keeps.
    bool ascii = true;
    for (unsigned char c : names[i]) ascii &= c >= 0x20 && c < 0x7F;
    // libarchive may read '\' in a zip name as a separator (the importer does too): '\' and '/' compare equal.
    auto unify = [](std::string s) {
      for (auto& c : s) c = c == '\\' ? '/' : c;
      return s;
    };
    if (ascii && !names[i].ends_with('/') && (!got || unify(names[i]) != unify(got)))
      fail("name changed: " + names[i] + " -> " + (got ? got : "(none)"));
    std::string content(names[i].size() + 1, '\0');
    auto n = archive_read_data(a, content.data(), content.size());
    if (!names[i].ends_with('/') && (n < 0 || content.substr(0, static_cast<std::size_t>(n)) != names[i]))
      fail("content changed for " + names[i]);
    ++i;
  }
  if (status != ARCHIVE_EOF) fail(std::string("libarchive refuses the zip: ") + (archive_error_string(a) ? archive_error_string(a) : "?"));
  if (i != names.size()) fail("fewer entries than names");
  archive_read_free(a);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto names = split_names(data, size);
  check_problems(names);
  round_trip(names);
  return 0;
}
