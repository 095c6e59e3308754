#include "core/tree_cache.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/revision.hpp"
#include "core/write_lock.hpp"
#include "util/fs.hpp"
#include "util/utf8.hpp"

namespace hfcache::core {
namespace {

// Python json.dumps(ensure_ascii=True) string escaping: \" \\ \n \r \t \b \f, other controls and
// every non-ASCII code point as \uXXXX (surrogate pairs above the BMP).
std::string python_json_string(std::string_view utf8) {
  static constexpr char hex[] = "0123456789abcdef";
  auto u_escape = [&](std::string& out, unsigned cp) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += hex[(cp >> shift) & 15];
  };
  std::string out = "\"";
  for (std::size_t i = 0; i < utf8.size();) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            u_escape(out, c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    auto code_point = util::next_code_point(utf8, i);
    unsigned cp = code_point.value;
    i += code_point.length;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      u_escape(out, 0xd800 + (cp >> 10));
      u_escape(out, 0xdc00 + (cp & 0x3ff));
    } else {
      u_escape(out, cp);
    }
  }
  out += '"';
  return out;
}

}  // namespace

std::string render_tree_cache(std::vector<TreeEntry> entries) {
  std::sort(entries.begin(), entries.end(), [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
  std::string out = "{\n \"format_version\": 1,\n \"files\": {";
  bool first = true;
  for (const auto& e : entries) {
    out += first ? "\n" : ",\n";
    first = false;
    out += "  " + python_json_string(e.path) + ": {\n";
    out += "   \"size\": " + std::to_string(e.size) + ",\n";
    out += "   \"blob_id\": " + python_json_string(e.blob_id);
    if (e.lfs_sha256) {
      out += ",\n   \"lfs_sha256\": " + python_json_string(*e.lfs_sha256);
      out += ",\n   \"lfs_size\": " + std::to_string(e.size);
    }
    out += "\n  }";
  }
  out += entries.empty() ? "}\n}" : "\n }\n}";
  return out;
}

void write_tree_cache(const CacheLayout& layout, const RepoRef& repo, std::string_view commit,
                      const std::vector<TreeEntry>& entries) {
  auto path = layout.tree_cache_path(repo, commit);
  fs::create_directories(path.parent_path());
  RepoWriteLock writing(layout, repo);
  util::atomic_write_file(path, render_tree_cache(entries));
}

std::optional<std::vector<TreeEntry>> read_tree_cache(const CacheLayout& layout, const RepoRef& repo,
                                                      std::string_view commit) {
  auto text = util::read_small_file(layout.tree_cache_path(repo, commit), std::size_t{1} << 30);
  if (!text) return std::nullopt;
  try {
    auto doc = nlohmann::json::parse(*text);
    if (doc.value("format_version", 0) != 1) return std::nullopt;
    std::vector<TreeEntry> entries;
    for (auto& [path, info] : doc.at("files").items()) {
      TreeEntry e;
      e.path = path;
      e.size = info.at("size").get<std::uint64_t>();
      e.blob_id = info.at("blob_id").get<std::string>();
      if (info.contains("lfs_sha256") && info["lfs_sha256"].is_string()) e.lfs_sha256 = info["lfs_sha256"].get<std::string>();
      // The file may come from anyone who can write the cache: a path that leaves the snapshot or a
      // blob name that is no hash makes the whole listing untrusted (it is fetched again).
      validate_repo_path(e.path);
      if (!is_etag(e.blob_id) || (e.lfs_sha256 && (e.lfs_sha256->size() != 64 || !is_etag(*e.lfs_sha256))))
        return std::nullopt;
      entries.push_back(std::move(e));
    }
    return entries;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  } catch (const UsageError&) {
    return std::nullopt;
  }
}

}  // namespace hfcache::core
