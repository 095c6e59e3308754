// The pull half of the CLI<->daemon contract: the request a client posts, the progress events and
// the job object it reads back, and the server-sent-event framing, each through its one codec.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "api/progress_event_json.hpp"
#include "api/pull_job.hpp"
#include "api/pull_request_json.hpp"
#include "api/server_events.hpp"
#include "core/errors.hpp"

using namespace hfcache;
using nlohmann::json;

namespace {

pull::PullRequest read_request(const json& j) {
  api::ObjectReader reader(j, "the request body of /v1/pulls");
  auto request = api::read_pull_request(reader);
  reader.reject_unknown_keys();
  return request;
}

void check_same(const pull::PullRequest& a, const pull::PullRequest& b) {
  CHECK(a.repo == b.repo);
  CHECK(a.revision == b.revision);
  CHECK(a.include == b.include);
  CHECK(a.exclude == b.exclude);
}

pull::PullResult sample_result() {
  pull::PullResult r;
  r.commit = std::string(40, 'c');
  r.snapshot_path = "/cache/models--hfl--rbt3/snapshots/" + r.commit;
  r.files = 12;
  r.bytes = 38000;
  r.files_downloaded = 3;
  r.bytes_downloaded = 1200;
  r.from_cache_only = true;
  r.symlinks = false;
  r.not_in_repo = {"nope.txt"};
  return r;
}

}  // namespace

TEST_SUITE("api_pull_request") {
  TEST_CASE("a pull request reads back field for field; offline and on_commit stay local") {
    pull::PullRequest r{{core::RepoType::dataset, "org/data"}, "v1.0", {"*.json", "sub/"}, {"*.bin"}, true};
    auto j = api::to_json(r);
    CHECK_FALSE(j.contains("offline"));
    CHECK(j["type"] == "dataset");
    auto back = read_request(j);
    check_same(back, r);
    CHECK_FALSE(back.offline);
  }

  TEST_CASE("the body may name the revision as REPO@REV and globs as one string; defaults to main") {
    auto r = read_request(json{{"repo", "hfl/rbt3@v1.0"}, {"include", "*.json"}});
    CHECK(r.revision == "v1.0");
    CHECK(r.include == std::vector<std::string>{"*.json"});
    CHECK(read_request(json{{"repo", "hfl/rbt3"}}).revision == "main");
    CHECK(read_request(json{{"repo", "datasets/org/data"}}).repo.type == core::RepoType::dataset);
  }

  TEST_CASE("bad bodies are UsageErrors that name the field") {
    auto message = [](const json& j) {
      try {
        read_request(j);
      } catch (const UsageError& e) {
        return std::string(e.what());
      }
      return std::string("accepted");
    };
    CHECK(message(json{{"revision", "main"}}).find("'repo' is missing") != std::string::npos);
    CHECK(message(json{{"repo", "hfl/rbt3"}, {"colour", "red"}}).find("unknown key 'colour'") != std::string::npos);
    CHECK(message(json{{"repo", "hfl/rbt3"}, {"exclude", json::array({1})}}).find("'exclude'") != std::string::npos);
    CHECK(message(json{{"repo", "hfl/rbt3"}, {"revision", "../x"}}).find("../x") != std::string::npos);
    CHECK(message(json{{"repo", 5}}).find("'repo' must be a string") != std::string::npos);
    CHECK(message(json::array({1, 2})).find("must be a JSON object") != std::string::npos);
  }

  TEST_CASE("pull identities tell apart everything that changes what is pulled") {
    pull::PullRequest a{{core::RepoType::model, "hfl/rbt3"}, "main", {}, {}};
    pull::PullRequest b = a;
    CHECK(api::pull_identity(a) == api::pull_identity(b));
    b.revision = "v1.0";
    CHECK(api::pull_identity(a) != api::pull_identity(b));
    b = a;
    b.repo.type = core::RepoType::dataset;
    CHECK(api::pull_identity(a) != api::pull_identity(b));
    b = a;
    b.include = {"*.json"};
    pull::PullRequest c = a;
    c.exclude = {"*.json"};
    CHECK(api::pull_identity(a) != api::pull_identity(b));
    CHECK(api::pull_identity(b) != api::pull_identity(c));
  }
}

TEST_SUITE("api_progress_event") {
  TEST_CASE("every kind of progress event reads back field for field") {
    using K = pull::ProgressEvent::Kind;
    for (auto kind : {K::planned, K::file_started, K::bytes, K::file_retry, K::file_done, K::finished}) {
      pull::ProgressEvent e{kind, "onnx/model.onnx", 5, 10, 50, 100, 2, 12, "connection reset"};
      auto back = api::progress_event_from_json(api::to_json(e));
      CAPTURE(api::to_string(kind));
      CHECK(back.kind == kind);
      CHECK(back.path == e.path);
      CHECK(back.file_done == 5);
      CHECK(back.file_total == 10);
      CHECK(back.bytes_done == 50);
      CHECK(back.bytes_total == 100);
      CHECK(back.files_done == 2);
      CHECK(back.files_total == 12);
      CHECK(back.message == e.message);
    }
  }

  TEST_CASE("an unknown kind or missing fields read as a bytes event of zeros") {
    auto e = api::progress_event_from_json(json{{"kind", "teleported"}});
    CHECK(e.kind == pull::ProgressEvent::Kind::bytes);
    CHECK(e.bytes_done == 0);
    CHECK(api::progress_event_from_json(json("not an object")).path.empty());
  }
}

