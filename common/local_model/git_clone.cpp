// Reading a clone of a hub repo with libgit2 (never by parsing .git/ by hand).
#include "local_model/git_clone.hpp"

#include <git2.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <system_error>

#include "core/errors.hpp"
#include "core/repo_id.hpp"

namespace hfcache::local_model {
namespace {

namespace fs = std::filesystem;

// libgit2 wants one init per process before any call; its shutdown is left to process exit. Owner
// validation (git's safe.directory) is off: hfcache only reads objects and refs and runs no hook,
// filter or fsmonitor of the clone, and a clone copied from another user is the usual offline case.
void ensure_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
  });
}

std::string last_git_error() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

template <typename T, void (*Free)(T*)>
struct GitPtr {
  T* p = nullptr;
  ~GitPtr() {
    if (p) Free(p);
  }
};
using RefPtr = GitPtr<git_reference, git_reference_free>;
using ObjPtr = GitPtr<git_object, git_object_free>;
using CommitPtr = GitPtr<git_commit, git_commit_free>;
using TreePtr = GitPtr<git_tree, git_tree_free>;
using BlobPtr = GitPtr<git_blob, git_blob_free>;

std::string oid_hex(const git_oid* oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, oid);
  return buf;
}

bool is_hub_host(std::string_view host, const std::vector<std::string>& hub_hosts) {
  std::string lower(host);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (auto known : {"huggingface.co", "www.huggingface.co", "hf.co"})
    if (lower == known) return true;
  return std::find(hub_hosts.begin(), hub_hosts.end(), lower) != hub_hosts.end();
}

}  // namespace

std::string redact_url(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto authority_start = scheme + 3;
  auto authority_end = url.find('/', authority_start);
  auto at = url.rfind('@', authority_end == std::string_view::npos ? url.size() : authority_end);
  if (at == std::string_view::npos || at < authority_start) return std::string(url);
  return std::string(url.substr(0, authority_start)) + std::string(url.substr(at + 1));
}

std::optional<HubRemote> parse_hub_remote(std::string_view url, const std::vector<std::string>& hub_hosts) {
  std::string scheme, host, path;
  if (auto sep = url.find("://"); sep != std::string_view::npos) {
    scheme = std::string(url.substr(0, sep));
    auto rest = url.substr(sep + 3);
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto authority = rest.substr(0, slash);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
    host = std::string(authority);
    path = std::string(rest.substr(slash + 1));
  } else if (auto colon = url.find(':'); colon != std::string_view::npos && url.find('/') > colon) {
    // scp-like ssh: git@hf.co:org/name
    scheme = "ssh";
    auto authority = url.substr(0, colon);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
    host = std::string(authority);
    path = std::string(url.substr(colon + 1));
  } else {
    return std::nullopt;
  }
  if (scheme != "https" && scheme != "http" && scheme != "ssh") return std::nullopt;
  auto host_only = scheme == "ssh" ? host.substr(0, host.find(':')) : host;
  if (!is_hub_host(host_only, hub_hosts) && !is_hub_host(host, hub_hosts)) return std::nullopt;
  while (path.ends_with('/')) path.pop_back();
  if (path.ends_with(".git")) path.resize(path.size() - 4);
  core::RepoRef repo;
  for (auto [prefix, type] : {std::pair{"datasets/", core::RepoType::dataset}, std::pair{"spaces/", core::RepoType::space},
                              std::pair{"models/", core::RepoType::model}}) {
    if (path.starts_with(prefix)) {
      repo.type = type;
      path = path.substr(std::string_view(prefix).size());
      break;
    }
  }
  if (!core::is_valid_repo_id(path)) return std::nullopt;
  repo.id = path;
  // The endpoint to fetch LFS files from: ssh remotes name the hub, which serves https.
  std::string endpoint = scheme == "ssh" ? "https://" + (host_only == "hf.co" ? std::string("huggingface.co") : host_only)
                                         : scheme + "://" + host;
  return HubRemote{endpoint, repo};
}

bool is_git_clone(const fs::path& folder) {
  std::error_code ec;
  return fs::exists(folder / ".git", ec);
}

struct GitRepository::Impl {
  git_repository* repo = nullptr;
  ~Impl() {
    if (repo) git_repository_free(repo);
  }
};

