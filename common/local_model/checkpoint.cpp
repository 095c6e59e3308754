// checkpoint_info: what a Trainer checkpoint-N folder holds, read from a snapshot folder.
#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "local_model/local_import.hpp"
#include "util/fs.hpp"

namespace hfcache::local_model {
namespace {

namespace fs = std::filesystem;

// trainer_state.json grows with log_history; long runs write tens of MB.
constexpr std::size_t max_trainer_state_size = std::size_t{256} << 20;

// The files Trainer._save_checkpoint writes besides the weights (rng_state.pth is rng_state_<rank>.pth
// on several processes).
constexpr std::array<std::string_view, 5> trainer_files = {"optimizer.pt", "scheduler.pt", "rng_state.pth",
                                                           "trainer_state.json", "training_args.bin"};

// Weights as save_pretrained writes them (single file or sharded index), then PEFT adapters.
constexpr std::array<std::string_view, 6> weights_files = {
    "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json",
    "adapter_model.safetensors", "adapter_model.bin"};

bool resolves(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool entry_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(p, ec));
}

// Python's json.dumps writes NaN, Infinity and -Infinity (a diverged loss in log_history); JSON has
// no such tokens. Replace them, outside strings, with null.
std::string python_json_to_json(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (in_string) {
      if (c == '\\' && i + 1 < text.size()) out += text[i++];
      else if (c == '"') in_string = false;
      out += text[i++];
      continue;
    }
    bool replaced = false;
    for (std::string_view token : {"NaN", "Infinity", "-Infinity"}) {
      if (text.substr(i).starts_with(token)) {
        out += "null";
        i += token.size();
        replaced = true;
        break;
      }
    }
    if (replaced) continue;
    if (c == '"') in_string = true;
    out += c;
    ++i;
  }
  return out;
}

void read_trainer_state(const fs::path& file, CheckpointInfo& info) {
  auto text = util::read_small_file(file, max_trainer_state_size);
  if (!text) {
    info.trainer_state_error = "unreadable or larger than 256 MiB";
    return;
  }
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded()) doc = nlohmann::json::parse(python_json_to_json(*text), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    info.trainer_state_error = "not a JSON object";
    return;
  }
  if (auto it = doc.find("global_step"); it != doc.end() && it->is_number()) {
    info.global_step = it->is_number_float() ? static_cast<std::int64_t>(it->get<double>()) : it->get<std::int64_t>();
  }
  if (auto it = doc.find("epoch"); it != doc.end() && it->is_number()) info.epoch = it->get<double>();
  if (auto it = doc.find("best_metric"); it != doc.end() && it->is_number()) info.best_metric = it->get<double>();
  if (auto it = doc.find("best_model_checkpoint"); it != doc.end() && it->is_string())
    info.best_model_checkpoint = it->get<std::string>();
}

// The shards a sharded-weights index names that the folder lacks.
void check_shards(const fs::path& dir, const fs::path& index, CheckpointInfo& info) {
  auto text = util::read_small_file(index, std::size_t{64} << 20);
  if (!text) return;
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("weight_map") || !doc["weight_map"].is_object()) return;
  std::set<std::string> shards;
  for (const auto& [tensor, shard] : doc["weight_map"].items()) {
    if (shard.is_string()) shards.insert(shard.get<std::string>());
  }
  for (const auto& shard : shards) {
    // A shard name is a file name next to the index; anything else is not looked up.
    if (shard.empty() || shard.find('/') != std::string::npos || shard == "." || shard == "..") continue;
    if (resolves(dir / shard)) info.present.push_back(shard);
    else info.missing.push_back(shard);
  }
}

void check_weights(const fs::path& dir, CheckpointInfo& info) {
  bool any = false;
  for (auto name : weights_files) {
    auto file = dir / name;
    if (!resolves(file)) continue;
    any = true;
    info.present.emplace_back(name);
    if (std::string_view(name).ends_with(".index.json")) check_shards(dir, file, info);
  }
  if (!any) info.missing.emplace_back(missing_weights);
}

void check_rng_state(const fs::path& dir, CheckpointInfo& info) {
  if (resolves(dir / "rng_state.pth")) {
    info.present.emplace_back("rng_state.pth");
    return;
  }
  // Several processes: rng_state_0.pth, rng_state_1.pth, ...
  std::vector<std::string> per_rank;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    if (name.starts_with("rng_state_") && name.ends_with(".pth") && resolves(entry.path())) per_rank.push_back(name);
  }
  std::sort(per_rank.begin(), per_rank.end());
  if (per_rank.empty()) info.missing.emplace_back("rng_state.pth");
  info.present.insert(info.present.end(), per_rank.begin(), per_rank.end());
}

}  // namespace

std::optional<CheckpointInfo> checkpoint_info(const std::filesystem::path& snapshot_dir) {
  if (!entry_exists(snapshot_dir / "trainer_state.json") && !entry_exists(snapshot_dir / "optimizer.pt"))
    return std::nullopt;
  CheckpointInfo info;
  for (auto name : trainer_files) {
    if (name == "rng_state.pth") {
      check_rng_state(snapshot_dir, info);
    } else if (resolves(snapshot_dir / name)) {
      info.present.emplace_back(name);
      if (name == "trainer_state.json") read_trainer_state(snapshot_dir / name, info);
    } else {
      info.missing.emplace_back(name);
    }
  }
  check_weights(snapshot_dir, info);
  return info;
}

}  // namespace hfcache::local_model
