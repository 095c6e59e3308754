// The maintenance half of the CLI<->daemon contract: every request and answer type reads back what
// was written, requests travel as bodies or queries alike, and errors keep their exit codes.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "api/api_error.hpp"
#include "api/check_calls.hpp"
#include "api/export_request.hpp"
#include "api/gc_call.hpp"
#include "api/health.hpp"
#include "api/path_call.hpp"
#include "api/pin_call.hpp"
#include "api/removal.hpp"
#include "api/routes.hpp"
#include "core/errors.hpp"

using namespace hfcache;
using nlohmann::json;

namespace {

const core::RepoRef dataset{core::RepoType::dataset, "org/data"};

// A request as the server reads it: from the JSON body, or from the query it travels as.
template <class Read>
auto read_back(const json& written, Read read, bool as_query) {
  json object = as_query ? api::object_of(api::query_of(written)) : written;
  api::ObjectReader reader(object, "the request");
  auto out = read(reader);
  if (!as_query) reader.reject_unknown_keys();
  return out;
}

}  // namespace

TEST_SUITE("api_calls") {
  TEST_CASE("verify, repair and gc requests read back") {
    for (bool as_query : {false, true}) {
      CAPTURE(as_query);
      CHECK(read_back(api::to_json(api::VerifyRequest{dataset}), api::read_verify_request, as_query).repo == dataset);
      CHECK_FALSE(read_back(api::to_json(api::VerifyRequest{}), api::read_verify_request, as_query).repo);
      auto repair = read_back(api::to_json(api::RepairRequest{true, false, true}), api::read_repair_request, as_query);
      CHECK(repair.dry_run);
      CHECK_FALSE(repair.verify);
      CHECK(repair.upstream);
      auto gc = read_back(api::to_json(api::GcRequest{std::uint64_t{10} << 30, true}), api::read_gc_request, as_query);
      CHECK(gc.max_size == std::optional<std::uint64_t>(std::uint64_t{10} << 30));
      CHECK(gc.dry_run);
    }
    auto by_text = read_back(json{{"max_size", "10G"}}, api::read_gc_request, false);
    CHECK(by_text.max_size == std::optional<std::uint64_t>(std::uint64_t{10} << 30));
    CHECK_FALSE(read_back(json::object(), api::read_gc_request, false).max_size);
    CHECK_THROWS_AS(read_back(json{{"max_size", "ten gigs"}}, api::read_gc_request, false), UsageError);
    CHECK_THROWS_AS(read_back(json{{"max_size", -1}}, api::read_gc_request, false), UsageError);
    CHECK_THROWS_AS(read_back(json{{"dry_run", "maybe"}}, api::read_repair_request, false), UsageError);
  }

  TEST_CASE("a remove request travels as its route and query") {
    api::RemoveRequest r{dataset, std::string("v1.0"), true};
    auto target = api::target_of(r);
    CHECK(target.path == "/v1/repos/datasets/org/data");
    CHECK(target.query == api::Query{{"revision", "v1.0"}, {"dry_run", "1"}});
    json query = api::object_of(target.query);
    api::ObjectReader reader(query, "the query");
    auto back = api::read_remove_request(api::repo_of_route("datasets", "org/data"), reader);
    CHECK(back.repo == dataset);
    CHECK(back.revision == r.revision);
    CHECK(back.dry_run);
    CHECK(api::target_of(api::RemoveRequest{dataset, std::nullopt, false}).query.empty());
    CHECK_THROWS_AS(api::repo_of_route("models", "a/b/c"), UsageError);
  }

  TEST_CASE("rm, gc, pin, reindex and path answers read back") {
    api::RemoveAnswer removed{dataset, {std::string(40, 'a')}, {"refs/pr/1"}, 3, 1234, false, true};
    CHECK(api::remove_answer_from_json(api::to_json(removed)) == removed);
    api::GcAnswer gc{500, 100, 200, {{dataset, {std::string(40, 'b')}, 400, true}}, 2, {"org/x@c: pinned"}, true, false};
    CHECK(api::gc_answer_from_json(api::to_json(gc)) == gc);
    CHECK(api::to_json(gc)["evicted"][0]["type"] == "dataset");
    api::PinAnswer pin{dataset, std::string(40, 'c'), true};
    CHECK(api::pin_answer_from_json(api::to_json(pin)) == pin);
    api::ReindexAnswer reindex{7, 0.25};
    CHECK(api::reindex_answer_from_json(api::to_json(reindex)) == reindex);
    api::PathAnswer path{"/cache/x", std::string(40, 'd')};
    CHECK(api::path_answer_from_json(api::to_json(path)) == path);
  }

  TEST_CASE("pin and path requests read back as bodies and as queries, REPO@REV included") {
    for (bool as_query : {false, true}) {
      CAPTURE(as_query);
      auto pin = read_back(api::to_json(api::PinRequest{dataset, "v1.0", true}),
                           [](api::ObjectReader& r) { return api::read_pin_request(r, false); }, as_query);
      CHECK(pin.repo == dataset);
      CHECK(pin.revision == "v1.0");
      CHECK_FALSE(pin.pinned);
      auto path = read_back(api::to_json(api::PathRequest{dataset, "main", std::string("sub/f.json")}),
                            api::read_path_request, as_query);
      CHECK(path.repo == dataset);
      CHECK(path.file == std::optional<std::string>("sub/f.json"));
    }
    auto at = read_back(json{{"repo", "hfl/rbt3@v2"}}, [](api::ObjectReader& r) { return api::read_pin_request(r, true); }, false);
    CHECK(at.revision == "v2");
    CHECK_THROWS_AS(read_back(json{{"repo", "hfl/rbt3"}, {"file", "../../etc/passwd"}}, api::read_path_request, true),
                    UsageError);
  }

  TEST_CASE("an export request reads back with every repo, revision and format") {
    api::ExportRequest request;
    request.selections = {{dataset, std::string("v1.0")}, {{core::RepoType::model, "hfl/rbt3"}, std::nullopt}};
    request.format = "tar.zst";
    auto back = read_back(api::to_json(request), api::read_export_request, true);
    REQUIRE(back.selections.size() == 2);
    CHECK(back.selections[0].repo == dataset);
    CHECK(back.selections[0].revision == std::optional<std::string>("v1.0"));
    CHECK(back.selections[1].repo.id == "hfl/rbt3");
    CHECK_FALSE(back.selections[1].revision);
    CHECK(back.compression() == archive::Compression::zstd);
    CHECK(read_back(json{{"repo", "a/b"}, {"format", "tgz"}}, api::read_export_request, true).suffix() == "tar.gz");
    CHECK_THROWS_AS(read_back(json{{"repo", "a/b"}, {"format", "rar"}}, api::read_export_request, true), UsageError);
    CHECK_THROWS_AS(read_back(json::object(), api::read_export_request, true), UsageError);
  }

  TEST_CASE("a zip export request reads back with its force flag") {
    api::ExportRequest request;
    request.selections = {{{core::RepoType::model, "hfl/rbt3"}, std::nullopt}};
    request.format = "zip";
    request.force = true;
    auto back = read_back(api::to_json(request), api::read_export_request, true);
    CHECK(back.archive_format().zip);
    CHECK(back.force);
    CHECK(back.suffix() == "zip");
    CHECK_FALSE(read_back(json{{"repo", "a/b"}, {"format", "zip"}}, api::read_export_request, true).force);
    CHECK_FALSE(read_back(json{{"repo", "a/b"}}, api::read_export_request, true).archive_format().zip);
    CHECK_THROWS_AS(read_back(json{{"repo", "a/b"}, {"force", "maybe"}}, api::read_export_request, true), UsageError);
  }

  TEST_CASE("health reads back; an answer without cache_dir is not hfcached") {
    api::Health h{"stopping", "0.1.0", "/var/cache/hfcache/hub", "https://huggingface.co", true, "127.0.0.1:8765", 42, 1, 3, true, "", {}};
    CHECK(api::health_from_json(api::to_json(h)) == h);
    h.tier_id = "node-1:8765";
    h.upstreams = {{"http://site-a:8765", false, 7, "connection refused"}, {"https://huggingface.co", true, 0, ""}};
    CHECK(api::health_from_json(api::to_json(h)) == h);
    CHECK_FALSE(api::health_from_json(json{{"status", "ok"}}));
    CHECK(api::health_from_json(json{{"cache_dir", "/c"}})->status == "ok");
  }

  TEST_CASE("queries keep repeated keys and order; booleans travel as 1/0") {
    json object = {{"repo", json::array({"a/b", "c/d"})}, {"dry_run", true}, {"note", nullptr}, {"n", 5}};
    auto query = api::query_of(object);
    CHECK(query == api::Query{{"dry_run", "1"}, {"n", "5"}, {"repo", "a/b"}, {"repo", "c/d"}});
    auto back = api::object_of(query);
    CHECK(back["repo"] == json::array({"a/b", "c/d"}));
    CHECK(back["dry_run"] == "1");
  }
}

