// CacheService: the in-process service on its own (gc and pins through the index, rm refusing what
// is in use, the folder when the index cannot be opened), and the same questions asked of a real
// hfcached's routes (in this process, on a loopback port) through DaemonCacheService: every answer
// and every error must be the same either way.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>

#include "api/gc_call.hpp"
#include "api/pin_call.hpp"
#include "api/removal.hpp"
#include "api/repo_listing_json.hpp"
#include "api_routes.hpp"
#include "core/errors.hpp"
#include "daemon_context.hpp"
#include "index/cache_index.hpp"
#include "index_test_cache.hpp"
#include "pull_jobs.hpp"
#include "repair/report_json.hpp"
#include "request_hooks.hpp"
#include "service/daemon_cache_service.hpp"
#include "service/local_cache_service.hpp"
#include "support/loopback_server.hpp"

using namespace hfcache;
using namespace hfcache::test_support;
namespace fs = std::filesystem;

namespace {

void set_mtime(const fs::path& p, int seconds_ago) {
  fs::last_write_time(p, fs::file_time_type::clock::now() - std::chrono::seconds(seconds_ago));
}

config::Settings offline_settings(const TestCache& c) {
  config::Settings s;
  s.cache_dir = c.root;
  s.state_dir = c.state;
  s.offline = true;
  return s;
}

// A LocalCacheService over `index`, as the CLI runs it (nothing in use) unless `in_use` says otherwise.
service::LocalBacking backing(const TestCache& c, index::CacheIndex& index, std::vector<std::string>* warnings,
                              maintenance::InUseFn in_use = {}) {
  auto settings = std::make_shared<const config::Settings>(offline_settings(c));
  return {c.layout,
          [settings] { return settings; },
          [&index]() -> index::CacheIndex& { return index; },
          [] { return std::shared_ptr<hub::HubClient>(); },
          std::move(in_use),
          [warnings](const std::string& text) { warnings->push_back(text); }};
}

// Two repos: org/a with an old revision (refs/pr/1) and main sharing a blob, org/b with main.
void fill(TestCache& c) {
  auto a = TestCache::model("org/a");
  auto b = TestCache::model("org/b");
  c.add_file(a, sha('1'), "config.json", "{}");
  c.add_file(a, sha('1'), "w.bin", std::string(100, 'o'));
  c.add_file(a, sha('2'), "config.json", "{}");
  c.add_file(a, sha('2'), "w.bin", std::string(100, 'n'));
  c.set_ref(a, "main", sha('2'));
  c.set_ref(a, "refs/pr/1", sha('1'));
  c.add_file(b, sha('3'), "w.bin", std::string(50, 'b'));
  c.set_ref(b, "main", sha('3'));
  set_mtime(c.layout.snapshot_dir(a, sha('1')), 3000);
  set_mtime(c.layout.snapshot_dir(b, sha('3')), 2000);
  set_mtime(c.layout.snapshot_dir(a, sha('2')), 1000);
}

// What `call` throws, as (exit code, message, hint); ok when it does not throw.
struct Outcome {
  int code = 0;
  std::string message, hint;
  bool operator==(const Outcome&) const = default;
};
template <class F>
Outcome outcome(F call) {
  try {
    call();
    return {};
  } catch (const Error& e) {
    return {static_cast<int>(e.code()), e.what(), e.hint()};
  }
}

// hfcached's /v1 routes in this process, on the cache of `c`, offline.
struct LoopbackDaemon {
  explicit LoopbackDaemon(TestCache& c)
      : index(c.layout, index::CacheIndex::default_path(c.state)), context(c.layout, index), pulls(context, 1),
        api(context, pulls, "127.0.0.1:0") {
    auto runtime = std::make_shared<server::Runtime>();
    runtime->settings = offline_settings(c);
    context.set_runtime(runtime);
    server::register_api_routes(http.server, api);
    server::install_request_hooks(http.server, api, {});
    http.start();
  }
  std::unique_ptr<service::DaemonCacheService> client() {
    return std::make_unique<service::DaemonCacheService>(service::make_daemon_transport(http.base(), ""));
  }
  index::CacheIndex index;
  server::DaemonContext context;
  server::PullJobs pulls;
  server::ApiServices api;
  TestServer<> http;
};

// A filled cache, hfcached serving it, and the in-process service on the same index.
struct Both {
  Both() { fill(c); }
  TestCache c;
  LoopbackDaemon daemon{c};
  std::vector<std::string> warnings;
  service::LocalCacheService local{backing(c, daemon.index, &warnings)};
  std::unique_ptr<service::DaemonCacheService> remote = daemon.client();
};

}  // namespace