GitRepository::GitRepository(const fs::path& folder) : impl_(new Impl), folder_(folder) {
  ensure_libgit2();
  if (git_repository_open_ext(&impl_->repo, folder.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
    auto why = last_git_error();
    delete impl_;
    throw UsageError("'" + folder.string() + "' has a .git but cannot be read as a git repository: " + why,
                     "check the clone with `git status` in that folder");
  }
}

GitRepository::~GitRepository() { delete impl_; }

GitClone GitRepository::read() const {
  auto* repo = impl_->repo;
  auto where = "'" + folder_.string() + "'";
  GitClone clone;
  clone.folder = folder_;
  clone.shallow = git_repository_is_shallow(repo) == 1;

  RefPtr head;
  if (int rc = git_repository_head(&head.p, repo); rc != 0)
    throw UsageError("the git clone " + where + " has no commit checked out (" + last_git_error() + ")",
                     "clone the repo again, or import the folder as it is: --as ORG/NAME --no-git");
  ObjPtr head_commit;
  if (git_reference_peel(&head_commit.p, head.p, GIT_OBJECT_COMMIT) != 0)
    throw UsageError("HEAD of the git clone " + where + " names no commit: " + last_git_error());
  clone.commit = oid_hex(git_object_id(head_commit.p));
  if (!git_repository_head_detached(repo) && git_reference_is_branch(head.p))
    clone.branch = git_reference_shorthand(head.p);

  // The remote: origin, else the only one. Read from the configuration, not with git_remote_lookup,
  // which leaks in libgit2 1.5 (pcre2 match data of its config regexes; found with valgrind).
  git_config* config = nullptr;
  if (git_repository_config_snapshot(&config, repo) == 0) {
    git_buf url = GIT_BUF_INIT;
    if (git_config_get_string_buf(&url, config, "remote.origin.url") == 0) {
      clone.remote_url = url.ptr;
    } else {
      std::vector<std::string> urls;
      git_config_iterator* it = nullptr;
      if (git_config_iterator_new(&it, config) == 0) {
        git_config_entry* entry = nullptr;
        while (git_config_next(&entry, it) == 0) {
          std::string_view name = entry->name;
          if (name.starts_with("remote.") && name.ends_with(".url") && entry->value) urls.emplace_back(entry->value);
        }
        git_config_iterator_free(it);
      }
      if (urls.size() == 1) clone.remote_url = urls.front();
    }
    git_buf_dispose(&url);
    git_config_free(config);
  }

  // Refs at the commit: local branches, origin's branches, tags (peeled). HEAD's branch first.
  std::vector<std::string> refs;
  if (clone.branch) refs.push_back(*clone.branch);
  git_reference_iterator* it = nullptr;
  if (git_reference_iterator_new(&it, repo) == 0) {
    git_reference* ref = nullptr;
    while (git_reference_next(&ref, it) == 0) {
      std::string name = git_reference_name(ref);
      std::optional<std::string> revision;
      std::string remote_prefix = "refs/remotes/origin/";
      if (name.starts_with("refs/heads/")) revision = name.substr(11);
      else if (name.starts_with("refs/tags/")) revision = name.substr(10);
      else if (name.starts_with(remote_prefix) && name != remote_prefix + "HEAD") revision = name.substr(remote_prefix.size());
      git_object* target = nullptr;
      if (revision && git_reference_peel(&target, ref, GIT_OBJECT_COMMIT) == 0) {
        if (oid_hex(git_object_id(target)) == clone.commit && std::find(refs.begin(), refs.end(), *revision) == refs.end())
          refs.push_back(*revision);
        git_object_free(target);
      }
      git_reference_free(ref);
    }
    git_reference_iterator_free(it);
  }
  std::sort(refs.begin() + (clone.branch ? 1 : 0), refs.end());
  clone.refs_at_commit = std::move(refs);

  // The tree, recursively.
  TreePtr tree;
  if (git_commit_tree(&tree.p, reinterpret_cast<git_commit*>(head_commit.p)) != 0)
    throw UsageError("the tree of commit " + clone.commit + " is not in the clone " + where + ": " + last_git_error());
  struct Walk {
    git_repository* repo;
    GitClone* clone;
    std::string refused;
  } walk{repo, &clone, {}};
  auto callback = [](const char* root, const git_tree_entry* entry, void* payload) -> int {
    auto& w = *static_cast<Walk*>(payload);
    auto mode = git_tree_entry_filemode(entry);
    std::string path = std::string(root) + git_tree_entry_name(entry);
    if (mode == GIT_FILEMODE_TREE) return 0;
    if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
      w.refused = path + (mode == GIT_FILEMODE_LINK ? " is a symbolic link" : " is a submodule");
      return -1;
    }
    BlobPtr blob;
    if (git_blob_lookup(&blob.p, w.repo, git_tree_entry_id(entry)) != 0) {
      w.refused = path + ": its blob is not in the clone (" + last_git_error() + ")";
      return -1;
    }
    GitCloneFile file{path, static_cast<std::uint64_t>(git_blob_rawsize(blob.p)), oid_hex(git_tree_entry_id(entry)), {}};
    if (file.size <= core::lfs_pointer_max_size)
      file.lfs = core::parse_lfs_pointer(
          std::string_view(static_cast<const char*>(git_blob_rawcontent(blob.p)), static_cast<std::size_t>(file.size)));
    w.clone->files.push_back(std::move(file));
    return 0;
  };
  if (git_tree_walk(tree.p, GIT_TREEWALK_PRE, callback, &walk) != 0) {
    if (!walk.refused.empty())
      throw UsageError("the git clone " + where + " cannot be imported as a hub repo: " + walk.refused,
                       "hub repos hold regular files only; import a copy without it with --as ORG/NAME --no-git");
    throw UsageError("cannot read the tree of the git clone " + where + ": " + last_git_error());
  }
  for (const auto& f : clone.files) core::validate_repo_path(f.path);
  std::sort(clone.files.begin(), clone.files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return clone;
}

std::string GitRepository::blob(std::string_view blob_id) const {
  git_oid oid;
  std::string hex(blob_id);
  BlobPtr blob;
  if (git_oid_fromstr(&oid, hex.c_str()) != 0 || git_blob_lookup(&blob.p, impl_->repo, &oid) != 0)
    throw UsageError("blob " + hex + " is not in the git clone '" + folder_.string() + "': " + last_git_error());
  return std::string(static_cast<const char*>(git_blob_rawcontent(blob.p)), static_cast<std::size_t>(git_blob_rawsize(blob.p)));
}

bool GitRepository::ignored(const std::string& path) const {
  // Not git_status_list: it hashes every tracked file whose stat data changed (after git lfs
  // checkout: all the weights) only to say what is untracked.
  int ignored = 0;
  return git_ignore_path_is_ignored(&ignored, impl_->repo, path.c_str()) == 0 && ignored == 1;
}

}  // namespace hfcache::local_model
