#pragma once
// Reading a git clone of a hub repo (`git clone https://huggingface.co/hfl/rbt3`) with libgit2: the
// remote that names the repo, the commit HEAD is at, the branch, the refs that point at that commit,
// and the commit's files as the hub lists them (git blob sha1, and for LFS files the pointer's
// sha256 and size). Nothing here writes.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cache_layout.hpp"
#include "core/lfs_pointer.hpp"

namespace hfcache::local_model {

// A remote URL that names a hub repo: where the hub is, and which repo.
struct HubRemote {
  std::string endpoint;  // scheme://host[:port], no credentials
  core::RepoRef repo;
};

// The hub repo a clone's remote URL names: https://huggingface.co/ORG/NAME, .../datasets/ORG/NAME,
// .../spaces/ORG/NAME (also with ".git", a trailing "/", credentials, hf.co), git@hf.co:ORG/NAME
// and ssh://git@hf.co/ORG/NAME. `hub_hosts` are further host[:port]s that are a hub (the configured
// endpoint). nullopt for any other URL (a GitHub remote, a path).
std::optional<HubRemote> parse_hub_remote(std::string_view url, const std::vector<std::string>& hub_hosts);

// The URL without user name or password, for messages (a clone URL may carry a token).
std::string redact_url(std::string_view url);

struct GitCloneFile {
  std::string path;     // in repo, '/'-separated
  std::uint64_t size;   // of the git blob (the pointer's size for an LFS file)
  std::string blob_id;  // git blob sha1, as the hub lists it ("oid")
  std::optional<core::LfsPointer> lfs;  // the blob is an LFS pointer
};

struct GitClone {
  std::filesystem::path folder;
  std::string remote_url;             // origin's (or the only remote's), redacted; "" when none
  std::string commit;                 // HEAD
  std::optional<std::string> branch;  // HEAD's branch; nullopt when detached (a clone on a tag)
  std::vector<std::string> refs_at_commit;  // branches (local and origin's) and tags at `commit`, HEAD's first
  bool shallow = false;
  std::vector<GitCloneFile> files;    // the commit's tree, sorted by path
};

// True when `folder` is the top of a git work tree (it holds .git, a folder or a gitdir file).
bool is_git_clone(const std::filesystem::path& folder);

// An open clone (libgit2 behind a pointer, so this header stays light).
class GitRepository {
 public:
  // Throws UsageError when `folder` is no repository top or has no commit.
  explicit GitRepository(const std::filesystem::path& folder);
  ~GitRepository();
  GitRepository(const GitRepository&) = delete;
  GitRepository& operator=(const GitRepository&) = delete;

  // HEAD, its branch, the refs at its commit and its tree. Throws UsageError naming the entry when
  // the tree holds what a hub repo cannot (symlinks, submodules).
  GitClone read() const;
  // The raw bytes of a blob of the object database.
  std::string blob(std::string_view blob_id) const;
  // True when the clone's ignore rules (.gitignore, .git/info/exclude) ignore `path`.
  bool ignored(const std::string& path) const;

 private:
  struct Impl;
  Impl* impl_;
  std::filesystem::path folder_;
};

}  // namespace hfcache::local_model
