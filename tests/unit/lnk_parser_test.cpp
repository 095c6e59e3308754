// parse_lnk against shortcuts written here byte by byte (a small [MS-SHLLINK] writer), valid and hostile.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/lnk_parser.hpp"

using namespace hfcache::core;
namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<std::uint8_t>;

// ---- a small writer of [MS-SHLLINK] files -------------------------------------------------------------

void put8(Bytes& b, unsigned v) { b.push_back(static_cast<std::uint8_t>(v & 0xFF)); }
void put16(Bytes& b, unsigned v) { put8(b, v), put8(b, v >> 8); }
void put32(Bytes& b, std::uint32_t v) { put16(b, v & 0xFFFF), put16(b, v >> 16); }
void put32s(Bytes& b, std::initializer_list<std::uint32_t> vs) {
  for (auto v : vs) put32(b, v);
}
void set16(Bytes& b, std::size_t at, unsigned v) {
  b.at(at) = static_cast<std::uint8_t>(v & 0xFF), b.at(at + 1) = static_cast<std::uint8_t>(v >> 8 & 0xFF);
}
void set32(Bytes& b, std::size_t at, std::uint32_t v) { set16(b, at, v & 0xFFFF), set16(b, at + 2, v >> 16); }
std::uint32_t get32(const Bytes& b, std::size_t at) {
  return std::uint32_t{b.at(at)} | std::uint32_t{b.at(at + 1)} << 8 | std::uint32_t{b.at(at + 2)} << 16 |
         std::uint32_t{b.at(at + 3)} << 24;
}
void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
void put_cstr(Bytes& b, std::string_view s) {
  for (char c : s) put8(b, static_cast<unsigned char>(c));
  put8(b, 0);
}
void put_wcstr(Bytes& b, std::u16string_view s) {
  for (char16_t c : s) put16(b, c);
  put16(b, 0);
}
std::u16string wide(std::string_view ascii) { return {ascii.begin(), ascii.end()}; }
std::uint32_t u32(std::size_t n) { return static_cast<std::uint32_t>(n); }

struct LinkInfoSpec {
  std::optional<std::string> local = {};  // LocalBasePath, code-page bytes
  std::optional<std::u16string> local_unicode = {};
  std::string suffix = {};  // CommonPathSuffix, code-page bytes
  std::optional<std::u16string> suffix_unicode = {};
  std::optional<std::string> net_name = {};  // CommonNetworkRelativeLink NetName
  std::optional<std::u16string> net_name_unicode = {};
  std::optional<std::string> device_name = {};  // "Z:"
};

struct LnkSpec {
  std::uint32_t extra_flags = 0;
  Bytes idlist = {};  // ItemIDs without the TerminalID; empty: no LinkTargetIDList
  std::optional<LinkInfoSpec> info = {};
  bool unicode = true;  // StringData as UTF-16 (IsUnicode) or as code-page bytes (Latin-1 only here)
  std::optional<std::u16string> name = {}, relative = {}, working_dir = {}, arguments = {}, icon = {};
  bool extra_block = true;  // one SpecialFolderDataBlock before the TerminalBlock
};

struct Built {
  Bytes bytes;
  std::size_t link_info_at = 0;    // 0: none
  std::size_t string_data_at = 0;  // where StringData (or ExtraData, without strings) starts
};

Bytes shell_link_header(std::uint32_t flags) {
  Bytes b;
  put32(b, 0x4C);
  append(b, {0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46});
  // LinkFlags, FILE_ATTRIBUTE_ARCHIVE, three FILETIMEs, FileSize, IconIndex, SW_SHOWNORMAL, HotKey + reserved
  put32s(b, {flags, 0x20, 0xD53E8000, 0x01D9A0B1, 0xD53E8000, 0x01D9A0B1, 0xD53E8000, 0x01D9A0B1, 1234, 0, 1});
  put32s(b, {0, 0, 0});
  return b;
}

