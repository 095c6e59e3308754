#pragma once
// What makes a folder a model: the file names transformers, diffusers, PEFT and the Trainer write.
#include <string_view>

namespace hfcache::local_model {

// True for a file of model weights (or a sharded-weights index) at any depth: *.safetensors,
// *.bin, *.pt, *.pth, *.ckpt, *.h5, *.msgpack, *.gguf, *.onnx, *.index.json of those.
bool is_weights_file(std::string_view path);

// True for the top-level file that says "this folder is a model": config.json (transformers),
// model_index.json (diffusers), adapter_config.json (PEFT).
bool is_model_config(std::string_view path);

}  // namespace hfcache::local_model
