#pragma once
// Where the hub token comes from, in huggingface_hub's order: the explicit value, HF_TOKEN,
// HUGGING_FACE_HUB_TOKEN, the file at HF_TOKEN_PATH, else $HF_HOME/token (HF_HOME defaulting to
// $XDG_CACHE_HOME/huggingface, then ~/.cache/huggingface). Reads the environment and one file.
#include <optional>
#include <string>
#include <string_view>

namespace hfcache::hub {

// Remove every \r and \n and the surrounding blanks (huggingface_hub _clean_token).
std::string clean_token(std::string_view raw);

// The first non-empty token of the sources above; an empty value falls through to the next
// source. Unreadable or missing files count as empty. nullopt when there is none.
std::optional<std::string> load_token(const std::optional<std::string>& explicit_token = std::nullopt);

// The token file load_token reads when no variable is set.
std::string token_file_path();

}  // namespace hfcache::hub
