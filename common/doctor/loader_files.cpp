#include "doctor/loader_files.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "core/cache_layout.hpp"
#include "core/errors.hpp"

namespace hfcache::doctor {

const std::vector<std::string_view>& weight_candidates() {
  static const std::vector<std::string_view> names = {"model.safetensors", "model.safetensors.index.json",
                                                      "pytorch_model.bin", "pytorch_model.bin.index.json"};
  return names;
}

bool is_weight_index(std::string_view path) { return path.ends_with(".index.json"); }

bool is_tokenizer_file(std::string_view path) {
  static constexpr std::array<std::string_view, 14> names = {
      "tokenizer.json",     "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
      "vocab.txt",          "vocab.json",            "merges.txt",              "spiece.model",
      "tokenizer.model",    "sentencepiece.bpe.model", "sentencepiece.model",   "chat_template.jinja",
      "chat_template.json", "bpe.codes"};
  return std::find(names.begin(), names.end(), path) != names.end();
}

bool is_tokenizer_settings_file(std::string_view path) {
  return path == "tokenizer_config.json" || path == "special_tokens_map.json" || path == "added_tokens.json" ||
         path == "chat_template.json";
}

bool is_slow_vocabulary_file(std::string_view path) {
  return is_tokenizer_file(path) && !is_tokenizer_settings_file(path) && path != fast_tokenizer_file &&
         path != "chat_template.jinja";
}

std::optional<std::vector<std::string>> shards_of_index(std::string_view index_json) {
  try {
    auto doc = nlohmann::json::parse(index_json);
    if (!doc.is_object() || !doc.contains("weight_map") || !doc["weight_map"].is_object()) return std::nullopt;
    std::vector<std::string> shards;
    for (const auto& [_, file] : doc["weight_map"].items()) {
      if (!file.is_string()) return std::nullopt;
      auto name = file.get<std::string>();
      core::validate_repo_path(name);
      shards.push_back(std::move(name));
    }
    std::sort(shards.begin(), shards.end());
    shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
    return shards;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  } catch (const UsageError&) {
    return std::nullopt;
  }
}

}  // namespace hfcache::doctor
