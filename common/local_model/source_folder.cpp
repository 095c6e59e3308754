#include "local_model/source_folder.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "core/cache_layout.hpp"
#include "core/errors.hpp"
#include "util/utf8.hpp"

namespace hfcache::local_model {
namespace {

namespace fs = std::filesystem;

const std::string hostile_hint = "import a folder that holds only regular files (copy what the links point at into it)";

// Folders that are no part of a model: git metadata, huggingface_hub's local_dir metadata, Python caches.
bool skipped_folder(std::string_view rel) {
  auto slash = rel.rfind('/');
  auto name = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  return name == ".git" || name == "__pycache__" || rel == ".cache/huggingface" || rel.ends_with("/.cache/huggingface");
}

bool skipped_file(std::string_view name) { return name == ".DS_Store"; }

// True if `child` is `parent` or below it (both canonical).
bool is_within(const fs::path& child, const fs::path& parent) {
  auto rel = child.lexically_relative(parent);
  return !rel.empty() && *rel.begin() != "..";
}

std::string shown(const fs::path& p) { return "'" + p.string() + "'"; }

}  // namespace

SourceFolder::SourceFolder(const fs::path& root, const fs::path& cache_root) {
  std::error_code ec;
  auto status = fs::status(root, ec);
  if (!fs::exists(status))
    throw UsageError("the folder to import " + shown(root) + " does not exist", "give the folder save_pretrained wrote");
  if (!fs::is_directory(status))
    throw UsageError(shown(root) + " is not a folder", "give the folder that holds config.json and the weights");
  root_ = fs::canonical(root);
  auto cache = fs::weakly_canonical(cache_root);
  if (is_within(cache, root_)) {
    // Allowed only below a folder the listing skips (such as .cache/huggingface/hub).
    bool skipped = false;
    fs::path prefix;
    for (const auto& part : cache.lexically_relative(root_)) {
      prefix /= part;
      if (skipped_folder(prefix.generic_string())) skipped = true;
    }
    if (!skipped)
      throw UsageError("the cache " + shown(cache) + " is inside the folder to import " + shown(root_),
                       "use a cache folder outside it (--cache-dir or HF_HUB_CACHE)");
  }
  root_fd_ = util::UniqueFd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd_) throw std::system_error(errno, std::generic_category(), "open " + root_.string());
}

std::vector<SourceFile> SourceFolder::list() const {
  std::vector<SourceFile> files;
  for (auto it = fs::recursive_directory_iterator(root_); it != fs::recursive_directory_iterator(); ++it) {
    const auto& entry = *it;
    auto rel = entry.path().lexically_relative(root_).generic_string();
    auto name = entry.path().filename().string();
    auto st = entry.symlink_status();
    if (fs::is_directory(st)) {
      if (skipped_folder(rel)) it.disable_recursion_pending();
      continue;
    }
    if (fs::is_symlink(st)) {
      std::error_code ec;
      auto target = fs::canonical(entry.path(), ec);
      if (ec)
        throw UsageError("the folder to import holds a broken link " + shown(entry.path()), hostile_hint);
      if (!is_within(target, root_))
        throw UsageError(shown(entry.path()) + " links to " + shown(target) + ", outside the folder to import; refused",
                         hostile_hint);
      auto target_status = fs::status(target, ec);
      if (fs::is_directory(target_status))
        throw UsageError(shown(entry.path()) + " links to a folder; refused (it could repeat files or loop)", hostile_hint);
      if (!fs::is_regular_file(target_status))
        throw UsageError(shown(entry.path()) + " links to something that is not a regular file; refused", hostile_hint);
    } else if (!fs::is_regular_file(st)) {
      throw UsageError(shown(entry.path()) + " is a device, FIFO or socket, not a regular file; refused", hostile_hint);
    }
    if (skipped_file(name)) continue;
    if (!util::is_valid_utf8(rel))  // the hub keeps paths as UTF-8
      throw UsageError("the file name " + shown(entry.path()) + " is not UTF-8", "rename it: the hub keeps names as UTF-8");
    core::validate_repo_path(rel);
    files.push_back({rel});
  }
  std::sort(files.begin(), files.end(), [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
  return files;
}

util::UniqueFd SourceFolder::open(const std::string& path) const {
  constexpr int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  // openat2 RESOLVE_BENEATH: links inside the folder are followed, any that leaves it fails (EXDEV).
  open_how how{};
  how.flags = flags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, root_fd_.get(), path.c_str(), &how, sizeof how);
  if (fd < 0 && (errno == ENOSYS || errno == EPERM || errno == EXDEV)) {
    // No openat2 (kernels before 5.6, some seccomp filters), or an absolute link, which
    // RESOLVE_BENEATH refuses even when it points inside: resolve by hand, then open the target
    // refusing a last component that is a link.
    auto target = fs::weakly_canonical(root_ / path);
    if (!is_within(target, root_)) errno = EXDEV;
    else fd = ::open(target.c_str(), flags | O_NOFOLLOW);
  }
  if (fd < 0 && errno == EXDEV)
    throw UsageError(shown(root_ / path) + " now resolves outside the folder to import; refused", hostile_hint);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + (root_ / path).string());
  util::UniqueFd file(static_cast<int>(fd));
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) throw std::system_error(errno, std::generic_category(), "stat " + path);
  if (!S_ISREG(st.st_mode))
    throw UsageError(shown(root_ / path) + " is no longer a regular file; refused", hostile_hint);
  return file;
}

}  // namespace hfcache::local_model
