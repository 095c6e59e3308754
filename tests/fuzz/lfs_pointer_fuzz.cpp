// libFuzzer target for the Git LFS pointer parser (core/lfs_pointer). Every input must return with no
// crash or undefined behaviour (ASan and UBSan watch), and an accepted pointer must be sound: a
// 64-char lowercase hex oid, the input no bigger than a pointer, and it starts with a version line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/lfs_pointer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto pointer = hfcache::core::parse_lfs_pointer(text);
  if (!pointer) return 0;
  if (size > hfcache::core::lfs_pointer_max_size || pointer->sha256.size() != 64 || !text.starts_with("version "))
    std::abort();
  for (char c : pointer->sha256)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) std::abort();
  return 0;
}
