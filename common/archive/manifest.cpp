#include "archive/manifest.hpp"

#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "core/cache_layout.hpp"
#include "core/errors.hpp"
#include "core/revision.hpp"

namespace hfcache::archive {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& why) {
  throw UsageError("the archive manifest " + std::string(manifest_name) + " is invalid: " + why,
                   "the archive is damaged or was not written by hfcache export; nothing was imported");
}

bool is_sha256(std::string_view s) { return s.size() == 64 && core::is_etag(s); }

const json& member(const json& object, const char* key, json::value_t type, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end()) bad(where + " has no \"" + key + "\"");
  bool ok = it->type() == type || (type == json::value_t::number_unsigned && it->is_number_unsigned());
  if (!ok) bad(where + ": \"" + key + "\" has the wrong type");
  return *it;
}

ManifestFile parse_file(const json& j, const std::string& where) {
  if (!j.is_object()) bad(where + ": a file entry is not an object");
  ManifestFile f;
  f.path = member(j, "path", json::value_t::string, where).get<std::string>();
  try {
    core::validate_repo_path(f.path);
  } catch (const UsageError& e) {
    bad(where + ": " + e.what());
  }
  std::string at = where + " " + f.path;
  f.blob = member(j, "blob", json::value_t::string, at).get<std::string>();
  if (!core::is_etag(f.blob)) bad(at + ": \"blob\" is not a 40- or 64-hex etag");
  f.size = member(j, "size", json::value_t::number_unsigned, at).get<std::uint64_t>();
  f.sha256 = member(j, "sha256", json::value_t::string, at).get<std::string>();
  if (!is_sha256(f.sha256)) bad(at + ": \"sha256\" is not 64 lowercase hex");
  if (f.blob.size() == 64 && f.blob != f.sha256) bad(at + ": an LFS blob must be named by its sha256");
  if (auto it = j.find("blob_id"); it != j.end() && !it->is_null()) {
    if (!it->is_string() || !core::is_commit_hash(it->get<std::string>())) bad(at + ": \"blob_id\" is not 40 hex");
    f.blob_id = it->get<std::string>();
  }
  return f;
}

ManifestRepo parse_repo(const json& j) {
  if (!j.is_object()) bad("a repo entry is not an object");
  ManifestRepo r;
  auto id = member(j, "id", json::value_t::string, "a repo").get<std::string>();
  if (!core::is_valid_repo_id(id)) bad("invalid repo id '" + id + "'");
  auto type = member(j, "type", json::value_t::string, id).get<std::string>();
  try {
    r.repo = {core::parse_repo_type(type), id};
  } catch (const UsageError&) {
    bad(id + ": unknown repo type '" + type + "'");
  }
  std::string where = r.repo.display();
  for (const auto& [commit, rev] : member(j, "revisions", json::value_t::object, where).items()) {
    if (!core::is_commit_hash(commit)) bad(where + ": revision '" + commit + "' is not a 40-hex commit");
    const auto& files = member(rev, "files", json::value_t::array, where + "@" + commit);
    auto& out = r.revisions[commit];
    std::set<std::string> seen;
    for (const auto& f : files) {
      out.push_back(parse_file(f, where + "@" + commit.substr(0, 12)));
      if (!seen.insert(out.back().path).second) bad(where + ": file '" + out.back().path + "' is listed twice");
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  }
  for (const auto& [name, commit] : member(j, "refs", json::value_t::object, where).items()) {
    try {
      core::validate_revision(name);
    } catch (const UsageError& e) {
      bad(where + ": " + e.what());
    }
    if (core::is_commit_hash(name)) bad(where + ": ref name '" + name + "' is a commit hash");
    if (!commit.is_string() || !core::is_commit_hash(commit.get<std::string>()))
      bad(where + ": ref '" + name + "' does not hold a 40-hex commit");
    if (!r.revisions.count(commit.get<std::string>())) bad(where + ": ref '" + name + "' points at an unlisted revision");
    r.refs[name] = commit.get<std::string>();
  }
  return r;
}

}  // namespace

const ManifestRepo* Manifest::find(const core::RepoRef& repo) const {
  for (const auto& r : repos)
    if (r.repo == repo) return &r;
  return nullptr;
}

std::string render_manifest(const Manifest& manifest) {
  json repos = json::array();
  for (const auto& r : manifest.repos) {
    json revisions = json::object();
    for (const auto& [commit, files] : r.revisions) {
      json list = json::array();
      for (const auto& f : files) {
        json e = {{"path", f.path}, {"blob", f.blob}, {"size", f.size}, {"sha256", f.sha256}};
        if (f.blob_id) e["blob_id"] = *f.blob_id;
        list.push_back(std::move(e));
      }
      revisions[commit] = {{"files", std::move(list)}};
    }
    repos.push_back({{"type", core::to_string(r.repo.type)},
                     {"id", r.repo.id},
                     {"folder", r.repo.folder_name()},
                     {"refs", r.refs},
                     {"revisions", std::move(revisions)}});
  }
  json out = {{"format", "hfcache-archive"},
              {"format_version", manifest.format_version},
              {"tool", manifest.tool},
              {"created", manifest.created},
              {"repos", std::move(repos)}};
  return out.dump(1) + "\n";
}

Manifest parse_manifest(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    bad(std::string("not JSON (") + e.what() + ")");
  }
  if (!j.is_object()) bad("not a JSON object");
  Manifest m;
  m.format_version = member(j, "format_version", json::value_t::number_unsigned, "the manifest").get<int>();
  if (m.format_version > manifest_format_version)
    throw UsageError("the archive manifest has format_version " + std::to_string(m.format_version) +
                         ", newer than this hfcache understands (" + std::to_string(manifest_format_version) + ")",
                     "import it with a newer hfcache");
  if (m.format_version < 1) bad("format_version must be at least 1");
  if (auto it = j.find("tool"); it != j.end() && it->is_string()) m.tool = it->get<std::string>();
  if (auto it = j.find("created"); it != j.end() && it->is_string()) m.created = it->get<std::string>();
  for (const auto& r : member(j, "repos", json::value_t::array, "the manifest")) {
    m.repos.push_back(parse_repo(r));
    for (std::size_t i = 0; i + 1 < m.repos.size(); ++i)
      if (m.repos[i].repo == m.repos.back().repo) bad(m.repos.back().repo.display() + " is listed twice");
  }
  return m;
}

std::string utc_now_iso8601() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace hfcache::archive