Bytes network_link(const LinkInfoSpec& s) {
  const bool with_unicode = s.net_name_unicode.has_value();
  const std::uint32_t header = with_unicode ? 0x1C : 0x14;
  Bytes strings;
  const auto put = [&](auto write, const auto& text) {
    const auto at = u32(header + strings.size());
    write(strings, text);
    return at;
  };
  const std::uint32_t net_at = put(put_cstr, *s.net_name);
  const std::uint32_t device_at = s.device_name ? put(put_cstr, *s.device_name) : 0;
  const std::uint32_t net_wide_at = with_unicode ? put(put_wcstr, *s.net_name_unicode) : 0;
  const std::uint32_t device_wide_at = with_unicode && s.device_name ? put(put_wcstr, wide(*s.device_name)) : 0;
  Bytes out;
  // size, ValidDevice | ValidNetType, NetNameOffset, DeviceNameOffset, WNNC_NET_LANMAN
  put32s(out, {header + u32(strings.size()), s.device_name ? 3u : 2u, net_at, device_at, 0x00020000});
  if (with_unicode) put32s(out, {net_wide_at, device_wide_at});
  append(out, strings);
  return out;
}

Bytes link_info(const LinkInfoSpec& s) {
  const bool unicode_offsets = s.local_unicode || s.suffix_unicode;
  const std::uint32_t header = unicode_offsets ? 0x24 : 0x1C;
  Bytes body;
  const auto next = [&] { return u32(header + body.size()); };
  std::uint32_t flags = 0, volume_at = 0, local_at = 0, network_at = 0, local_wide_at = 0, suffix_wide_at = 0;
  if (s.local) {
    flags |= 1;
    volume_at = next();
    put32s(body, {0x10 + 3, 3, 0x1234ABCD, 0x10});  // VolumeIDSize, DRIVE_FIXED, serial, VolumeLabelOffset
    put_cstr(body, "OS");
    local_at = next();
    put_cstr(body, *s.local);
  }
  if (s.net_name) {
    flags |= 2;
    network_at = next();
    append(body, network_link(s));
  }
  const std::uint32_t suffix_at = next();
  put_cstr(body, s.suffix);
  if (s.local_unicode) local_wide_at = next(), put_wcstr(body, *s.local_unicode);
  if (s.suffix_unicode) suffix_wide_at = next(), put_wcstr(body, *s.suffix_unicode);
  Bytes out;
  put32s(out, {header + u32(body.size()), header, flags, volume_at, local_at, network_at, suffix_at});
  if (unicode_offsets) put32s(out, {local_wide_at, suffix_wide_at});
  append(out, body);
  return out;
}

Built build(const LnkSpec& spec) {
  const std::uint32_t flags = spec.extra_flags | (spec.idlist.empty() ? 0 : 0x1) | (spec.info ? 0x2 : 0) |
                              (spec.name ? 0x4 : 0) | (spec.relative ? 0x8 : 0) | (spec.working_dir ? 0x10 : 0) |
                              (spec.arguments ? 0x20 : 0) | (spec.icon ? 0x40 : 0) | (spec.unicode ? 0x80 : 0);
  Built r;
  r.bytes = shell_link_header(flags);
  if (!spec.idlist.empty()) {
    put16(r.bytes, static_cast<unsigned>(spec.idlist.size() + 2));
    append(r.bytes, spec.idlist);
    put16(r.bytes, 0);  // TerminalID
  }
  if (spec.info) {
    r.link_info_at = r.bytes.size();
    append(r.bytes, link_info(*spec.info));
  }
  r.string_data_at = r.bytes.size();
  for (const auto* s : {&spec.name, &spec.relative, &spec.working_dir, &spec.arguments, &spec.icon}) {
    if (!*s) continue;
    put16(r.bytes, static_cast<unsigned>((*s)->size()));
    for (char16_t c : **s) spec.unicode ? put16(r.bytes, c) : put8(r.bytes, c);
  }
  if (spec.extra_block) put32s(r.bytes, {0x10, 0xA0000005, 0x25, 0});  // a SpecialFolderDataBlock
  put32(r.bytes, 0);                                                     // TerminalBlock
  return r;
}

