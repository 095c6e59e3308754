#include "hub/file_metadata.hpp"

#include "http/etag_match.hpp"

#include <charconv>

#include "core/errors.hpp"
#include "core/revision.hpp"

namespace hfcache::hub {
namespace {

constexpr std::string_view not_a_hub_hint =
    "check HF_ENDPOINT / the endpoint setting and any proxy; a captive portal or filtering proxy may be "
    "answering instead of the hub";

[[noreturn]] void not_like_hub(const http::Url& requested, const std::string& what) {
  throw OfflineError("the endpoint does not answer like the Hugging Face Hub (a proxy or captive portal?): " + what +
                         " for " + http::redact_url(requested.str()),
                     std::string(not_a_hub_hint));
}

// A blob name must be one harmless path component.
bool is_safe_blob_name(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 255) return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') return false;
  }
  return true;
}

}  // namespace

FileMetadata metadata_from_head(const http::HttpResponse& response, const http::Url& requested) {
  FileMetadata meta;
  meta.commit = response.headers.value_or("X-Repo-Commit");
  if (meta.commit.empty()) not_like_hub(requested, "no X-Repo-Commit header");
  if (!core::is_commit_hash(meta.commit)) not_like_hub(requested, "X-Repo-Commit is not a 40-hex commit id");

  auto etag = response.headers.get("X-Linked-Etag");
  if (!etag) etag = response.headers.get("ETag");
  meta.etag = etag ? http::normalize_etag(*etag) : std::string{};
  if (meta.etag.empty()) not_like_hub(requested, "no ETag or X-Linked-Etag header");
  if (!is_safe_blob_name(meta.etag)) not_like_hub(requested, "the ETag is not usable as a file name");

  auto size = response.headers.get("X-Linked-Size");
  // A redirect's own Content-Length is the length of its small body, not the file's (v1.28.0).
  if (!size && !response.is_redirect()) size = response.headers.get("Content-Length");
  if (!size) not_like_hub(requested, "no X-Linked-Size or Content-Length header");
  auto [ptr, ec] = std::from_chars(size->data(), size->data() + size->size(), meta.size);
  if (ec != std::errc{} || ptr != size->data() + size->size()) not_like_hub(requested, "the size is not a number");

  meta.location = requested.str();
  if (response.is_redirect()) {
    if (auto location = response.headers.get("Location")) {
      auto resolved = http::resolve_location(requested, *location);
      if (!resolved) not_like_hub(requested, "the Location header is not an http(s) URL");
      meta.location = resolved->str();
    }
  }
  return meta;
}

}  // namespace hfcache::hub
