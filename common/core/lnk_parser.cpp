#include "core/lnk_parser.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>
#include <vector>

namespace hfcache::core {
namespace {

// ShellLinkHeader ([MS-SHLLINK] 2.1): its fixed size, which HeaderSize must state, and the LinkCLSID
// 00021401-0000-0000-C000-000000000046 as stored (the first three groups little-endian).
constexpr std::size_t shell_link_header_size = 0x4C;
constexpr std::array<std::uint8_t, 16> shell_link_clsid{0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                                                        0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};

// LinkFlags (2.1.1): which structures follow the header, and how StringData is encoded.
constexpr std::uint32_t has_link_target_id_list = 0x001;
constexpr std::uint32_t has_link_info = 0x002;
constexpr std::uint32_t has_name = 0x004;
constexpr std::uint32_t has_relative_path = 0x008;
constexpr std::uint32_t has_working_dir = 0x010;
constexpr std::uint32_t has_arguments = 0x020;
constexpr std::uint32_t has_icon_location = 0x040;
constexpr std::uint32_t is_unicode = 0x080;
constexpr std::uint32_t force_no_link_info = 0x100;

// LinkInfo (2.3): its header without, and with, LocalBasePathOffsetUnicode and CommonPathSuffixOffsetUnicode.
constexpr std::uint32_t link_info_header_plain = 0x1C;
constexpr std::uint32_t link_info_header_unicode = 0x24;
constexpr std::uint32_t volume_id_and_local_base_path = 0x1;
constexpr std::uint32_t common_network_relative_link_and_path_suffix = 0x2;
// VolumeIDSize must exceed its own fixed fields (2.3.1).
constexpr std::uint32_t volume_id_fixed_size = 0x10;
// CommonNetworkRelativeLink (2.3.2): its header without, and with, the two Unicode offsets, which are
// present exactly when NetNameOffset points past the shorter header.
constexpr std::uint32_t network_link_header_plain = 0x14;
constexpr std::uint32_t network_link_header_unicode = 0x1C;
constexpr std::uint32_t valid_device = 0x1;
// ExtraData (2.5): a block size below this is the TerminalBlock; a real block holds size and signature.
constexpr std::uint32_t terminal_block_limit = 0x4;
constexpr std::uint32_t extra_block_min = 0x8;

// Shell items (not in MS-SHLLINK; the layouts libfwsi documents): the root item of "My Computer"
// {20D04FE0-3AEA-1069-A2D8-08002B30309D}, volume and file-entry class types, and the 0xBEEF0004 extension
// block that carries a file entry's long name.
constexpr std::uint8_t root_folder_type = 0x1F;
constexpr std::array<std::uint8_t, 16> my_computer_clsid{0xE0, 0x4F, 0xD0, 0x20, 0xEA, 0x3A, 0x69, 0x10,
                                                         0xA2, 0xD8, 0x08, 0x00, 0x2B, 0x30, 0x30, 0x9D};
constexpr std::uint8_t class_type_mask = 0x70;
constexpr std::uint8_t volume_class = 0x20;
constexpr std::uint8_t file_entry_class = 0x30;
constexpr std::uint8_t file_entry_unicode = 0x04;
constexpr std::size_t file_entry_name_offset = 14;
constexpr std::uint32_t file_entry_extension_signature = 0xBEEF0004;

// Windows-1252 0x80-0x9F. The five undefined bytes map to the C1 controls, as MultiByteToWideChar does.
constexpr std::array<char16_t, 32> cp1252_high{
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

// Internal only: parse_lnk turns it into its error alternative.
struct Malformed {
  std::string why;
};
[[noreturn]] void fail(std::string why) { throw Malformed{std::move(why)}; }

std::string num(std::size_t n) { return std::to_string(n); }

// A bounded view of one structure of the file. Every read is checked against it, and a sub-window can only
// be made inside it, so no read can leave the structure, let alone the buffer.
class Window {
 public:
  Window(std::span<const std::uint8_t> bytes, const char* name) : bytes_(bytes), name_(name) {}

  std::size_t size() const { return bytes_.size(); }
  std::span<const std::uint8_t> bytes() const { return bytes_; }
  const char* name() const { return name_; }
  bool fits(std::size_t offset, std::size_t length) const {
    return offset <= bytes_.size() && length <= bytes_.size() - offset;
  }
  Window sub(std::size_t offset, std::size_t length, const char* what) const {
    require(offset, length, what);
    return Window(bytes_.subspan(offset, length), what);
  }
  std::span<const std::uint8_t> tail(std::size_t offset, std::string_view what) const {
    require(offset, 0, what);
    return bytes_.subspan(offset);
  }
  std::uint8_t u8(std::size_t offset, std::string_view what) const {
    require(offset, 1, what);
    return bytes_[offset];
  }
  std::uint16_t u16(std::size_t offset, std::string_view what) const {
    require(offset, 2, what);
    return static_cast<std::uint16_t>(bytes_[offset] | bytes_[offset + 1] << 8);
  }
  std::uint32_t u32(std::size_t offset, std::string_view what) const {
    require(offset, 4, what);
    return std::uint32_t{bytes_[offset]} | std::uint32_t{bytes_[offset + 1]} << 8 |
           std::uint32_t{bytes_[offset + 2]} << 16 | std::uint32_t{bytes_[offset + 3]} << 24;
  }

 private:
  void require(std::size_t offset, std::size_t length, std::string_view what) const {
    if (!fits(offset, length))
      fail(std::string(what) + " (" + num(length) + " bytes at offset " + num(offset) + ") does not fit in " +
           name_ + " (" + num(bytes_.size()) + " bytes)");
  }

  std::span<const std::uint8_t> bytes_;
  const char* name_;  // a string literal
};

// Decode Windows-1252 up to the first NUL, if any.
std::string decode_cp1252(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::uint8_t b : bytes) {
    if (b == 0) break;
    util::append_utf8(out, b >= 0x80 && b < 0xA0 ? char32_t{cp1252_high[b - 0x80u]} : char32_t{b});
  }
  return out;
}

// Decode UTF-16LE up to the first U+0000, if any; a trailing odd byte is ignored (callers size the span).
std::string decode_utf16(std::span<const std::uint8_t> bytes) {
  auto unit = [&](std::size_t i) { return static_cast<char32_t>(bytes[i] | bytes[i + 1] << 8); };
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    char32_t c = unit(i);
    if (c == 0) break;
    if (c >= 0xD800 && c <= 0xDBFF && i + 3 < bytes.size() && unit(i + 2) >= 0xDC00 && unit(i + 2) <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (unit(i + 2) - 0xDC00);
      i += 2;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    util::append_utf8(out, c);
  }
  return out;
}

struct CString {
  std::string text;  // UTF-8
  std::size_t end;   // offset just past the terminator
};

// The NUL-terminated code-page string at `offset`; the terminator must lie inside `w`.
CString ansi_cstring(const Window& w, std::size_t offset, std::string_view what) {
  auto rest = w.tail(offset, what);
  auto nul = std::find(rest.begin(), rest.end(), std::uint8_t{0});
  if (nul == rest.end())
    fail(std::string(what) + " at offset " + num(offset) + " has no NUL terminator inside " + w.name());
  const auto length = static_cast<std::size_t>(nul - rest.begin());
  return {decode_cp1252(rest.first(length)), offset + length + 1};
}

// The UTF-16LE string at `offset` ending in U+0000; the terminator must lie inside `w`.
CString utf16_cstring(const Window& w, std::size_t offset, std::string_view what) {
  auto rest = w.tail(offset, what);
  for (std::size_t i = 0; i + 1 < rest.size(); i += 2)
    if (rest[i] == 0 && rest[i + 1] == 0) return {decode_utf16(rest.first(i)), offset + i + 2};
  fail(std::string(what) + " at offset " + num(offset) + " has no UTF-16 terminator inside " + w.name());
}

// An offset field of `w` that must point past its header and inside it.
std::size_t inner_offset(const Window& w, std::uint32_t offset, std::size_t header, std::string_view what) {
  if (offset < header || offset >= w.size())
    fail(std::string(what) + " " + num(offset) + " points outside " + w.name() + " (header " + num(header) +
         " bytes, size " + num(w.size()) + ")");
  return offset;
}

// Join a base and a suffix with one backslash between them.
std::string join(std::string base, const std::string& suffix) {
  if (suffix.empty()) return base;
  if (!base.empty() && base.back() != '\\' && suffix.front() != '\\') base += '\\';
  base += suffix;
  return base;
}

// The path LinkInfo holds: the local one when there is one, else the network one (2.3, 2.3.2).
std::optional<LnkTarget> parse_link_info(const Window& info) {
  const std::uint32_t header = info.u32(4, "LinkInfoHeaderSize");
  if (header != link_info_header_plain && header < link_info_header_unicode)
    fail("LinkInfoHeaderSize " + num(header) + " is neither 0x1C nor at least 0x24");
  if (header > info.size())
    fail("LinkInfoHeaderSize " + num(header) + " exceeds LinkInfoSize " + num(info.size()));
  const bool has_unicode_offsets = header >= link_info_header_unicode;
  const std::uint32_t flags = info.u32(8, "LinkInfoFlags");

  std::string suffix;
  if (const std::uint32_t at = info.u32(24, "CommonPathSuffixOffset"); at != 0)
    suffix = ansi_cstring(info, inner_offset(info, at, header, "CommonPathSuffixOffset"), "CommonPathSuffix").text;
  if (const std::uint32_t at = has_unicode_offsets ? info.u32(32, "CommonPathSuffixOffsetUnicode") : 0; at != 0) {
    auto wide = utf16_cstring(info, inner_offset(info, at, header, "CommonPathSuffixOffsetUnicode"),
                              "CommonPathSuffixUnicode");
    if (!wide.text.empty()) suffix = std::move(wide.text);
  }

  std::optional<LnkTarget> local;
  if (flags & volume_id_and_local_base_path) {
    const std::size_t volume = inner_offset(info, info.u32(12, "VolumeIDOffset"), header, "VolumeIDOffset");
    const std::uint32_t volume_size = info.u32(volume, "VolumeIDSize");
    if (volume_size <= volume_id_fixed_size) fail("VolumeIDSize " + num(volume_size) + " is too small");
    info.sub(volume, volume_size, "VolumeID");
    auto base = ansi_cstring(info, inner_offset(info, info.u32(16, "LocalBasePathOffset"), header,
                                                "LocalBasePathOffset"),
                             "LocalBasePath")
                    .text;
    auto source = LnkTarget::Source::local_base_path;
    if (const std::uint32_t at = has_unicode_offsets ? info.u32(28, "LocalBasePathOffsetUnicode") : 0; at != 0) {
      auto wide = utf16_cstring(info, inner_offset(info, at, header, "LocalBasePathOffsetUnicode"),
                                "LocalBasePathUnicode");
      if (!wide.text.empty()) {
        base = std::move(wide.text);
        source = LnkTarget::Source::local_base_path_unicode;
      }
    }
    if (!base.empty()) local = LnkTarget{join(std::move(base), suffix), source};
  }

  std::optional<LnkTarget> network;
  if (flags & common_network_relative_link_and_path_suffix) {
    const std::size_t at = inner_offset(info, info.u32(20, "CommonNetworkRelativeLinkOffset"), header,
                                        "CommonNetworkRelativeLinkOffset");
    const std::uint32_t size = info.u32(at, "CommonNetworkRelativeLinkSize");
    if (size < network_link_header_plain) fail("CommonNetworkRelativeLinkSize " + num(size) + " is too small");
    const Window link = info.sub(at, size, "CommonNetworkRelativeLink");
    const std::uint32_t link_flags = link.u32(4, "CommonNetworkRelativeLinkFlags");
    const std::uint32_t net_at = link.u32(8, "NetNameOffset");
    const std::size_t link_header =
        net_at > network_link_header_plain ? network_link_header_unicode : network_link_header_plain;
    auto net = ansi_cstring(link, inner_offset(link, net_at, link_header, "NetNameOffset"), "NetName").text;
    if (link_flags & valid_device)
      ansi_cstring(link, inner_offset(link, link.u32(12, "DeviceNameOffset"), link_header, "DeviceNameOffset"),
                   "DeviceName");
    if (link_header == network_link_header_unicode) {
      if (const std::uint32_t wide_at = link.u32(0x14, "NetNameOffsetUnicode"); wide_at != 0) {
        auto wide = utf16_cstring(link, inner_offset(link, wide_at, link_header, "NetNameOffsetUnicode"),
                                  "NetNameUnicode");
        if (!wide.text.empty()) net = std::move(wide.text);
      }
      if (const std::uint32_t wide_at = link.u32(0x18, "DeviceNameOffsetUnicode");
          wide_at != 0 && (link_flags & valid_device))
        utf16_cstring(link, inner_offset(link, wide_at, link_header, "DeviceNameOffsetUnicode"),
                      "DeviceNameUnicode");
    }
    if (!net.empty()) network = LnkTarget{join(std::move(net), suffix), LnkTarget::Source::network_path};
  }
  return local ? local : network;
}

// Offset of the long name in a 0xBEEF0004 block of this version (libfwsi: 3 is XP, 7 Vista, 8 Win7, 9 Win8+).
std::optional<std::size_t> long_name_offset(std::uint16_t version) {
  switch (version) {
    case 3: return 20;
    case 7: return 38;
    case 8: return 42;
    case 9: return 46;
    default: return std::nullopt;
  }
}

// A file entry's name: the long name from its extension block, else its primary name.
std::optional<std::string> file_entry_name(const Window& item) {
  const std::uint8_t type = item.u8(2, "shell item type");
  if ((type & class_type_mask) != file_entry_class) return std::nullopt;
  auto primary = (type & file_entry_unicode) ? utf16_cstring(item, file_entry_name_offset, "primary name")
                                             : ansi_cstring(item, file_entry_name_offset, "primary name");
  const std::size_t ext = primary.end + (primary.end & 1);  // extension blocks are 2-byte aligned
  if (item.fits(ext, 8) && item.u32(ext + 4, "extension signature") == file_entry_extension_signature) {
    const std::uint16_t ext_size = item.u16(ext, "extension block size");
    const auto at = long_name_offset(item.u16(ext + 2, "extension block version"));
    // The block ends with a 2-byte offset of itself, which the name cannot run into.
    if (at && ext_size >= *at + 2) {
      const Window names = item.sub(ext, ext_size - 2u, "file entry extension block");
      auto long_name = utf16_cstring(names, *at, "long name");
      if (!long_name.text.empty()) return std::move(long_name.text);
    }
  }
  return std::move(primary.text);
}

// The path spelled by the simple IDList Explorer writes for a local file: [My Computer] drive file...
std::optional<std::string> simple_idlist_path(const std::vector<Window>& items) {
  std::size_t i = 0;
  if (i < items.size() && items[i].u8(2, "shell item type") == root_folder_type) {
    if (!items[i].fits(4, my_computer_clsid.size())) return std::nullopt;
    const auto clsid = items[i].sub(4, my_computer_clsid.size(), "root folder CLSID");
    for (std::size_t k = 0; k < my_computer_clsid.size(); ++k)
      if (clsid.u8(k, "CLSID") != my_computer_clsid[k]) return std::nullopt;
    ++i;
  }
  if (i >= items.size() || (items[i].u8(2, "shell item type") & class_type_mask) != volume_class) return std::nullopt;
  std::string path = ansi_cstring(items[i], 3, "volume name").text;
  const bool drive = (path.size() == 2 || (path.size() == 3 && path[2] == '\\')) && path[1] == ':' &&
                     ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z'));
  if (!drive) return std::nullopt;
  for (++i; i < items.size(); ++i) {
    auto name = file_entry_name(items[i]);
    if (!name || name->empty() || *name == "." || *name == ".." || name->find_first_of("\\/") != std::string::npos)
      return std::nullopt;
    path = join(std::move(path), *name);
  }
  if (path.size() == 2) path += '\\';
  return path;
}

// Check the ItemID chain of a LinkTargetIDList (2.2) and return the path it spells, if it is simple.
std::optional<std::string> parse_idlist(const Window& list) {
  std::vector<Window> items;
  std::size_t pos = 0;
  for (;;) {
    const std::uint16_t size = list.u16(pos, "ItemIDSize (an IDList ends with a TerminalID)");
    if (size == 0) break;
    if (size < 2) fail("ItemIDSize " + num(size) + " at offset " + num(pos) + " of LinkTargetIDList");
    items.push_back(list.sub(pos, size, "ItemID"));
    pos += size;
  }
  // Item contents are not MS-SHLLINK's: an item this reader does not know makes the path unknown, not the file bad.
  try {
    return simple_idlist_path(items);
  } catch (const Malformed&) {
    return std::nullopt;
  }
}

LnkTarget parse(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) fail("empty file");
  if (bytes.size() > max_lnk_bytes)
    fail(num(bytes.size()) + " bytes: larger than any shell link (limit " + num(max_lnk_bytes) + ")");
  if (bytes.size() < shell_link_header_size)
    fail("not a shell link: " + num(bytes.size()) + " bytes, shorter than a ShellLinkHeader");
  const Window file(bytes, "the file");
  if (const std::uint32_t header = file.u32(0, "HeaderSize"); header != shell_link_header_size)
    fail("not a shell link: HeaderSize is " + num(header) + ", not 76");
  if (!std::equal(shell_link_clsid.begin(), shell_link_clsid.end(), bytes.begin() + 4))
    fail("not a shell link: wrong LinkCLSID");
  const std::uint32_t flags = file.u32(20, "LinkFlags");
  std::size_t pos = shell_link_header_size;