// Shell items of a LinkTargetIDList, as Explorer writes them for a local file.
Bytes shell_item(unsigned type, const Bytes& data) {
  Bytes b;
  put16(b, static_cast<unsigned>(data.size() + 3));
  put8(b, type);
  append(b, data);
  return b;
}
Bytes my_computer_item() {  // sort index, {20D04FE0-3AEA-1069-A2D8-08002B30309D}
  return shell_item(0x1F, {0x50, 0xE0, 0x4F, 0xD0, 0x20, 0xEA, 0x3A, 0x69, 0x10, 0xA2, 0xD8, 0x08, 0x00, 0x2B,
                           0x30, 0x30, 0x9D});
}
Bytes drive_item(std::string_view drive) {
  Bytes d;
  put_cstr(d, drive);
  d.resize(22, 0);
  return shell_item(0x2F, d);
}
// A file entry with an 8.3 primary name and a version-9 (Windows 8+) 0xBEEF0004 block with the long name.
Bytes file_entry_item(std::string_view short_name, std::u16string_view long_name, bool directory) {
  Bytes d{0};                                                              // unknown
  put32s(d, {directory ? 0u : 4096u, 0x5A3B4C2D});                         // file size, FAT time
  put16(d, directory ? 0x10 : 0x20);                                       // attributes
  put_cstr(d, short_name);
  if ((d.size() + 3) % 2) put8(d, 0);  // 2-byte alignment within the item
  const std::size_t ext_at = d.size() + 3;
  Bytes ext;
  put16(ext, 0);  // size, set below
  put16(ext, 9);  // version
  put32s(ext, {0xBEEF0004, 0x5A3B4C2D, 0x5A3B4C2D});  // signature, creation, access
  put32s(ext, {0x2E, 0x04030201, 0x08070605, 0x0C0B0A09, 0x100F0E0D});  // identifier, unknown, file reference...
  put16(ext, 0);                                                           // no localized name
  put32s(ext, {0, 0});
  CHECK(ext.size() == 46);
  put_wcstr(ext, long_name);
  put16(ext, static_cast<unsigned>(ext_at));
  set16(ext, 0, static_cast<unsigned>(ext.size()));
  append(d, ext);
  return shell_item(directory ? 0x31 : 0x32, d);
}
// C:\Users\<user>\.cache\huggingface\hub\models--org--name\blobs\<blob> as an IDList.
Bytes blob_idlist(std::u16string_view user, std::string_view blob) {
  Bytes b = my_computer_item();
  append(b, drive_item("C:\\"));
  append(b, file_entry_item("Users", u"Users", true));
  append(b, file_entry_item("JOS~1", user, true));
  append(b, file_entry_item("CACHE~1", u".cache", true));
  append(b, file_entry_item("HUGGIN~1", u"huggingface", true));
  append(b, file_entry_item("hub", u"hub", true));
  append(b, file_entry_item("MODELS~1", u"models--org--name", true));
  append(b, file_entry_item("blobs", u"blobs", true));
  append(b, file_entry_item("E3B0C4~1", wide(blob), false));
  return b;
}

// ---- the samples ---------------------------------------------------------------------------------------

const std::string hex64 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string hex40 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
const std::string repo_tail = "\\.cache\\huggingface\\hub\\models--org--name\\blobs\\";
const std::string me_blob = "C:\\Users\\me" + repo_tail + hex64;
const std::string jose_blob_utf8 = "C:\\Users\\Jos\xC3\xA9" + repo_tail + hex64;
const std::string jose_blob_cp1252 = "C:\\Users\\Jos\xE9" + repo_tail + hex64;
const std::u16string jose_blob_utf16 = u"C:\\Users\\Jos\u00E9" + wide(repo_tail) + wide(hex64);
const std::string unc_share = "\\\\nas\\models";
const std::string unc_suffix = "hub\\models--org--name\\blobs\\" + hex40;
const std::string relative_blob = "..\\..\\blobs\\" + hex64;

