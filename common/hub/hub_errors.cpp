#include "hub/hub_errors.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "hub/hub_client.hpp"
#include "http/url.hpp"

namespace hfcache::hub {
namespace {

// Server text beyond this is noise in a one-line error.
constexpr std::size_t max_message_chars = 300;
// huggingface_hub's X-Error-Message when a token is refused outright.
constexpr std::string_view invalid_credentials = "Invalid credentials in Authorization header";
constexpr std::string_view disabled_message = "Access to this resource is disabled.";
constexpr std::string_view login_hint = "set HF_TOKEN or run `hf auth login`";

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string clean(std::string_view text) {
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u == '\n' || u == '\r' || u == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else if (u >= 0x20 && u != 0x7f) {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > max_message_chars) out = out.substr(0, max_message_chars) + "...";
  return out;
}

std::string json_message(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) return {};
  for (const char* key : {"error", "message", "error_description"}) {
    auto it = json.find(key);
    if (it == json.end()) continue;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_array()) {
      std::string joined;
      for (const auto& item : *it) {
        if (!item.is_string()) continue;
        if (!joined.empty()) joined += "; ";
        joined += item.get<std::string>();
      }
      if (!joined.empty()) return joined;
    }
  }
  return {};
}

// "repo hfl/rbt3, revision main, file config.json", or the redacted URL when no repo is known.
std::string where(const HubRequestContext& context) {
  std::string out;
  if (context.repo) out = "repo " + context.repo->display();
  if (!context.revision.empty()) out += (out.empty() ? "" : ", ") + std::string("revision ") + context.revision;
  if (!context.path.empty()) out += (out.empty() ? "" : ", ") + std::string("file ") + context.path;
  if (out.empty()) out = http::redact_url(context.url);
  return out;
}

std::string repo_name(const HubRequestContext& context) {
  return context.repo ? "repo " + context.repo->display() : "the resource";
}

// Builds "<what> (<where>)[: server says][ [request id X]]".
std::string compose(const HubRequestContext& context, const http::HttpResponse& response, const std::string& what) {
  std::string message = what + " (" + where(context) + ")";
  auto detail = server_message(response, context.token);
  if (!detail.empty()) message += ": " + detail;
  auto id = request_id(response);
  if (!id.empty()) message += " [request id " + clean(id) + "]";
  return scrub_secrets(std::move(message), context.token);
}

std::string status_text(int status) {
  switch (status) {
    case 408: return "408 Request Timeout";
    case 429: return "429 Too Many Requests";
    case 500: return "500 Internal Server Error";
    case 502: return "502 Bad Gateway";
    case 503: return "503 Service Unavailable";
    case 504: return "504 Gateway Timeout";
    default: return std::to_string(status);
  }
}

}  // namespace

std::string scrub_secrets(std::string text, std::string_view token) {
  if (!token.empty()) {
    for (auto pos = text.find(token); pos != std::string::npos; pos = text.find(token, pos)) {
      text.replace(pos, token.size(), "<token>");
    }
  }
  for (auto pos = text.find("hf_"); pos != std::string::npos; pos = text.find("hf_", pos + 3)) {
    auto end = pos + 3;
    while (end < text.size() && is_token_char(text[end])) ++end;
    if (end - pos - 3 >= 20) text.replace(pos, end - pos, "hf_<redacted>");
  }
  return text;
}

std::string server_message(const http::HttpResponse& response, std::string_view token) {
  std::string text;
  if (auto header = response.headers.get("X-Error-Message")) {
    text = std::string(*header);
  } else if (!response.body.empty()) {
    text = json_message(response.body);
    auto type = response.headers.value_or("Content-Type");
    bool html = type.find("html") != std::string::npos || response.body.starts_with("<");
    if (text.empty() && !html && type.find("json") == std::string::npos) text = response.body;
  }
  return scrub_secrets(clean(text), token);
}

std::string request_id(const http::HttpResponse& response) {
  for (const char* name : {"X-Request-Id", "X-Amzn-Trace-Id", "X-Amz-Cf-Id"}) {
    if (auto value = response.headers.get(name); value && !value->empty()) return std::string(*value);
  }
  return {};
}

