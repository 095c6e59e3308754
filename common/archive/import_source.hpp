#pragma once
// What an import reads from: an archive (tar in any compression libarchive knows, zip) or a folder
// (a copied hub folder, or one repo folder). Both are seen as a sequence of members with raw names;
// nothing here decides whether a name is safe (member_path does) or writes anything.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace hfcache::archive {

struct Member {
  enum class Kind { file, directory, symlink, hardlink, other };
  std::string name;  // as stored ('\' possible); for a folder, relative to its parent
  Kind kind = Kind::file;
  std::optional<std::uint64_t> size;  // announced, for files
  std::string link_target;            // symlink text or hardlink target name
  std::string other_what;             // "device", "fifo", ... for Kind::other
};

class MemberSource {
 public:
  virtual ~MemberSource() = default;
  // The next member; false at the end. Refuses (UsageError) a damaged or truncated archive.
  virtual bool next(Member& out) = 0;
  // Bytes of the current file member; 0 at its end.
  virtual std::size_t read(char* buffer, std::size_t size) = 0;
  // Bytes consumed from the source so far (compressed), for the expansion-ratio check.
  virtual std::uint64_t consumed_bytes() const = 0;
  // False for folders: nothing is decompressed, no ratio to watch.
  virtual bool is_archive() const = 0;
};

// Open `source`: a folder, or a file libarchive can read. Throws NotFoundError when it does not
// exist, UsageError for a file that is no archive.
std::unique_ptr<MemberSource> open_member_source(const std::filesystem::path& source);

}  // namespace hfcache::archive