TEST_SUITE("api_error") {
  TEST_CASE("every exit code travels as its code and status, and comes back the same") {
    struct Case {
      ExitCode code;
      const char* name;
      int status;
    };
    for (auto c : {Case{ExitCode::usage, "bad_request", 400}, Case{ExitCode::not_found, "not_found", 404},
                   Case{ExitCode::auth, "unauthorized", 401}, Case{ExitCode::offline, "offline", 503},
                   Case{ExitCode::integrity, "integrity", 409}, Case{ExitCode::failure, "internal", 500}}) {
      CAPTURE(c.name);
      auto error = api::api_error_of(Error(c.code, "what", "hint"));
      CHECK(error == api::ApiError{c.name, "what", "hint"});
      CHECK(api::http_status_of(error.code) == c.status);
      auto back = api::error_from_body(api::error_body(error).dump());
      REQUIRE(back);
      CHECK(*back == error);
      try {
        api::throw_api_error(*back, c.status);
      } catch (const Error& e) {
        CHECK(e.code() == c.code);
        CHECK(std::string(e.what()) == "what");
        CHECK(e.hint() == "hint");
      }
    }
  }

  TEST_CASE("in_use and forbidden have their own codes; unknown codes fall back on the status") {
    auto in_use = api::api_error_of(InUseError("busy"));
    CHECK(in_use.code == "in_use");
    CHECK(api::http_status_of("in_use") == 409);
    CHECK(api::exit_code_of("in_use", 409) == ExitCode::failure);
    CHECK(api::exit_code_of("forbidden", 403) == ExitCode::auth);
    CHECK(api::exit_code_of("teapot", 503) == ExitCode::offline);
    CHECK(api::exit_code_of("", 404) == ExitCode::not_found);
    CHECK(api::exit_code_of("", 418) == ExitCode::failure);
    CHECK_FALSE(api::error_from_body("<html>502 Bad Gateway</html>"));
    CHECK(api::error_from_body(R"({"error": "plain text"})")->message == "plain text");
  }
}