void throw_hub_error(const HubRequestContext& context, const http::HttpResponse& response) {
  const int status = response.status;
  const auto code = response.headers.value_or("X-Error-Code");
  const auto header_message = response.headers.value_or("X-Error-Message");
  const std::string repo = repo_name(context);

  if (code == "RevisionNotFound") {
    throw HubNotFoundError(compose(context, response, context.revision.empty() ? "revision not found"
                                                                      : "revision '" + context.revision + "' not found"),
                           "check the branch, tag or commit name", code);
  }
  if (code == "EntryNotFound") {
    throw EntryNotFoundError(compose(context, response, context.path.empty() ? "file not found"
                                                                      : "file '" + context.path + "' not found"),
                             response.headers.value_or("X-Repo-Commit"));
  }
  if (code == "GatedRepo") {
    std::string page = context.repo ? context.endpoint + "/" + std::string(context.repo->url_prefix()) +
                                          context.repo->id
                                    : context.endpoint;
    std::string what = repo + " is gated" +
                       (context.token_sent ? ": your token has not been granted access" : " and no token was sent");
    throw HubAuthError(compose(context, response, what),
                       "accept the conditions at " + page + (context.token_sent ? "" : ", then " + std::string(login_hint)),
                       code);
  }
  if (status == 508) {
    throw UpstreamLoopError(compose(context, response, "loop in the upstream tiers (508 Loop Detected)"));
  }
  if (header_message == disabled_message) {
    throw Error(ExitCode::failure, compose(context, response, repo + " is disabled on the hub"));
  }
  if (header_message == invalid_credentials) {
    throw AuthError(compose(context, response, "the hub refused the token"),
                    "check HF_TOKEN (or the token file), or run `hf auth login` again");
  }
  if (code == "RepoNotFound") {
    if (context.token_sent) {
      throw HubNotFoundError(compose(context, response, repo + " not found, or your token cannot read it"),
                             "check the repo id and --type (model, dataset, space) and the token's permissions", code);
    }
    throw HubNotFoundError(compose(context, response, repo + " not found, or private"),
                           "check the repo id and --type (model, dataset, space); if it is private, " +
                               std::string(login_hint),
                           code);
  }
  switch (status) {
    case 401:
      if (context.token_sent) {
        throw AuthError(compose(context, response, "the hub refused the token"),
                        "check HF_TOKEN (or the token file), or run `hf auth login` again");
      }
      throw AuthError(compose(context, response, "authentication required"), std::string(login_hint));
    case 403:
      throw AuthError(compose(context, response, "access denied to " + repo),
                      context.token_sent ? "check that your token can read " + repo +
                                               " (fine-grained tokens must list it)"
                                         : std::string(login_hint));
    case 404:
      throw NotFoundError(compose(context, response, "not found"),
                          "check the repo id, --type, revision and file name; a mirror may not carry this repo");
    case 407:
      throw Error(ExitCode::failure, compose(context, response, "the proxy requires authentication"),
                  "put the credentials in the proxy URL: https_proxy=http://user:password@host:port");
    case 416:
      throw Error(ExitCode::failure,
                  compose(context, response,
                          "range not satisfiable: asked for " + (context.range.empty() ? "-" : context.range) +
                              ", server has " + response.headers.value_or("Content-Range", "(no Content-Range)")),
                  "delete the partial download and try again");
    case 400:
      throw Error(ExitCode::failure, compose(context, response, "the hub rejected the request (400 Bad Request)"));
    default:
      break;
  }
  if (status == 408 || status == 429 || status >= 500) {
    std::string what = status == 429 ? "rate limited by the hub (429 Too Many Requests)"
                                     : "the hub answered " + status_text(status);
    throw OfflineError(compose(context, response, what),
                       status == 429 ? "wait a few minutes; a token raises the limit (" + std::string(login_hint) + ")"
                                     : "the hub is busy or down; try again later");
  }
  throw Error(ExitCode::failure, compose(context, response, "unexpected HTTP status " + std::to_string(status)));
}

}  // namespace hfcache::hub