TEST_SUITE("service_local") {
  TEST_CASE("gc reads pins and access times from the index, skips what is in use, and refreshes the index") {
    TestCache c;
    fill(c);
    index::CacheIndex idx(c.layout, index::CacheIndex::default_path(c.state));
    idx.rebuild();
    idx.set_pinned(TestCache::model("org/a"), sha('1'), true);
    std::vector<std::string> warnings;
    auto in_use = [](const core::RepoRef& r, const std::string&) { return r.id == "org/b"; };
    service::LocalCacheService local(backing(c, idx, &warnings, in_use));
    auto plan = local.gc({std::uint64_t{1}, true});
    CHECK(plan.dry_run);
    CHECK(plan.skipped == std::vector<std::string>{"org/a@" + sha('1') + ": pinned", "org/b@" + sha('3') + ": in use"});
    REQUIRE(plan.evicted.size() == 1);
    CHECK(plan.evicted[0].commits == std::vector<std::string>{sha('2')});
    CHECK(fs::exists(c.layout.snapshot_dir(TestCache::model("org/a"), sha('2'))));  // dry run
    auto done = local.gc({std::uint64_t{1}, false});
    CHECK(done.evicted == plan.evicted);
    CHECK_FALSE(done.fits);
    CHECK_FALSE(fs::exists(c.layout.snapshot_dir(TestCache::model("org/a"), sha('2'))));
    CHECK(idx.repo(TestCache::model("org/a"), false)->revisions.size() == 1);
    CHECK(warnings.empty());
  }

  TEST_CASE("a pin is a use: the pinned revision is evicted last once unpinned") {
    TestCache c;
    fill(c);
    index::CacheIndex idx(c.layout, index::CacheIndex::default_path(c.state));
    idx.rebuild();
    std::vector<std::string> warnings;
    service::LocalCacheService local(backing(c, idx, &warnings));
    auto pinned = local.pin({TestCache::model("org/a"), "refs/pr/1", true});
    CHECK(pinned == api::PinAnswer{TestCache::model("org/a"), sha('1'), true});
    CHECK(idx.is_pinned(TestCache::model("org/a"), sha('1')));
    local.pin({TestCache::model("org/a"), "refs/pr/1", false});
    auto plan = local.gc({std::uint64_t{200}, true});
    REQUIRE_FALSE(plan.evicted.empty());
    CHECK(plan.evicted[0].commits == std::vector<std::string>{sha('3')});  // not the oldest snapshot, sha 1: it was used
    CHECK_THROWS_AS(local.pin({TestCache::model("org/a"), "v9", true}), NotFoundError);
  }

  TEST_CASE("rm refuses a revision in use, before deleting anything") {
    TestCache c;
    fill(c);
    index::CacheIndex idx(c.layout, index::CacheIndex::default_path(c.state));
    std::vector<std::string> warnings;
    auto in_use = [](const core::RepoRef&, const std::string& commit) { return commit == sha('2'); };
    service::LocalCacheService local(backing(c, idx, &warnings, in_use));
    CHECK_THROWS_AS(local.remove({TestCache::model("org/a"), std::nullopt, false}), InUseError);
    CHECK(fs::exists(c.layout.snapshot_dir(TestCache::model("org/a"), sha('2'))));
    auto removed = local.remove({TestCache::model("org/a"), std::string("refs/pr/1"), false});
    CHECK(removed.commits == std::vector<std::string>{sha('1')});
    CHECK_FALSE(removed.whole_repo);
    CHECK(idx.repo(TestCache::model("org/a"), false)->revisions.size() == 1);
  }

  TEST_CASE("ls and show read the folder, with a warning, when the index cannot be opened") {
    TestCache c;
    fill(c);
    std::vector<std::string> warnings;
    auto settings = std::make_shared<const config::Settings>(offline_settings(c));
    service::LocalCacheService local({c.layout,
                                      [settings] { return settings; },
                                      []() -> index::CacheIndex& { throw Error(ExitCode::failure, "no index here"); },
                                      [] { return std::shared_ptr<hub::HubClient>(); },
                                      {},
                                      [&](const std::string& text) { warnings.push_back(text); }});
    auto repos = local.list_repos();
    REQUIRE(repos.size() == 2);
    CHECK(repos[0].revisions.size() == 2);
    CHECK(local.find_repo(TestCache::model("org/b"))->revisions.at(0).file_list.size() == 1);
    CHECK_FALSE(local.find_repo(TestCache::model("org/none")));
    REQUIRE(warnings.size() == 3);
    CHECK(warnings[0] == "no index here; reading the cache folder instead");
    // gc never runs without the pins the index keeps.
    CHECK_THROWS_WITH(local.gc({std::uint64_t{1}, false}), "no index here");
  }
}