  std::optional<std::string> idlist_path;
  if (flags & has_link_target_id_list) {
    const std::uint16_t size = file.u16(pos, "IDListSize");
    idlist_path = parse_idlist(file.sub(pos + 2, size, "LinkTargetIDList"));
    pos += 2u + size;
  }

  std::optional<LnkTarget> info_target;
  if (flags & has_link_info) {
    const std::uint32_t size = file.u32(pos, "LinkInfoSize");
    if (size < link_info_header_plain) fail("LinkInfoSize " + num(size) + " is smaller than its header");
    const Window info = file.sub(pos, size, "LinkInfo");
    if (!(flags & force_no_link_info)) info_target = parse_link_info(info);
    pos += size;
  }

  // StringData (2.4): each a 16-bit character count, then the characters, no terminator.
  std::string relative;
  struct StringField {
    std::uint32_t flag;
    const char* name;
    const char* count_name;
  };
  constexpr std::array<StringField, 5> string_fields{{
      {has_name, "NAME_STRING", "NAME_STRING CountCharacters"},
      {has_relative_path, "RELATIVE_PATH", "RELATIVE_PATH CountCharacters"},
      {has_working_dir, "WORKING_DIR", "WORKING_DIR CountCharacters"},
      {has_arguments, "COMMAND_LINE_ARGUMENTS", "COMMAND_LINE_ARGUMENTS CountCharacters"},
      {has_icon_location, "ICON_LOCATION", "ICON_LOCATION CountCharacters"},
  }};
  const std::size_t char_size = (flags & is_unicode) ? 2 : 1;
  for (const auto& field : string_fields) {
    if (!(flags & field.flag)) continue;
    const std::size_t count = file.u16(pos, field.count_name);
    const Window text = file.sub(pos + 2, count * char_size, field.name);
    if (field.flag == has_relative_path)
      relative = char_size == 2 ? decode_utf16(text.bytes()) : decode_cp1252(text.bytes());
    pos += 2 + text.size();
  }

