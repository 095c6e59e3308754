#pragma once
// Turns a hub error response into the typed errors of core/errors.hpp, the way huggingface_hub's
// hf_raise_for_status reads X-Error-Code and X-Error-Message, with messages that name the repo,
// revision and file and say what to do. Mapping (X-Error-Code first, then the status):
//   RevisionNotFound, RepoNotFound, 404 -> NotFoundError (exit 3); EntryNotFound -> EntryNotFoundError
//   GatedRepo, 401, 403 -> AuthError (exit 4); 408, 429, 5xx -> OfflineError (exit 5); others -> Error
// Messages never contain the token (it is scrubbed from server text) nor signed query strings.
#include <optional>
#include <string>
#include <string_view>

#include "core/repo_id.hpp"
#include "http/http_message.hpp"

namespace hfcache::hub {

// What was asked, for the message. Empty fields are left out.
struct HubRequestContext {
  std::string endpoint;  // for the gated-repo link
  std::optional<core::RepoRef> repo;
  std::string revision;
  std::string path;      // file in the repo
  std::string url;       // the URL requested; its query is redacted in messages
  std::string range;     // the Range header sent, for 416
  bool token_sent = false;
  std::string_view token;  // only to scrub it from server text; never printed
};

// Throw the error for a response that is neither 2xx nor a followed redirect.
[[noreturn]] void throw_hub_error(const HubRequestContext& context, const http::HttpResponse& response);

// The server's explanation: X-Error-Message, else `error`/`message`/`error_description` of a JSON
// body, else a short plain-text body; cleaned of control characters, shortened, token scrubbed.
std::string server_message(const http::HttpResponse& response, std::string_view token = {});

// X-Request-Id, else X-Amzn-Trace-Id, else X-Amz-Cf-Id ("" if none).
std::string request_id(const http::HttpResponse& response);

// Replace `token` and anything shaped like a hub token (hf_ followed by 20+ letters or digits).
std::string scrub_secrets(std::string text, std::string_view token);

}  // namespace hfcache::hub
