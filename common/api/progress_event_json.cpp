#include "api/progress_event_json.hpp"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

namespace hfcache::api {
namespace {

using Kind = pull::ProgressEvent::Kind;

constexpr std::array<std::pair<Kind, std::string_view>, 6> kind_names = {{{Kind::planned, "planned"},
                                                                         {Kind::file_started, "file_started"},
                                                                         {Kind::bytes, "bytes"},
                                                                         {Kind::file_retry, "file_retry"},
                                                                         {Kind::file_done, "file_done"},
                                                                         {Kind::finished, "finished"}}};

}  // namespace

std::string_view to_string(Kind kind) {
  for (const auto& [k, name] : kind_names)
    if (k == kind) return name;
  return "bytes";
}

std::optional<Kind> progress_kind_from_string(std::string_view text) {
  for (const auto& [k, name] : kind_names)
    if (name == text) return k;
  return std::nullopt;
}

nlohmann::json to_json(const pull::ProgressEvent& e) {
  return {{"kind", to_string(e.kind)}, {"path", e.path},         {"file_done", e.file_done},
          {"file_total", e.file_total}, {"bytes_done", e.bytes_done}, {"bytes_total", e.bytes_total},
          {"files_done", e.files_done}, {"files_total", e.files_total}, {"message", e.message}};
}

pull::ProgressEvent progress_event_from_json(const nlohmann::json& j) {
  pull::ProgressEvent e;
  if (!j.is_object()) return e;
  auto number = [&](const char* key) -> std::uint64_t {
    auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
  };
  auto text = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  e.kind = progress_kind_from_string(text("kind")).value_or(Kind::bytes);
  e.path = text("path");
  e.message = text("message");
  e.file_done = number("file_done");
  e.file_total = number("file_total");
  e.bytes_done = number("bytes_done");
  e.bytes_total = number("bytes_total");
  e.files_done = static_cast<std::size_t>(number("files_done"));
  e.files_total = static_cast<std::size_t>(number("files_total"));
  return e;
}

}  // namespace hfcache::api
