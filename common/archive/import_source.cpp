#include "archive/import_source.hpp"

#include <memory>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <system_error>

#include "archive/member_path.hpp"
#include "archive/utf8_locale.hpp"
#include "core/errors.hpp"
#include "util/fs.hpp"

namespace hfcache::archive {
namespace {

namespace fs = std::filesystem;

// libarchive's read block; 64 KiB keeps syscalls few and memory flat.
constexpr std::size_t read_block_size = 64 << 10;

class LibarchiveSource final : public MemberSource {
 public:
  explicit LibarchiveSource(const fs::path& file) : owner_(archive_read_new()), a_(owner_.get()), file_(file) {
    if (!a_) throw std::bad_alloc();
    Utf8LocaleScope utf8;
    archive_read_support_filter_all(a_);
    archive_read_support_format_tar(a_);
    archive_read_support_format_zip(a_);
    // Every byte is hashed (sha256, git sha1) and checked against its name or the manifest anyway: a
    // second check by zlib's CRC-32, at a third of the disk's speed, only slowed zip imports down.
    archive_read_set_options(a_, "zip:ignorecrc32");
    if (archive_read_open_filename(a_, file.c_str(), read_block_size) != ARCHIVE_OK) damaged("cannot open it");
  }

  bool next(Member& out) override {
    Utf8LocaleScope utf8;
    ::archive_entry* entry = nullptr;
    int status = archive_read_next_header(a_, &entry);
    if (status == ARCHIVE_EOF) return false;
    if (status < ARCHIVE_WARN) damaged("cannot read the next member");
    out = Member{};
    const char* name = archive_entry_pathname_utf8(entry);
    if (!name) name = archive_entry_pathname(entry);
    if (!name) damaged("a member has no readable name");
    out.name = name;
    if (const char* hard = archive_entry_hardlink_utf8(entry) ? archive_entry_hardlink_utf8(entry)
                                                              : archive_entry_hardlink(entry)) {
      out.kind = Member::Kind::hardlink;
      out.link_target = hard;
      return true;
    }
    switch (archive_entry_filetype(entry)) {
      case AE_IFREG:
        out.kind = Member::Kind::file;
        if (archive_entry_size_is_set(entry)) out.size = static_cast<std::uint64_t>(archive_entry_size(entry));
        break;
      case AE_IFDIR:
        out.kind = Member::Kind::directory;
        break;
      case AE_IFLNK: {
        out.kind = Member::Kind::symlink;
        const char* target = archive_entry_symlink_utf8(entry);
        if (!target) target = archive_entry_symlink(entry);
        out.link_target = target ? target : "";
        break;
      }
      case AE_IFCHR: out.kind = Member::Kind::other; out.other_what = "character device"; break;
      case AE_IFBLK: out.kind = Member::Kind::other; out.other_what = "block device"; break;
      case AE_IFIFO: out.kind = Member::Kind::other; out.other_what = "fifo"; break;
      case AE_IFSOCK: out.kind = Member::Kind::other; out.other_what = "socket"; break;
      default: out.kind = Member::Kind::other; out.other_what = "special file"; break;
    }
    return true;
  }

  std::size_t read(char* buffer, std::size_t size) override {
    la_ssize_t n = archive_read_data(a_, buffer, size);
    if (n < 0) damaged("cannot read a member's data");
    return static_cast<std::size_t>(n);
  }

  std::uint64_t consumed_bytes() const override {
    auto n = archive_filter_bytes(a_, -1);
    return n < 0 ? 0 : static_cast<std::uint64_t>(n);
  }
  bool is_archive() const override { return true; }

 private:
  [[noreturn]] void damaged(const std::string& what) {
    const char* msg = archive_error_string(a_);
    refuse(file_.string() + " is damaged, truncated or not an archive: " + what + (msg ? std::string(" (") + msg + ")" : ""));
  }

  // Owns the handle, so a constructor that throws (an unreadable file) frees it too.
  struct Free {
    void operator()(struct ::archive* a) const { archive_read_free(a); }
  };
  std::unique_ptr<struct ::archive, Free> owner_;
  struct ::archive* a_;
  fs::path file_;
};

class FolderSource final : public MemberSource {
 public:
  explicit FolderSource(const fs::path& root) : root_(root) {
    // A single repo folder keeps its own name, so its members land in that repo.
    auto name = root.filename().string();
    if (name.empty()) name = root.parent_path().filename().string();
    if (core::repo_from_folder_name(name)) prefix_ = name + "/";
    it_ = fs::recursive_directory_iterator(root, fs::directory_options::none);
  }

  bool next(Member& out) override {
    fd_ = util::UniqueFd();
    if (started_) it_.increment(ec_);
    started_ = true;
    if (ec_) throw std::system_error(ec_, "read folder " + root_.string());
    if (it_ == fs::recursive_directory_iterator()) return false;
    const auto& path = it_->path();
    out = Member{};
    out.name = prefix_ + path.lexically_relative(root_).generic_string();
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) throw std::system_error(errno, std::generic_category(), "lstat " + path.string());
    if (S_ISREG(st.st_mode)) {
      out.kind = Member::Kind::file;
      out.size = static_cast<std::uint64_t>(st.st_size);
    } else if (S_ISDIR(st.st_mode)) {
      out.kind = Member::Kind::directory;
    } else if (S_ISLNK(st.st_mode)) {
      out.kind = Member::Kind::symlink;
      out.link_target = fs::read_symlink(path).string();
    } else {
      out.kind = Member::Kind::other;
      out.other_what = S_ISFIFO(st.st_mode) ? "fifo" : S_ISSOCK(st.st_mode) ? "socket" : "device file";
    }
    return true;
  }

  std::size_t read(char* buffer, std::size_t size) override {
    if (!fd_) {
      const auto& path = it_->path();
      fd_ = util::UniqueFd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd_) throw std::system_error(errno, std::generic_category(), "open " + path.string());
    }
    while (true) {
      ssize_t n = ::read(fd_.get(), buffer, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::system_error(errno, std::generic_category(), "read " + it_->path().string());
      return static_cast<std::size_t>(n);
    }
  }

  std::uint64_t consumed_bytes() const override { return 0; }
  bool is_archive() const override { return false; }

 private:
  fs::path root_;
  std::string prefix_;
  fs::recursive_directory_iterator it_;
  std::error_code ec_;
  bool started_ = false;
  util::UniqueFd fd_;
};

}  // namespace

std::unique_ptr<MemberSource> open_member_source(const fs::path& source) {
  std::error_code ec;
  auto st = fs::status(source, ec);
  if (ec || !fs::exists(st))
    throw NotFoundError("import source " + source.string() + " does not exist", "give an archive or a folder");
  if (fs::is_directory(st)) return std::make_unique<FolderSource>(source);
  if (!fs::is_regular_file(st)) refuse(source.string() + " is neither a file nor a folder");
  return std::make_unique<LibarchiveSource>(source);
}

}  // namespace hfcache::archive