  // ExtraData (2.5): blocks until the TerminalBlock, which every shell link ends with.
  for (;;) {
    const std::uint32_t size = file.u32(pos, "ExtraData block size (a shell link ends with a TerminalBlock)");
    if (size < terminal_block_limit) break;
    if (size < extra_block_min) fail("ExtraData block size " + num(size) + " at offset " + num(pos));
    file.sub(pos, size, "ExtraData block");
    pos += size;
  }

  if (info_target) return std::move(*info_target);
  if (!relative.empty()) return LnkTarget{std::move(relative), LnkTarget::Source::relative_path};
  if (idlist_path) return LnkTarget{std::move(*idlist_path), LnkTarget::Source::idlist};
  fail("holds no target path (no LinkInfo path, RELATIVE_PATH or drive-and-files IDList)");
}

}  // namespace

std::string_view to_string(LnkTarget::Source source) {
  switch (source) {
    case LnkTarget::Source::local_base_path_unicode: return "local_base_path_unicode";
    case LnkTarget::Source::local_base_path: return "local_base_path";
    case LnkTarget::Source::network_path: return "network_path";
    case LnkTarget::Source::relative_path: return "relative_path";
    case LnkTarget::Source::idlist: return "idlist";
  }
  return "unknown";
}

LnkResult parse_lnk(std::span<const std::uint8_t> bytes) {
  try {
    return parse(bytes);
  } catch (Malformed& e) {
    return std::move(e.why);
  }
}

}  // namespace hfcache::core
