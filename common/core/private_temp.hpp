#pragma once
// The private temp names of blob downloads, blobs/<etag>.<8hex>[-<host>-<pid>].incomplete: every
// writer (hfcache's, huggingface_hub >= 1.18's) writes a file no one else writes, so where flock
// silently does nothing (some Lustre/GPFS mounts shared by several hosts) two writers of one blob
// make a duplicate download, never one torn file. hfcache's own names carry the host and the pid,
// so a writer can tell a dead writer's file (resume from it at once) from a live one's (leave it be,
// whatever the lock says): docs/fleet-replicas.md.
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace hfcache::core {

// Another host's private file is taken for abandoned once it has not changed for this long (a live
// writer writes every second; a stalled one gives up well before).
inline constexpr std::chrono::minutes abandoned_private_temp_age{10};

// A fresh private name for a writer of `etag` in this process (the file name only), noted as being
// written until release_private_temp.
std::string private_temp_name(std::string_view etag);
// Note an adopted private file as being written by this process / no longer written.
void claim_private_temp(const std::filesystem::path& path);
void release_private_temp(const std::filesystem::path& path);

// True if the part between "<etag>." and ".incomplete" is a private writer's: 8 hex digits,
// optionally followed by "-<host>-<pid>".
bool is_private_temp_infix(std::string_view infix);

// May a writer holding the blob's lock take over (truncate, rename, delete) this private file of
// `etag`? Yes for names without an owner (their writers hold the same lock), for this host's dead
// processes, and for other hosts' files untouched for abandoned_private_temp_age; never for a file
// this process writes now or of a live process of this host.
bool private_temp_abandoned(const std::filesystem::path& path, std::string_view etag);

}  // namespace hfcache::core
