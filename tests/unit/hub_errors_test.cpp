#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "hub/hub_client.hpp"
#include "hub/hub_errors.hpp"

using namespace hfcache;
using namespace hfcache::hub;

namespace {

const std::string token = "hf_abcdefghijklmnopqrstuvwxyz0123456789";

HubRequestContext context(bool token_sent) {
  HubRequestContext c;
  c.endpoint = "https://huggingface.co";
  c.repo = core::RepoRef{core::RepoType::dataset, "org/private-set"};
  c.revision = "v1.0";
  c.path = "data/train.parquet";
  c.url = "https://huggingface.co/datasets/org/private-set/resolve/v1.0/data/train.parquet";
  c.token_sent = token_sent;
  if (token_sent) c.token = token;
  return c;
}

struct Caught {
  ExitCode code = ExitCode::ok;
  std::string what;
  std::string hint;
};

Caught run(const HubRequestContext& c, const http::HttpResponse& response) {
  try {
    throw_hub_error(c, response);
  } catch (const Error& e) {
    return {e.code(), e.what(), e.hint()};
  }
  return {};
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_SUITE("hub_errors") {
  TEST_CASE("X-Error-Code decides first") {
    CHECK(run(context(false), {404, {{"X-Error-Code", "RevisionNotFound"}}, {}}).code == ExitCode::not_found);
    CHECK(run(context(false), {404, {{"X-Error-Code", "RepoNotFound"}}, {}}).code == ExitCode::not_found);
    CHECK(run(context(false), {401, {{"X-Error-Code", "RepoNotFound"}}, {}}).code == ExitCode::not_found);
    CHECK(run(context(true), {404, {{"X-Error-Code", "RepoNotFound"}}, {}}).code == ExitCode::not_found);
    CHECK(run(context(false), {401, {{"X-Error-Code", "GatedRepo"}}, {}}).code == ExitCode::auth);
    CHECK(run(context(true), {403, {{"X-Error-Code", "GatedRepo"}}, {}}).code == ExitCode::auth);
    CHECK(run(context(false), {404, {{"X-Error-Code", "EntryNotFound"}}, {}}).code == ExitCode::not_found);
  }

  TEST_CASE("EntryNotFound carries X-Repo-Commit") {
    try {
      throw_hub_error(context(false), {404,
                                       {{"X-Error-Code", "EntryNotFound"},
                                        {"X-Repo-Commit", "607a30d783dfa663caf39e06633721c8d4cfcd7e"}},
                                       {}});
      FAIL("expected EntryNotFoundError");
    } catch (const EntryNotFoundError& e) {
      CHECK(e.commit == "607a30d783dfa663caf39e06633721c8d4cfcd7e");
      CHECK(contains(e.what(), "data/train.parquet"));
      CHECK(contains(e.what(), "datasets/org/private-set"));
      CHECK(contains(e.what(), "v1.0"));
    }
  }

  TEST_CASE("statuses without X-Error-Code") {
    CHECK(run(context(false), {401, {}, {}}).code == ExitCode::auth);
    CHECK(run(context(true), {401, {}, {}}).code == ExitCode::auth);
    CHECK(run(context(true), {403, {}, {}}).code == ExitCode::auth);
    CHECK(run(context(false), {404, {}, {}}).code == ExitCode::not_found);
    CHECK(run(context(false), {400, {}, {}}).code == ExitCode::failure);
    CHECK(run(context(false), {407, {}, {}}).code == ExitCode::failure);
    CHECK(run(context(false), {409, {}, {}}).code == ExitCode::failure);
    for (int status : {408, 429, 500, 502, 503, 504}) {
      CAPTURE(status);
      CHECK(run(context(false), {status, {}, {}}).code == ExitCode::offline);
    }
  }

  TEST_CASE("invalid credentials beat RepoNotFound") {
    auto caught = run(context(true), {401,
                                      {{"X-Error-Code", "RepoNotFound"},
                                       {"X-Error-Message", "Invalid credentials in Authorization header"}},
                                      {}});
    CHECK(caught.code == ExitCode::auth);
    CHECK(contains(caught.what, "refused the token"));
  }

  TEST_CASE("hints say what to do") {
    auto missing = run(context(false), {401, {{"X-Error-Code", "RepoNotFound"}}, {}});
    CHECK(contains(missing.what, "datasets/org/private-set"));
    CHECK(contains(missing.hint, "HF_TOKEN"));
    auto gated = run(context(true), {403, {{"X-Error-Code", "GatedRepo"}}, {}});
    CHECK(contains(gated.hint, "https://huggingface.co/datasets/org/private-set"));
    auto revision = run(context(false), {404, {{"X-Error-Code", "RevisionNotFound"}}, {}});
    CHECK(contains(revision.what, "revision 'v1.0' not found"));
    auto disabled = run(context(false), {403, {{"X-Error-Message", "Access to this resource is disabled."}}, {}});
    CHECK(disabled.code == ExitCode::failure);
    CHECK(contains(disabled.what, "disabled"));
  }

  TEST_CASE("server message and request id are included") {
    auto caught = run(context(false), {500, {{"X-Request-Id", "Root=1-abc-def"}}, R"({"error":"Internal Error"})"});
    CHECK(contains(caught.what, "Internal Error"));
    CHECK(contains(caught.what, "[request id Root=1-abc-def]"));
    auto text = run(context(false), {400, {{"Content-Type", "text/plain"}}, "bad\nthing"});
    CHECK(contains(text.what, "bad thing"));
    auto html = run(context(false), {502, {{"Content-Type", "text/html"}}, "<html><body>proxy</body></html>"});
    CHECK_FALSE(contains(html.what, "<html>"));
    auto list = run(context(false), {400, {}, R"({"error":["a","b"]})"});
    CHECK(contains(list.what, "a; b"));
  }

  TEST_CASE("416 names the Range and Content-Range") {
    auto c = context(false);
    c.repo.reset();
    c.path.clear();
    c.revision.clear();
    c.url = "https://cdn.example/blob?X-Amz-Signature=secret";
    c.range = "bytes=500-";
    auto caught = run(c, {416, {{"Content-Range", "bytes */400"}}, {}});
    CHECK(caught.code == ExitCode::failure);
    CHECK(contains(caught.what, "bytes=500-"));
    CHECK(contains(caught.what, "bytes */400"));
    CHECK(contains(caught.what, "https://cdn.example/blob?<redacted>"));
    CHECK_FALSE(contains(caught.what, "secret"));
  }

  TEST_CASE("the token never appears in a message, even when the server echoes it") {
    for (int status : {400, 401, 403, 404, 429, 500}) {
      CAPTURE(status);
      auto caught = run(context(true), {status, {{"X-Error-Message", "bad token " + token}}, {}});
      CHECK_FALSE(contains(caught.what, token));
      CHECK_FALSE(contains(caught.hint, token));
      auto body = run(context(true), {status, {}, R"({"error":"token )" + token + R"( refused"})"});
      CHECK_FALSE(contains(body.what, token));
    }
    CHECK(scrub_secrets("x hf_" + std::string(30, 'A') + " y", "") == "x hf_<redacted> y");
    CHECK(scrub_secrets("hf_short", "") == "hf_short");
    CHECK(scrub_secrets("my-secret here", "my-secret") == "<token> here");
  }
}
