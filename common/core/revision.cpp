#include "core/revision.hpp"

#include "core/errors.hpp"

namespace hfcache::core {
namespace {

// Longest revision we accept; git allows more, but no hub branch or tag comes near it and the
// name becomes a path below refs/.
constexpr std::size_t max_revision_length = 255;

bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

[[noreturn]] void bad_revision(std::string_view rev, std::string_view why) {
  std::string shown;
  for (unsigned char c : rev) shown += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  throw UsageError("invalid revision '" + shown + "': " + std::string(why),
                   "use a branch or tag name, a 40-character commit id or refs/pr/N");
}

}  // namespace

bool is_commit_hash(std::string_view text) { return text.size() == 40 && is_lower_hex(text); }

bool is_etag(std::string_view text) { return (text.size() == 40 || text.size() == 64) && is_lower_hex(text); }

void validate_revision(std::string_view rev) {
  if (rev.empty()) bad_revision(rev, "it is empty");
  if (rev.size() > max_revision_length) bad_revision(rev, "it is longer than 255 characters");
  for (unsigned char c : rev) {
    if (c < 0x20 || c == 0x7f) bad_revision(rev, "it holds a control character");
    if (c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' || c == '[' || c == '\\')
      bad_revision(rev, "git ref names cannot hold spaces or any of ~^:?*[\\");
  }
  if (rev.front() == '/' || rev.back() == '/' || rev.front() == '-')
    bad_revision(rev, "it cannot start with '/' or '-' or end with '/'");
  if (rev.find("..") != std::string_view::npos || rev.find("//") != std::string_view::npos ||
      rev.find("@{") != std::string_view::npos)
    bad_revision(rev, "it cannot hold '..', '//' or '@{'");
  // Each component must be a usable file name below refs/.
  std::size_t start = 0;
  while (start <= rev.size()) {
    auto end = rev.find('/', start);
    auto part = rev.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (part == "." || part.starts_with('.') || part.ends_with(".lock"))
      bad_revision(rev, "a part cannot start with '.' or end with '.lock'");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (rev == "@") bad_revision(rev, "'@' alone is not a ref name");
  if (rev.starts_with("refs/pr/")) {
    auto n = rev.substr(8);
    if (n.empty() || n.size() > 9) bad_revision(rev, "expected refs/pr/<number>");
    for (char c : n) {
      if (c < '0' || c > '9') bad_revision(rev, "expected refs/pr/<number>");
    }
  }
}

}  // namespace hfcache::core
