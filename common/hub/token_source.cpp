#include "hub/token_source.hpp"

#include <cstdlib>
#include <fstream>

namespace hfcache::hub {
namespace {

// A token file is a few hundred bytes; anything bigger is not a token file.
constexpr std::streamsize max_token_file = 64 * 1024;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string{};
}

std::string read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::string content(static_cast<std::size_t>(max_token_file), '\0');
  in.read(content.data(), max_token_file);
  content.resize(static_cast<std::size_t>(in.gcount()));
  return content;
}

}  // namespace

std::string clean_token(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    if (c != '\r' && c != '\n') out += c;
  }
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; };
  std::size_t first = 0;
  while (first < out.size() && blank(out[first])) ++first;
  std::size_t last = out.size();
  while (last > first && blank(out[last - 1])) --last;
  return out.substr(first, last - first);
}

std::string token_file_path() {
  if (auto path = env("HF_TOKEN_PATH"); !path.empty()) return path;
  if (auto home = env("HF_HOME"); !home.empty()) return home + "/token";
  if (auto xdg = env("XDG_CACHE_HOME"); !xdg.empty()) return xdg + "/huggingface/token";
  return env("HOME") + "/.cache/huggingface/token";
}

std::optional<std::string> load_token(const std::optional<std::string>& explicit_token) {
  if (explicit_token) {
    if (auto token = clean_token(*explicit_token); !token.empty()) return token;
  }
  for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
    if (auto token = clean_token(env(name)); !token.empty()) return token;
  }
  if (auto token = clean_token(read_small_file(token_file_path())); !token.empty()) return token;
  return std::nullopt;
}

}  // namespace hfcache::hub
