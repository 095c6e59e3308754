#include "mirror/paths_info_body.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "http/url.hpp"

namespace hfcache::mirror {
namespace {

// Form values use '+' for spaces on top of percent-encoding.
std::string form_decode(std::string_view text) {
  std::string plus_decoded(text);
  for (auto& c : plus_decoded) {
    if (c == '+') c = ' ';
  }
  return http::percent_decode(plus_decoded);
}

bool truthy(std::string_view v) { return v == "true" || v == "True" || v == "1"; }

PathsInfoRequest from_json(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("paths")) {
    throw UsageError("paths-info: the JSON body must be an object with a \"paths\" list",
                     "send {\"paths\": [\"config.json\"], \"expand\": false}");
  }
  PathsInfoRequest out;
  const auto& paths = json["paths"];
  if (paths.is_string()) {
    out.paths.push_back(paths.get<std::string>());
  } else if (paths.is_array()) {
    for (const auto& p : paths) {
      if (!p.is_string()) throw UsageError("paths-info: every path must be a string");
      out.paths.push_back(p.get<std::string>());
    }
  } else {
    throw UsageError("paths-info: \"paths\" must be a list of strings");
  }
  if (auto it = json.find("expand"); it != json.end()) {
    out.expand = it->is_boolean() ? it->get<bool>() : (it->is_string() && truthy(it->get<std::string>()));
  }
  return out;
}

}  // namespace

PathsInfoRequest parse_paths_info_body(std::string_view content_type, std::string_view body) {
  auto first = body.find_first_not_of(" \t\r\n");
  if (content_type.find("json") != std::string_view::npos ||
      (first != std::string_view::npos && body[first] == '{')) {
    return from_json(body);
  }
  PathsInfoRequest out;
  std::size_t start = 0;
  while (start <= body.size()) {
    auto end = body.find('&', start);
    auto pair = body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    auto eq = pair.find('=');
    auto key = form_decode(pair.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::string() : form_decode(pair.substr(eq + 1));
    if (key == "paths" || key == "paths[]") out.paths.push_back(value);
    else if (key == "expand") out.expand = truthy(value);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace hfcache::mirror
