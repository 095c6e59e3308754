#pragma once
// The only form in which hfcached keeps a client's hub token: HMAC-SHA256 under a per-daemon secret
// (state_dir/access-secret, 0600, made once). Equal tokens give equal keys, so grants can be looked
// up; the key reveals nothing of the token, and without the secret it cannot even be checked
// against a guessed token.
#include <filesystem>
#include <string>
#include <string_view>

namespace hfcache::access {

class TokenKeyer {
 public:
  explicit TokenKeyer(std::string secret) : secret_(std::move(secret)) {}
  // Read state_dir/access-secret, creating it (32 random bytes, 0600, temp + fsync + link) when absent.
  // Throws Error naming the file when it cannot be read or made, or is readable by other users.
  static TokenKeyer from_state_dir(const std::filesystem::path& state_dir);

  // 64 lowercase hex digits.
  std::string key(std::string_view token) const;

 private:
  std::string secret_;
};

}  // namespace hfcache::access
