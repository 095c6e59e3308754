#pragma once
// The body of POST /api/{type}s/{id}/paths-info/{rev}: form-encoded (huggingface_hub: repeated
// paths=, expand=) or JSON ({"paths": [...], "expand": bool}; huggingface.js, hf-hub). Pure.
#include <string>
#include <string_view>
#include <vector>

namespace hfcache::mirror {

struct PathsInfoRequest {
  std::vector<std::string> paths;
  bool expand = false;
};

// Throws UsageError for a body that is neither (or JSON without a "paths" list of strings).
PathsInfoRequest parse_paths_info_body(std::string_view content_type, std::string_view body);

}  // namespace hfcache::mirror
