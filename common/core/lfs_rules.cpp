#include "core/lfs_rules.hpp"

#include <array>

#include "util/glob.hpp"
#include "util/hash.hpp"

namespace hfcache::core {
namespace {

// The name patterns of the hub's default .gitattributes (no '/': git matches them against the file
// name at any depth). "saved_model/**/*", the one pattern with a '/', is handled apart.
constexpr std::array<std::string_view, 34> lfs_name_patterns = {
    "*.7z",   "*.arrow", "*.bin",    "*.bz2",     "*.ckpt",   "*.ftz",  "*.gz",     "*.h5",  "*.joblib",
    "*.lfs.*", "*.mlmodel", "*.model", "*.msgpack", "*.npy",  "*.npz",  "*.onnx",   "*.ot",  "*.parquet",
    "*.pb",   "*.pickle", "*.pkl",   "*.pt",      "*.pth",    "*.rar",  "*.safetensors", "*.tar.*", "*.tar",
    "*.tflite", "*.tgz",  "*.wasm",  "*.xz",      "*.zip",    "*.zst",  "*tfevents*"};

}  // namespace

bool stored_in_lfs(std::string_view path, std::uint64_t size) {
  if (size >= lfs_size_threshold) return true;
  // "saved_model/**/*" is anchored at the repo root and matches every file below saved_model/.
  if (path.starts_with("saved_model/")) return true;
  auto slash = path.rfind('/');
  auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (auto pattern : lfs_name_patterns) {
    if (util::glob_match(pattern, name)) return true;
  }
  return false;
}

std::string lfs_pointer_blob_id(std::string_view sha256, std::uint64_t size) {
  return util::git_blob_sha1_hex("version https://git-lfs.github.com/spec/v1\noid sha256:" + std::string(sha256) +
                                 "\nsize " + std::to_string(size) + "\n");
}

}  // namespace hfcache::core