TEST_SUITE("service_daemon_parity") {
  TEST_CASE("every call answers the same through hfcached as in-process") {
    Both both;
    auto& [c, daemon, warnings, local, remote] = both;
    auto health = remote->health();
    REQUIRE(health);
    CHECK(health->cache_dir == c.root.string());
    CHECK(health->offline);

    auto listed = api::repo_list_json(remote->list_repos());
    CHECK(listed == api::repo_list_json(local.list_repos()));
    CHECK(listed["repos"].size() == 2);
    auto a = TestCache::model("org/a");
    CHECK(api::repo_detail_json(*remote->find_repo(a)) == api::repo_detail_json(*local.find_repo(a)));
    CHECK_FALSE(remote->find_repo(TestCache::model("org/none")));

    CHECK(repair::verify_result_json(remote->verify({a})) == repair::verify_result_json(local.verify({a})));
    CHECK(repair::repair_report_json(remote->verify({})) == repair::repair_report_json(local.verify({})));
    CHECK(repair::repair_result_json(remote->repair({true, true, false}), true) ==
          repair::repair_result_json(local.repair({true, true, false}), true));

    api::RemoveRequest rm{a, std::string("refs/pr/1"), true};
    CHECK(remote->remove(rm) == local.remove(rm));
    CHECK(remote->gc({std::uint64_t{120}, true}) == local.gc({std::uint64_t{120}, true}));
    CHECK(remote->reindex().repos == 2);
    CHECK(remote->pin({a, "main", true}) == api::PinAnswer{a, sha('2'), true});
    CHECK(daemon.index.is_pinned(a, sha('2')));
    CHECK(remote->pin({a, "main", false}) == local.pin({a, "main", false}));

    rm.dry_run = false;
    auto removed = remote->remove(rm);
    CHECK(removed.commits == std::vector<std::string>{sha('1')});
    CHECK_FALSE(fs::exists(c.layout.snapshot_dir(a, sha('1'))));
    CHECK(warnings.empty());
  }

  TEST_CASE("errors come back as the same typed errors, messages and hints") {
    Both both;
    auto& [c, daemon, warnings, local, remote] = both;
    auto none = TestCache::model("org/none");
    auto same = [](auto call_remote, auto call_local) {
      auto r = outcome(call_remote), l = outcome(call_local);
      CHECK(r.code != 0);
      CHECK(r == l);
    };
    same([&] { remote->remove({none, std::nullopt, true}); }, [&] { local.remove({none, std::nullopt, true}); });
    same([&] { remote->pin({TestCache::model("org/a"), "v9", true}); }, [&] { local.pin({TestCache::model("org/a"), "v9", true}); });
    same([&] { remote->verify({none}); }, [&] { local.verify({none}); });
    pull::PullRequest missing{none, "main", {}, {}, true};
    same([&] { remote->pull(missing, {}); }, [&] { local.pull(missing, {}); });
    CHECK(outcome([&] { remote->pin({none, "main", true}); }).code == static_cast<int>(ExitCode::not_found));
  }

  TEST_CASE("a pull through the daemon reports its job and progress and returns the same result") {
    Both both;
    auto& [c, daemon, warnings, local, remote] = both;
    pull::PullRequest request{TestCache::model("org/a"), "main", {}, {}, true};
    std::string job, url;
    auto result = remote->pull(request, {{}, [&](const std::string& id, const std::string& daemon_url) {
                                           job = id;
                                           url = daemon_url;
                                         }});
    CHECK_FALSE(job.empty());
    CHECK(url == daemon.http.base());
    auto expected = local.pull(request, {});
    CHECK(result.commit == sha('2'));
    CHECK(result.commit == expected.commit);
    CHECK(result.snapshot_path == expected.snapshot_path);
    CHECK(result.from_cache_only == expected.from_cache_only);
    CHECK(result.files == expected.files);
  }
}