LnkSpec ansi_local_spec() { return {.info = LinkInfoSpec{.local = me_blob}, .unicode = false}; }
LnkSpec unicode_local_spec() {
  return {.info = LinkInfoSpec{.local = jose_blob_cp1252, .local_unicode = jose_blob_utf16}};
}
LnkSpec unc_spec() { return {.info = LinkInfoSpec{.suffix = unc_suffix, .net_name = unc_share, .device_name = "Z:"}}; }
LnkSpec relative_only_spec() { return {.relative = wide(relative_blob)}; }
// Everything at once, as Explorer writes a shortcut to a local file.
LnkSpec full_spec() {
  LnkSpec s;
  s.idlist = blob_idlist(u"Jos\u00E9", hex64);
  s.info = LinkInfoSpec{.local = jose_blob_cp1252,
                        .local_unicode = jose_blob_utf16,
                        .suffix_unicode = u"",
                        .net_name = unc_share,
                        .net_name_unicode = wide(unc_share),
                        .device_name = "Z:"};
  s.name = u"config.json";
  s.relative = wide(relative_blob);
  s.working_dir = u"C:\\Users\\Jos\u00E9\\.cache\\huggingface\\hub\\models--org--name\\blobs";
  s.arguments = u"--flag";
  s.icon = u"%SystemRoot%\\System32\\SHELL32.dll";
  return s;
}

std::vector<std::pair<std::string, Bytes>> samples() {
  return {{"ansi_local", build(ansi_local_spec()).bytes},
          {"unicode_local", build(unicode_local_spec()).bytes},
          {"unc", build(unc_spec()).bytes},
          {"relative_only", build(relative_only_spec()).bytes},
          {"idlist_only", build({.idlist = blob_idlist(u"me", hex64)}).bytes},
          {"full", build(full_spec()).bytes}};
}

// ---- checks --------------------------------------------------------------------------------------------

bool is_error(const LnkResult& r) { return std::holds_alternative<std::string>(r); }
std::string error_of(const LnkResult& r) {
  return is_error(r) ? std::get<std::string>(r) : "<parsed: " + std::get<LnkTarget>(r).path + ">";
}
LnkTarget target_of(const LnkResult& r) {
  REQUIRE_MESSAGE(!is_error(r), error_of(r));
  return std::get<LnkTarget>(r);
}
bool error_mentions(const LnkResult& r, std::string_view what) {
  return is_error(r) && error_of(r).find(what) != std::string::npos;
}
LnkResult parse(const Bytes& b) { return parse_lnk(std::span<const std::uint8_t>(b)); }
void check_target(const LnkSpec& spec, const std::string& path, LnkTarget::Source source) {
  const auto t = target_of(parse(build(spec).bytes));
  CHECK(t.path == path);
  CHECK(t.source == source);
}
using Source = LnkTarget::Source;
// Parse `b` with a 32-bit (or 16-bit) field at `at` set to `v`.
LnkResult patched(Bytes b, std::size_t at, std::uint32_t v) { return set32(b, at, v), parse(b); }
LnkResult patched16(Bytes b, std::size_t at, unsigned v) { return set16(b, at, v), parse(b); }

// Well-formed UTF-8: shortest forms, no surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    char32_t c = n == 1 ? b : b & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xC0) != 0x80) return false;
      c = c << 6 | (cont & 0x3F);
    }
    const char32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

}  // namespace

