#pragma once
// Hashing a source file and copying it into the blob store, verified: what every import of a local
// folder (a save_pretrained folder, a git clone) does with each file.
#include <cstdint>
#include <string>

#include "core/cache_layout.hpp"
#include "util/hash.hpp"

namespace hfcache::local_model {

// The hex digest of the first `size` bytes of `fd`: sha256 of the content, or with `git_blob` the
// git blob sha1 ("blob <size>\0" + content). Throws IntegrityError naming `name` when the file is
// shorter or changes size meanwhile.
std::string hash_fd(int fd, const std::string& name, std::uint64_t size, bool git_blob);

// Copy `size` bytes of `fd` into blobs/<etag> through a verified BlobWriter, under the blob's lock.
// False when the blob was in place already. Throws IntegrityError naming `name` when the bytes do
// not match `etag` (the file changed since it was hashed).
bool store_fd_as_blob(const core::CacheLayout& layout, const core::RepoRef& repo, int fd, const std::string& name,
                      const std::string& etag, std::uint64_t size);

// The size of the open file.
std::uint64_t fd_size(int fd, const std::string& name);

}  // namespace hfcache::local_model
