#include "core/repo_id.hpp"

#include <vector>

#include "core/errors.hpp"
#include "core/revision.hpp"

namespace hfcache::core {
namespace {

// Longest name part the hub accepts (huggingface_hub REPO_ID_REGEX: {1,96}).
constexpr std::size_t max_part_length = 96;

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_valid_part(std::string_view part) {
  if (part.empty() || part.size() > max_part_length) return false;
  for (char c : part) {
    if (!is_word_char(c) && c != '-' && c != '.') return false;
  }
  return is_word_char(part.front()) && is_word_char(part.back());
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

[[noreturn]] void bad_repo(std::string_view arg, std::string_view why) {
  throw UsageError("invalid repo id '" + printable(arg) + "': " + std::string(why),
                   "write it as org/name (for example hfl/rbt3), datasets/org/name or spaces/org/name");
}

// Strip "https://host" from a hub URL and return the path, or nullopt if `arg` is no URL.
std::optional<std::string_view> url_path(std::string_view arg) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (arg.starts_with(scheme)) {
      auto rest = arg.substr(scheme.size());
      auto slash = rest.find('/');
      if (slash == std::string_view::npos) return std::string_view{};
      auto path = rest.substr(slash + 1);
      while (path.ends_with('/')) path.remove_suffix(1);
      return path;
    }
  }
  return std::nullopt;
}

}  // namespace

RepoType parse_repo_type(std::string_view text) {
  if (text == "model" || text == "models") return RepoType::model;
  if (text == "dataset" || text == "datasets") return RepoType::dataset;
  if (text == "space" || text == "spaces") return RepoType::space;
  throw UsageError("unknown repo type '" + printable(text) + "'", "use --type model, dataset or space");
}

std::string_view to_string(RepoType type) {
  switch (type) {
    case RepoType::model: return "model";
    case RepoType::dataset: return "dataset";
    case RepoType::space: return "space";
  }
  return "model";
}

std::string_view plural(RepoType type) {
  switch (type) {
    case RepoType::model: return "models";
    case RepoType::dataset: return "datasets";
    case RepoType::space: return "spaces";
  }
  return "models";
}

std::string RepoRef::folder_name() const {
  std::string name(plural(type));
  for (auto part : split(id, '/')) {
    name += "--";
    name += part;
  }
  return name;
}

std::string_view RepoRef::url_prefix() const {
  switch (type) {
    case RepoType::model: return "";
    case RepoType::dataset: return "datasets/";
    case RepoType::space: return "spaces/";
  }
  return "";
}

std::string RepoRef::display() const { return std::string(url_prefix()) + id; }

bool is_valid_repo_id(std::string_view id) {
  if (id.find("--") != std::string_view::npos || id.find("..") != std::string_view::npos) return false;
  if (id.ends_with(".git")) return false;
  auto parts = split(id, '/');
  if (parts.size() > 2) return false;
  for (auto part : parts) {
    if (!is_valid_part(part)) return false;
  }
  return true;
}

ParsedRepoArg parse_repo_arg(std::string_view arg, std::optional<RepoType> type_flag, bool allow_at_revision) {
  if (arg.empty()) bad_repo(arg, "it is empty");
  ParsedRepoArg result;
  std::string_view path = arg;
  std::optional<RepoType> prefix_type;
  bool from_url = false;

  if (auto p = url_path(arg)) {
    path = *p;
    from_url = true;
  } else if (allow_at_revision) {
    if (auto at = path.find('@'); at != std::string_view::npos) {
      auto rev = path.substr(at + 1);
      if (rev.empty()) bad_repo(arg, "nothing follows '@'");
      validate_revision(rev);
      result.revision = std::string(rev);
      path = path.substr(0, at);
    }
  }

  auto parts = split(path, '/');
  if (parts.size() >= 2 && (parts[0] == "datasets" || parts[0] == "spaces" || (from_url && parts[0] == "models"))) {
    prefix_type = parse_repo_type(parts[0]);
    parts.erase(parts.begin());
  }
  if (from_url) {
    // .../org/name/{tree,resolve,blob}/REV[/path]: REV is one segment (the hub shows refs/pr/1 as
    // refs%2Fpr%2F1) or a literal refs/pr/N.
    for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
      if (parts[i] != "tree" && parts[i] != "resolve" && parts[i] != "blob") continue;
      std::string rev(parts[i + 1]);
      if (rev == "refs" && i + 3 < parts.size() && parts[i + 2] == "pr") rev = "refs/pr/" + std::string(parts[i + 3]);
      for (auto pos = rev.find("%2F"); pos != std::string::npos; pos = rev.find("%2F")) rev.replace(pos, 3, "/");
      validate_revision(rev);
      result.revision = std::move(rev);
      parts.resize(i);
      break;
    }
  }
  if (parts.size() > 2) bad_repo(arg, "too many '/' (expected org/name)");
  std::string id;
  for (auto part : parts) {
    if (part.empty()) bad_repo(arg, "an empty part between '/'");
    if (!id.empty()) id += '/';
    id += part;
  }
  if (!is_valid_repo_id(id)) {
    bad_repo(arg, "names may use letters, digits, '-', '_' and '.', start and end with a letter or digit, "
                  "be at most 96 characters long, and hold no '--' or '..'");
  }
  if (prefix_type && type_flag && *prefix_type != *type_flag) {
    throw UsageError("repo '" + std::string(arg) + "' is a " + std::string(to_string(*prefix_type)) +
                     " but --type says " + std::string(to_string(*type_flag)),
                     "drop --type or the prefix");
  }
  result.repo.type = prefix_type.value_or(type_flag.value_or(RepoType::model));
  result.repo.id = std::move(id);
  return result;
}

std::optional<RepoRef> repo_from_folder_name(std::string_view folder) {
  auto sep = folder.find("--");
  if (sep == std::string_view::npos) return std::nullopt;
  RepoRef repo;
  auto type = folder.substr(0, sep);
  if (type == "models") repo.type = RepoType::model;
  else if (type == "datasets") repo.type = RepoType::dataset;
  else if (type == "spaces") repo.type = RepoType::space;
  else return std::nullopt;
  std::string id(folder.substr(sep + 2));
  for (auto pos = id.find("--"); pos != std::string::npos; pos = id.find("--", pos + 1)) id.replace(pos, 2, "/");
  if (!is_valid_repo_id(id)) return std::nullopt;
  repo.id = std::move(id);
  return repo;
}

}  // namespace hfcache::core
