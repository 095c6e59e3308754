#include "local_model/model_files.hpp"

#include <array>

namespace hfcache::local_model {
namespace {

constexpr std::array<std::string_view, 9> weights_suffixes = {
    ".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".gguf", ".onnx"};

bool has_weights_suffix(std::string_view name) {
  for (auto suffix : weights_suffixes) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) return true;
  }
  return false;
}

}  // namespace

bool is_weights_file(std::string_view path) {
  auto slash = path.rfind('/');
  auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  // Trainer files are checkpoints' state, not weights.
  if (name == "optimizer.pt" || name == "scheduler.pt" || name == "rng_state.pth" || name == "training_args.bin" ||
      name == "scaler.pt")
    return false;
  if (name.starts_with("rng_state_") && name.ends_with(".pth")) return false;
  constexpr std::string_view index = ".index.json";
  if (name.ends_with(index)) name.remove_suffix(index.size());
  return has_weights_suffix(name);
}

bool is_model_config(std::string_view path) {
  return path == "config.json" || path == "model_index.json" || path == "adapter_config.json";
}

}  // namespace hfcache::local_model
