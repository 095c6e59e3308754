#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "hub/token_source.hpp"

using namespace hfcache::hub;
namespace fs = std::filesystem;

namespace {

// Sets variables for one test and restores the previous environment afterwards.
class EnvGuard {
 public:
  EnvGuard() {
    for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HOME", "XDG_CACHE_HOME", "HOME"}) {
      const char* value = std::getenv(name);
      saved_[name] = value ? std::optional<std::string>(value) : std::nullopt;
      unsetenv(name);
    }
  }
  ~EnvGuard() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;
  void set(const char* name, const std::string& value) { setenv(name, value.c_str(), 1); }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "hfcache-token-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  void write(const fs::path& relative, const std::string& content) const {
    fs::create_directories((path / relative).parent_path());
    std::ofstream(path / relative, std::ios::binary) << content;
  }
};

}  // namespace

TEST_SUITE("hub_token_source") {
  TEST_CASE("clean_token") {
    CHECK(clean_token("  hf_abc\r\n") == "hf_abc");
    CHECK(clean_token("hf_a\nbc") == "hf_abc");
    CHECK(clean_token("\t \n") == "");
  }

  TEST_CASE("order: explicit, HF_TOKEN, HUGGING_FACE_HUB_TOKEN, HF_TOKEN_PATH, HF_HOME, XDG, HOME") {
    EnvGuard env;
    TempDir dir;
    env.set("HOME", (dir.path / "home").string());
    CHECK_FALSE(load_token());

    dir.write("home/.cache/huggingface/token", "hf_home\n");
    CHECK(load_token() == "hf_home");

    dir.write("xdg/huggingface/token", "hf_xdg");
    env.set("XDG_CACHE_HOME", (dir.path / "xdg").string());
    CHECK(load_token() == "hf_xdg");

    dir.write("hfhome/token", " hf_hfhome \n");
    env.set("HF_HOME", (dir.path / "hfhome").string());
    CHECK(load_token() == "hf_hfhome");
    CHECK(token_file_path() == (dir.path / "hfhome" / "token").string());

    dir.write("custom", "hf_custom\r\n");
    env.set("HF_TOKEN_PATH", (dir.path / "custom").string());
    CHECK(load_token() == "hf_custom");

    env.set("HUGGING_FACE_HUB_TOKEN", "hf_legacy");
    CHECK(load_token() == "hf_legacy");

    env.set("HF_TOKEN", "hf_env\n");
    CHECK(load_token() == "hf_env");

    CHECK(load_token(std::string("hf_flag")) == "hf_flag");
  }

  TEST_CASE("empty values fall through") {
    EnvGuard env;
    TempDir dir;
    env.set("HOME", dir.path.string());
    env.set("HF_TOKEN", "  \n");
    env.set("HUGGING_FACE_HUB_TOKEN", "hf_legacy");
    CHECK(load_token(std::string("")) == "hf_legacy");
    env.set("HUGGING_FACE_HUB_TOKEN", "");
    env.set("HF_TOKEN_PATH", (dir.path / "missing").string());
    CHECK_FALSE(load_token());
    dir.write("empty", "\n");
    env.set("HF_TOKEN_PATH", (dir.path / "empty").string());
    CHECK_FALSE(load_token());
  }
}
