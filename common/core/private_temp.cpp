#include "core/private_temp.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <mutex>
#include <optional>
#include <set>

#include "util/fs.hpp"

namespace hfcache::core {
namespace {

constexpr std::string_view incomplete_suffix = ".incomplete";
constexpr std::size_t max_host_length = 32;

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The host name as it may appear in a file name: letters, digits and '_' (dots and dashes become '_').
const std::string& this_host() {
  static const std::string host = [] {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return std::string("host");
    std::string out;
    for (const char* p = buf; *p && out.size() < max_host_length; ++p) {
      char c = *p;
      bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      out += plain ? c : '_';
    }
    return out.empty() ? std::string("host") : out;
  }();
  return host;
}

struct Owner {
  std::string_view host;
  long pid = 0;
};

// "-<host>-<pid>" after the 8 hex digits, if any.
std::optional<Owner> owner_of(std::string_view infix) {
  if (infix.size() <= 8 || infix[8] != '-') return std::nullopt;
  auto tag = infix.substr(9);
  auto dash = tag.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  auto pid_text = tag.substr(dash + 1);
  if (pid_text.empty() || pid_text.size() > 10 ||
      !std::all_of(pid_text.begin(), pid_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return Owner{tag.substr(0, dash), std::stol(std::string(pid_text))};
}

bool valid_host(std::string_view host) {
  return !host.empty() && host.size() <= max_host_length &&
         std::all_of(host.begin(), host.end(), [](char c) {
           return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
         });
}

// The private files this process writes now (file names): a file of this pid not listed is a
// leftover of an earlier writer of this process (a failed pull keeps its journaled file).
struct LiveFiles {
  std::mutex mutex;
  std::set<std::string> names;
};
LiveFiles& live_files() {
  static LiveFiles live;
  return live;
}

}  // namespace

std::string private_temp_name(std::string_view etag) {
  auto name = std::string(etag) + "." + util::random_hex(8) + "-" + this_host() + "-" + std::to_string(::getpid()) +
              std::string(incomplete_suffix);
  std::lock_guard lock(live_files().mutex);
  live_files().names.insert(name);
  return name;
}

void claim_private_temp(const std::filesystem::path& path) {
  std::lock_guard lock(live_files().mutex);
  live_files().names.insert(path.filename().string());
}

void release_private_temp(const std::filesystem::path& path) {
  std::lock_guard lock(live_files().mutex);
  live_files().names.erase(path.filename().string());
}

bool is_private_temp_infix(std::string_view infix) {
  if (infix.size() < 8 || !is_hex(infix.substr(0, 8))) return false;
  if (infix.size() == 8) return true;
  auto owner = owner_of(infix);
  return owner && valid_host(owner->host);
}

bool private_temp_abandoned(const std::filesystem::path& path, std::string_view etag) {
  auto name = path.filename().string();
  std::string_view view(name);
  if (!view.starts_with(std::string(etag) + ".") || !view.ends_with(incomplete_suffix)) return false;
  auto infix = view.substr(etag.size() + 1, view.size() - etag.size() - 1 - incomplete_suffix.size());
  auto owner = owner_of(infix);
  if (!owner) return true;  // huggingface_hub's or an older hfcache's: they hold the blob's lock while writing
  if (owner->host == this_host()) {
    if (owner->pid == ::getpid()) {  // written now by another writer of this very process?
      std::lock_guard lock(live_files().mutex);
      return live_files().names.count(name) == 0;
    }
    return ::kill(static_cast<pid_t>(owner->pid), 0) != 0 && errno == ESRCH;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  auto age = std::time(nullptr) - st.st_mtime;
  return age > std::chrono::duration_cast<std::chrono::seconds>(abandoned_private_temp_age).count();
}

}  // namespace hfcache::core