TEST_SUITE("lnk_parser") {
  TEST_CASE("ANSI LocalBasePath") { check_target(ansi_local_spec(), me_blob, Source::local_base_path); }

  TEST_CASE("LocalBasePathUnicode with non-ASCII wins over the code-page copy") {
    check_target(unicode_local_spec(), jose_blob_utf8, Source::local_base_path_unicode);
  }

  TEST_CASE("code-page strings are Windows-1252") {
    // é, €, Ÿ, 0x81 (undefined in 1252: the C1 control U+0081, as Windows maps it), ÿ
    check_target({.info = LinkInfoSpec{.local = "C:\\Users\\Jos\xE9\\\x80\x9F\x81\xFF"}},
                 "C:\\Users\\Jos\xC3\xA9\\\xE2\x82\xAC\xC5\xB8\xC2\x81\xC3\xBF", Source::local_base_path);
  }

  TEST_CASE("UTF-16: surrogate pairs decode, unpaired surrogates become U+FFFD") {
    check_target({.info = LinkInfoSpec{.local = "C:\\x", .local_unicode = u"C:\\\U0001F600\xD800x\xDC00\xDBFF"}},
                 "C:\\\xF0\x9F\x98\x80\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBD", Source::local_base_path_unicode);
  }

  TEST_CASE("CommonPathSuffix is joined to LocalBasePath with one backslash") {
    const std::string joined = "C:\\Users\\me\\.cache\\huggingface\\hub";
    check_target({.info = LinkInfoSpec{.local = "C:\\Users\\me\\.cache\\", .suffix = "huggingface\\hub"}}, joined,
                 Source::local_base_path);
    check_target({.info = LinkInfoSpec{.local = "C:\\Users\\me\\.cache", .suffix = "huggingface\\hub"}}, joined,
                 Source::local_base_path);
    const LinkInfoSpec both{.local = "C:\\a", .local_unicode = u"C:\\b", .suffix = "c", .suffix_unicode = u"d"};
    check_target({.info = both}, "C:\\b\\d", Source::local_base_path_unicode);
  }

  TEST_CASE("UNC target through CommonNetworkRelativeLink") {
    check_target(unc_spec(), "\\\\nas\\models\\hub\\models--org--name\\blobs\\" + hex40, Source::network_path);
    check_target({.info = LinkInfoSpec{.suffix = unc_suffix,
                                       .suffix_unicode = wide(unc_suffix),
                                       .net_name = "\\\\nas\\m?dels",
                                       .net_name_unicode = u"\\\\nas\\m\u00F6dels"}},
                 "\\\\nas\\m\xC3\xB6" "dels\\hub\\models--org--name\\blobs\\" + hex40, Source::network_path);
  }

  TEST_CASE("a local path wins over the network one; RELATIVE_PATH and the IDList are fallbacks") {
    LnkSpec s = full_spec();
    check_target(s, jose_blob_utf8, Source::local_base_path_unicode);
    s.info->local.reset();
    s.info->local_unicode.reset();
    check_target(s, unc_share, Source::network_path);  // with an empty CommonPathSuffix
    s.info.reset();
    check_target(s, relative_blob, Source::relative_path);
    s.relative.reset();
    check_target(s, jose_blob_utf8, Source::idlist);
  }

  TEST_CASE("only RELATIVE_PATH in StringData, UTF-16 or code page") {
    check_target(relative_only_spec(), relative_blob, Source::relative_path);
    check_target({.unicode = false, .name = u"a shortcut", .relative = wide(relative_blob), .working_dir = u"C:\\"},
                 relative_blob, Source::relative_path);
  }

  TEST_CASE("a NUL inside a counted string ends it") {
    check_target({.relative = wide(relative_blob) + u'\0' + u"junk"}, relative_blob, Source::relative_path);
  }

  TEST_CASE("ForceNoLinkInfo: LinkInfo is skipped, not used") {
    check_target({.extra_flags = 0x100, .info = LinkInfoSpec{.local = me_blob}, .relative = wide(relative_blob)},
                 relative_blob, Source::relative_path);
  }

  TEST_CASE("an IDList before LinkInfo is skipped") {
    LnkSpec s = ansi_local_spec();
    s.idlist = blob_idlist(u"someone", "ffff");
    check_target(s, me_blob, Source::local_base_path);
    s.idlist = shell_item(0x1F, Bytes(18, 0x42));  // one this reader cannot spell a path from
    check_target(s, me_blob, Source::local_base_path);
  }

  TEST_CASE("a path from the IDList alone") {
    check_target({.idlist = blob_idlist(u"Jos\u00E9", hex64)}, jose_blob_utf8, Source::idlist);

    // Without the My Computer root, and a file entry with a Unicode primary name and no extension block.
    LnkSpec s{.idlist = drive_item("D:\\")};
    Bytes d{0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0};  // unknown, size, time, attributes
    put_wcstr(d, u"w\u00E9ights.bin");
    append(s.idlist, shell_item(0x36, d));
    check_target(s, "D:\\w\xC3\xA9ights.bin", Source::idlist);

    // A root other than My Computer (here the Network) spells no path...
    s.idlist = shell_item(0x1F, {0x50, 0x60, 0x2C, 0x8D, 0x20, 0x3A, 0x69, 0x10, 0xA2, 0xD8, 0x08, 0x00, 0x2B, 0x30,
                                 0x30, 0x9D, 0x00});
    append(s.idlist, drive_item("C:\\"));
    CHECK(error_mentions(parse(build(s).bytes), "holds no target path"));
    // ...nor does a drive item that is not a drive, nor a file entry named .. or holding a separator.
    s.idlist = drive_item("C:\\Users");
    CHECK(error_mentions(parse(build(s).bytes), "holds no target path"));
    for (const auto* bad : {u"a\\b", u"..", u"a/b"}) {
      s.idlist = drive_item("C:");
      append(s.idlist, file_entry_item("A", bad, false));
      CHECK(error_mentions(parse(build(s).bytes), "holds no target path"));
    }
  }

  TEST_CASE("no target at all") {
    CHECK(error_mentions(parse(build(LnkSpec{}).bytes), "holds no target path"));
    LnkSpec s{.info = LinkInfoSpec{}, .name = u"just a name"};  // LinkInfoFlags 0
    CHECK(error_mentions(parse(build(s).bytes), "holds no target path"));
    s.relative = u"";
    CHECK(error_mentions(parse(build(s).bytes), "holds no target path"));
  }

  TEST_CASE("the string_view overload and to_string") {
    const Bytes b = build(ansi_local_spec()).bytes;
    const std::string text(b.begin(), b.end());
    CHECK(target_of(parse_lnk(std::string_view(text))).path == me_blob);
    CHECK(to_string(Source::local_base_path_unicode) == "local_base_path_unicode");
    CHECK(to_string(Source::idlist) == "idlist");
  }

  TEST_CASE("hostile: not a shell link") {
    const Bytes b = build(ansi_local_spec()).bytes;
    CHECK(error_mentions(parse(Bytes{}), "empty"));
    CHECK(error_mentions(parse(Bytes(b.begin(), b.begin() + 40)), "shorter than a ShellLinkHeader"));
    CHECK(error_mentions(patched(b, 16, 0x47000000), "LinkCLSID"));  // its last byte 0x46 -> 0x47
    CHECK(error_mentions(patched(b, 0, 0x4D), "HeaderSize"));
    CHECK(error_mentions(parse(Bytes(200, 0)), "HeaderSize"));
    CHECK(is_error(parse_lnk(std::string_view("../../blobs/" + hex64))));
  }

  TEST_CASE("hostile: size limit") {
    Bytes b = build(ansi_local_spec()).bytes;
    b.resize(max_lnk_bytes, 0);  // trailing bytes after the TerminalBlock are ignored
    CHECK(target_of(parse(b)).path == me_blob);
    b.push_back(0);
    CHECK(error_mentions(parse(b), "larger than any shell link"));
    b.resize(2 * max_lnk_bytes, 0xFF);
    CHECK(error_mentions(parse(b), "larger than any shell link"));
  }

  TEST_CASE("hostile: LinkInfo sizes and offsets") {
    const Built good = build(ansi_local_spec());
    const std::size_t li = good.link_info_at;
    const std::uint32_t li_size = get32(good.bytes, li);
    const auto patch = [&](std::size_t at, std::uint32_t v) { return patched(good.bytes, at, v); };
    CHECK(error_mentions(patch(li, u32(good.bytes.size() * 2)), "does not fit in the file"));
    CHECK(error_mentions(patch(li, 0xFFFFFFFF), "does not fit in the file"));
    CHECK(error_mentions(patch(li, 8), "smaller than its header"));
    CHECK(error_mentions(patch(li + 4, 0x20), "LinkInfoHeaderSize"));
    CHECK(error_mentions(patch(li + 4, li_size + 4), "exceeds LinkInfoSize"));
    CHECK(error_mentions(patch(li + 16, li_size), "LocalBasePathOffset"));
    CHECK(error_mentions(patch(li + 16, li_size + 100), "LocalBasePathOffset"));
    CHECK(error_mentions(patch(li + 16, 0xFFFFFFFF), "LocalBasePathOffset"));
    CHECK(error_mentions(patch(li + 16, 4), "LocalBasePathOffset"));  // inside the header
    CHECK(error_mentions(patch(li + 12, li_size), "VolumeIDOffset"));
    CHECK(error_mentions(patch(li + 24, li_size + 1), "CommonPathSuffixOffset"));
    const std::uint32_t volume_at = get32(good.bytes, li + 12);
    CHECK(error_mentions(patch(li + volume_at, 0xFFFFFFF0), "VolumeID"));
    CHECK(error_mentions(patch(li + volume_at, 4), "VolumeIDSize"));

    // A bare LinkInfo header with both flags and all offsets zero, i.e. inside the header; a TerminalBlock.
    Bytes bare = shell_link_header(0x2);
    put32s(bare, {0x1C, 0x1C, 0x3, 0, 0, 0, 0, 0});
    CHECK(error_mentions(parse(bare), "VolumeIDOffset"));
  }

  TEST_CASE("hostile: unterminated strings stop at the structure, not at the buffer") {
    // LocalBasePath is followed by CommonPathSuffix; with both NULs gone, the next NUL is in StringData.
    Built b = build({.info = LinkInfoSpec{.local = me_blob}, .name = u"x"});
    const std::size_t li = b.link_info_at;
    const std::uint32_t li_size = get32(b.bytes, li);
    REQUIRE((b.bytes[li + li_size - 2] == 0 && b.bytes[li + li_size - 1] == 0));
    set16(b.bytes, li + li_size - 2, 0x4141);
    set32(b.bytes, li + 24, 0);  // no CommonPathSuffix
    CHECK(error_mentions(parse(b.bytes), "LocalBasePath at offset"));
    CHECK(error_mentions(parse(b.bytes), "no NUL terminator inside LinkInfo"));

    // The same for the UTF-16 copy, last in LinkInfo.
    const Built u = build(unicode_local_spec());
    const std::size_t end = u.link_info_at + get32(u.bytes, u.link_info_at);
    CHECK(error_mentions(patched16(u.bytes, end - 2, 'A'), "LocalBasePathUnicode at offset"));
  }

  TEST_CASE("hostile: odd-length UTF-16") {
    const Built u = build(unicode_local_spec());
    const std::size_t li = u.link_info_at;
    // LinkInfo one byte short: the terminator of LocalBasePathUnicode has only one byte inside it.
    CHECK(error_mentions(patched(u.bytes, li, get32(u.bytes, li) - 1), "no UTF-16 terminator"));
    // An odd LocalBasePathOffsetUnicode is allowed (no alignment rule): it reads the bytes shifted.
    CHECK_FALSE(is_error(patched(u.bytes, li + 28, get32(u.bytes, li + 28) + 1)));
    // An odd number of bytes left for a UTF-16 RELATIVE_PATH.
    Bytes b = build(relative_only_spec()).bytes;
    b.resize(0x4C + 2 + relative_blob.size() * 2 - 1);
    CHECK(error_mentions(parse(b), "RELATIVE_PATH"));
  }

  TEST_CASE("hostile: StringData and ExtraData") {
    const Built b = build(relative_only_spec());
    const std::size_t block = b.bytes.size() - 20;
    CHECK(error_mentions(patched16(b.bytes, b.string_data_at, 0xFFFF), "RELATIVE_PATH"));
    CHECK(error_mentions(parse(Bytes(b.bytes.begin(), b.bytes.end() - 4)), "TerminalBlock"));
    CHECK(error_mentions(patched(b.bytes, block, 5), "ExtraData block size 5"));  // too small for its signature
    CHECK(error_mentions(patched(b.bytes, block, 0xFFFFFFFF), "ExtraData block"));
  }

  TEST_CASE("hostile: IDList sizes") {
    LnkSpec s = relative_only_spec();
    s.idlist = blob_idlist(u"me", hex64);
    const Built b = build(s);
    CHECK(error_mentions(patched16(b.bytes, 0x4C, 0xFFFF), "LinkTargetIDList"));
    CHECK(error_mentions(patched16(b.bytes, 0x4E, 0xFFF0), "ItemID"));  // past IDListSize
    CHECK(error_mentions(patched16(b.bytes, 0x4E, 1), "ItemIDSize 1"));
    Bytes bad = b.bytes;
    set16(bad, 0x4C, static_cast<unsigned>(s.idlist.size()));  // the TerminalID falls outside
    bad.erase(bad.begin() + static_cast<std::ptrdiff_t>(0x4E + s.idlist.size()),
              bad.begin() + static_cast<std::ptrdiff_t>(0x4E + s.idlist.size() + 2));
    CHECK(error_mentions(parse(bad), "TerminalID"));
  }

  TEST_CASE("hostile: CommonNetworkRelativeLink") {
    const Built good = build(unc_spec());
    const std::size_t li = good.link_info_at;
    const std::size_t cnrl = li + get32(good.bytes, li + 20);
    const auto patch = [&](std::size_t at, std::uint32_t v) { return patched(good.bytes, at, v); };
    CHECK(error_mentions(patch(cnrl, 0x13), "CommonNetworkRelativeLinkSize"));
    CHECK(error_mentions(patch(cnrl, 0x10000), "does not fit in LinkInfo"));
    CHECK(error_mentions(patch(cnrl + 8, 0x1000), "NetNameOffset"));
    CHECK(error_mentions(patch(cnrl + 8, 0x16), "NetNameOffset"));  // claims Unicode offsets, points into them
    CHECK(error_mentions(patch(cnrl + 12, 0x2), "DeviceNameOffset"));
    CHECK(error_mentions(patch(li + 20, 0xFFFFFFFF), "CommonNetworkRelativeLinkOffset"));
  }

  TEST_CASE("every truncation of a valid file is an error") {
    for (const auto& sample : samples()) {
      CAPTURE(sample.first);
      REQUIRE_FALSE(is_error(parse(sample.second)));
      for (std::size_t n = 0; n < sample.second.size(); ++n) {
        const auto r = parse_lnk(std::span(sample.second.data(), n));
        if (!is_error(r)) FAIL_CHECK("a prefix of " << n << " bytes parsed: " << error_of(r));
      }
    }
  }

  TEST_CASE("random byte flips never crash and never yield bad UTF-8") {
    std::mt19937 rng(0x1f2e3d4c);
    int parsed = 0, refused = 0;
    for (const auto& sample : samples()) {
      CAPTURE(sample.first);
      for (int round = 0; round < 1000; ++round) {
        Bytes b = sample.second;
        const int flips = 1 + static_cast<int>(rng() % 8);
        for (int k = 0; k < flips; ++k) {
          const std::size_t at = rng() % b.size();
          switch (rng() % 4) {
            case 0: b[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
            case 1: b[at] = static_cast<std::uint8_t>(rng()); break;
            case 2: b[at] = (rng() % 2) ? 0x00 : 0xFF; break;
            default:
              if (at + 4 <= b.size()) set32(b, at, (rng() % 2) ? 0xFFFFFFFF : static_cast<std::uint32_t>(rng() % 512));
          }
        }
        if (rng() % 8 == 0) b.resize(rng() % (b.size() + 1));
        const auto r = parse(b);
        if (const auto* t = std::get_if<LnkTarget>(&r)) {
          ++parsed;
          if (t->path.empty() || !valid_utf8(t->path)) FAIL_CHECK("bad target in round " << round);
        } else {
          ++refused;
          if (std::get<std::string>(r).empty()) FAIL_CHECK("empty reason in round " << round);
        }
      }
    }
    MESSAGE(parsed << " flipped files still parsed, " << refused << " refused");
    CHECK(parsed + refused == 6000);
  }

  TEST_CASE("random tails after a valid header never crash") {
    std::mt19937 rng(77);
    for (int round = 0; round < 2000; ++round) {
      Bytes b = shell_link_header(static_cast<std::uint32_t>(rng()) & 0x1FF);  // random LinkFlags
      for (auto n = rng() % 600; n > 0; --n) put8(b, rng() % 4 ? rng() % 8 : rng());  // mostly small values
      const auto r = parse(b);
      if (const auto* t = std::get_if<LnkTarget>(&r)) CHECK(valid_utf8(t->path));
    }
  }

  TEST_CASE("seed corpus for the fuzzer (written when HFCACHE_LNK_SEED_DIR is set)") {
    const char* dir = std::getenv("HFCACHE_LNK_SEED_DIR");
    for (const auto& [name, bytes] : samples()) {
      CHECK_FALSE(is_error(parse(bytes)));
      if (!dir) continue;
      fs::create_directories(dir);
      std::ofstream out(fs::path(dir) / (name + ".lnk"), std::ios::binary);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      REQUIRE(out.good());
    }
  }
}
