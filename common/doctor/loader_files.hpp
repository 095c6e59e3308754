#pragma once
// The files transformers' offline loaders open, by name (transformers 4.46 and 5.x):
// from_pretrained reads config.json, then the first weights file it finds in its order of preference
// (and, for a sharded index, every shard the index names); AutoTokenizer reads the tokenizer files the
// repo has. Pure functions.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hfcache::doctor {

inline constexpr std::string_view config_file = "config.json";

// model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json:
// the order transformers tries them in (modeling_utils _get_resolved_checkpoint_files).
const std::vector<std::string_view>& weight_candidates();
bool is_weight_index(std::string_view path);

// Top-level tokenizer files (tokenizer.json, tokenizer_config.json, vocab.*, merges.txt,
// special_tokens_map.json, added_tokens.json, sentencepiece models, chat templates).
bool is_tokenizer_file(std::string_view path);

// Tokenizer settings transformers always parses when present (tokenizer_config.json,
// special_tokens_map.json, added_tokens.json, chat_template.json): a damaged one stops AutoTokenizer,
// a missing one does not.
bool is_tokenizer_settings_file(std::string_view path);

// The vocabulary files of a slow tokenizer (vocab.txt, vocab.json, merges.txt, sentencepiece models):
// AutoTokenizer rebuilds a tokenizer from them when tokenizer.json is missing, and ignores them otherwise.
bool is_slow_vocabulary_file(std::string_view path);

inline constexpr std::string_view fast_tokenizer_file = "tokenizer.json";

// The shard files a *.index.json names in its weight_map (sorted, unique); nullopt when the text is
// not such an index, or names a path that is not a plain relative path.
std::optional<std::vector<std::string>> shards_of_index(std::string_view index_json);

}  // namespace hfcache::doctor
