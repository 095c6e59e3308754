#include "mirror/route.hpp"

#include <array>
#include <vector>

#include "core/cache_layout.hpp"
#include "core/errors.hpp"
#include "core/revision.hpp"
#include "http/url.hpp"

namespace hfcache::mirror {
namespace {

using Segments = std::vector<std::string_view>;

constexpr std::array<std::string_view, 5> api_verbs = {"revision", "tree", "paths-info", "refs", "auth-check"};

bool is_api_verb(std::string_view s) {
  for (auto v : api_verbs) {
    if (s == v) return true;
  }
  return false;
}

Segments split(std::string_view path) {
  Segments out;
  if (path.starts_with('/')) path.remove_prefix(1);
  std::size_t start = 0;
  while (true) {
    auto end = path.find('/', start);
    out.push_back(path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::string decode(std::string_view raw) { return http::percent_decode(raw); }

// The repo id from 1 or 2 raw segments; an encoded slash would smuggle a path into the id.
core::RepoRef make_repo(core::RepoType type, const Segments& segs, std::size_t first, std::size_t count) {
  std::string id;
  for (std::size_t i = first; i < first + count; ++i) {
    auto part = decode(segs[i]);
    if (part.find('/') != std::string::npos || part.find('\\') != std::string::npos) {
      throw UsageError("invalid repo id: an encoded '/' or '\\' inside a name part", "write the id as org/name");
    }
    if (!id.empty()) id += '/';
    id += part;
  }
  if (!core::is_valid_repo_id(id)) {
    std::string shown;
    for (unsigned char c : id) shown += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    throw UsageError("invalid repo id '" + shown + "'", "use org/name or a legacy single name");
  }
  return {type, id};
}

// Decoded segments [first, last) joined with '/', validated as a path inside the repo.
std::string join_path(const Segments& segs, std::size_t first, std::size_t last) {
  std::string path;
  for (std::size_t i = first; i < last; ++i) {
    if (i > first) path += '/';
    path += decode(segs[i]);
  }
  core::validate_repo_path(path);
  return path;
}

// How many raw segments the revision at `at` spans: refs/pr/N and refs/convert/X may come unencoded.
std::size_t revision_span(const Segments& segs, std::size_t at) {
  if (segs[at] == "refs" && at + 2 < segs.size() && (segs[at + 1] == "pr" || segs[at + 1] == "convert")) return 3;
  return 1;
}

std::string make_revision(const Segments& segs, std::size_t first, std::size_t count) {
  std::string rev;
  for (std::size_t i = first; i < first + count; ++i) {
    if (i > first) rev += '/';
    rev += decode(segs[i]);
  }
  core::validate_revision(rev);
  return rev;
}

std::optional<Route> parse_api(const Segments& segs) {
  // segs: "api", "{type}s", id parts..., verb, args...
  if (segs.size() < 3) return std::nullopt;
  core::RepoType type;
  if (segs[1] == "models") type = core::RepoType::model;
  else if (segs[1] == "datasets") type = core::RepoType::dataset;
  else if (segs[1] == "spaces") type = core::RepoType::space;
  else return std::nullopt;
  const std::size_t base = 2, rest = segs.size() - base;
  std::size_t id_parts;
  if (rest >= 3 && is_api_verb(segs[base + 2])) id_parts = 2;
  else if (rest == 2 && (segs[base + 1] == "refs" || segs[base + 1] == "auth-check")) id_parts = 1;
  else if (rest == 2) id_parts = 2;
  else if (rest == 1) id_parts = 1;
  else if (is_api_verb(segs[base + 1])) id_parts = 1;
  else return std::nullopt;
  for (std::size_t i = base; i < base + id_parts; ++i) {
    if (segs[i].empty()) return std::nullopt;
  }
  Route route;
  route.repo = make_repo(type, segs, base, id_parts);
  std::size_t at = base + id_parts;
  if (at == segs.size()) {
    route.endpoint = Endpoint::repo_info;
    return route;
  }
  auto verb = segs[at++];
  if (verb == "refs" || verb == "auth-check") {
    if (at != segs.size()) return std::nullopt;
    route.endpoint = verb == "refs" ? Endpoint::refs : Endpoint::auth_check;
    return route;
  }
  if (at >= segs.size() || segs[at].empty()) return std::nullopt;
  if (verb == "revision" || verb == "paths-info") {
    route.endpoint = verb == "revision" ? Endpoint::repo_info : Endpoint::paths_info;
    std::size_t last = segs.size();
    if (last > at && segs[last - 1].empty()) --last;  // a trailing slash
    route.revision = make_revision(segs, at, last - at);
    return route;
  }
  // tree/{rev}[/{path}]
  route.endpoint = Endpoint::tree;
  auto span = revision_span(segs, at);
  route.revision = make_revision(segs, at, span);
  at += span;
  std::size_t last = segs.size();
  if (last > at && segs[last - 1].empty()) --last;
  if (at < last) route.path = join_path(segs, at, last);
  return route;
}

std::optional<Route> parse_resolve(const Segments& segs) {
  std::size_t base = 0;
  core::RepoType type = core::RepoType::model;
  if (segs[0] == "datasets" || segs[0] == "spaces") {
    type = segs[0] == "datasets" ? core::RepoType::dataset : core::RepoType::space;
    base = 1;
  }
  std::size_t id_parts;
  if (segs.size() > base + 2 && segs[base + 2] == "resolve") id_parts = 2;
  else if (segs.size() > base + 1 && segs[base + 1] == "resolve") id_parts = 1;
  else return std::nullopt;
  for (std::size_t i = base; i < base + id_parts; ++i) {
    if (segs[i].empty()) return std::nullopt;
  }
  std::size_t at = base + id_parts + 1;
  if (at + 1 >= segs.size() || segs[at].empty()) return std::nullopt;  // needs a revision and a path
  Route route;
  route.endpoint = Endpoint::resolve;
  route.repo = make_repo(type, segs, base, id_parts);
  auto span = revision_span(segs, at);
  if (at + span >= segs.size()) span = 1;
  route.revision = make_revision(segs, at, span);
  route.path = join_path(segs, at + span, segs.size());
  return route;
}

}  // namespace

std::optional<Route> parse_route(std::string_view raw_path) {
  if (raw_path.empty() || raw_path.front() != '/') return std::nullopt;
  auto segs = split(raw_path);
  if (segs.empty() || segs[0].empty()) return std::nullopt;
  if (segs[0] == "api") return parse_api(segs);
  return parse_resolve(segs);
}

}  // namespace hfcache::mirror