TEST_SUITE("api_pull_job") {
  TEST_CASE("the 202 answer reads back") {
    api::PullSubmitted s{"p1-abcd", api::JobState::queued, true};
    auto back = api::pull_submitted_from_json(api::to_json(s));
    CHECK(back.id == s.id);
    CHECK(back.state == s.state);
    CHECK(back.shared);
    CHECK_THROWS_AS(api::pull_submitted_from_json(json{{"state", "queued"}}), UsageError);
  }

  TEST_CASE("a running job keeps its totals and has neither result nor error") {
    api::PullJob job;
    job.id = "p2-x";
    job.request = {{core::RepoType::model, "hfl/rbt3"}, "main", {"*.json"}, {}};
    job.state = api::JobState::running;
    job.commit = std::string(40, 'a');
    job.files_total = 12, job.files_done = 3, job.bytes_total = 1000, job.bytes_done = 250;
    auto j = api::to_json(job);
    CHECK(j["snapshot_path"].is_null());
    CHECK(j["error"].is_null());
    CHECK(j["symlinks"] == true);
    auto back = api::pull_job_from_json(j);
    CHECK(back.id == job.id);
    check_same(back.request, job.request);
    CHECK(back.state == api::JobState::running);
    CHECK(back.commit == job.commit);
    CHECK(back.files_total == 12);
    CHECK(back.files_done == 3);
    CHECK(back.bytes_total == 1000);
    CHECK(back.bytes_done == 250);
    CHECK_FALSE(back.result);
    CHECK_FALSE(back.error);
    CHECK_THROWS_AS(api::result_of(back), Error);
  }

  TEST_CASE("a done job carries the whole PullResult") {
    api::PullJob job;
    job.id = "p3";
    job.request = {{core::RepoType::model, "hfl/rbt3"}, "main", {}, {}};
    job.state = api::JobState::done;
    job.result = sample_result();
    job.commit = job.result->commit;
    auto r = api::result_of(api::pull_job_from_json(api::to_json(job)));
    auto expected = sample_result();
    CHECK(r.commit == expected.commit);
    CHECK(r.snapshot_path == expected.snapshot_path);
    CHECK(r.files == expected.files);
    CHECK(r.bytes == expected.bytes);
    CHECK(r.files_downloaded == expected.files_downloaded);
    CHECK(r.bytes_downloaded == expected.bytes_downloaded);
    CHECK(r.from_cache_only == expected.from_cache_only);
    CHECK(r.symlinks == expected.symlinks);
    CHECK(r.not_in_repo == expected.not_in_repo);
  }

  TEST_CASE("a failed job throws its error as the typed Error with the same exit code") {
    api::PullJob job;
    job.state = api::JobState::failed;
    job.error = api::ApiError{"unauthorized", "gated repo", "accept its conditions"};
    auto back = api::pull_job_from_json(api::to_json(job));
    REQUIRE(back.error);
    CHECK(*back.error == *job.error);
    try {
      api::result_of(back);
      FAIL("a failed job must throw");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::auth);
      CHECK(std::string(e.what()) == "gated repo");
      CHECK(e.hint() == "accept its conditions");
    }
  }

  TEST_CASE("a done job without a snapshot path, or an unknown state, is refused") {
    CHECK_THROWS_AS(api::result_of(api::pull_job_from_json(json{{"state", "done"}})), Error);
    CHECK_THROWS_AS(api::pull_job_from_json(json{{"state", "sleeping"}}), UsageError);
    for (auto s : {api::JobState::queued, api::JobState::running, api::JobState::done, api::JobState::failed})
      CHECK(api::job_state_from_string(api::to_string(s)) == s);
  }
}

TEST_SUITE("api_server_events") {
  TEST_CASE("what the daemon formats, the client parses, however the bytes are chunked") {
    std::string stream = ": ping\n\n" + api::format_sse({"progress", R"({"kind":"bytes"})"}) +
                         "event: done\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n" + api::format_sse({"progress", "late"});
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, stream.size()}) {
      std::vector<api::ServerEvent> seen;
      api::ServerEventParser parser([&](const api::ServerEvent& e) {
        seen.push_back(e);
        return e.name != "done";
      });
      bool going = true;
      for (std::size_t i = 0; i < stream.size() && going; i += chunk) going = parser.feed(std::string_view(stream).substr(i, chunk));
      CAPTURE(chunk);
      CHECK_FALSE(going);
      REQUIRE(seen.size() == 2);
      CHECK(seen[0].name == "progress");
      CHECK(seen[0].data == R"({"kind":"bytes"})");
      CHECK(seen[1].name == "done");
      CHECK(seen[1].data == "{\"a\":\n1}");
    }
  }
}
