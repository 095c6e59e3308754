// Single-flight pull-through against a loopback upstream: one transfer for many readers, readers
// served while the blob downloads, failures that leave nothing half-written in place.
#include <doctest/doctest.h>

#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "core/blob_store.hpp"
#include "core/refs.hpp"
#include "hub/hub_client.hpp"
#include "mirror/fetch_flight.hpp"
#include "mirror/mirror_error.hpp"
#include "support/loopback_server.hpp"
#include "support/temp_dir.hpp"
#include "util/hash.hpp"

using namespace hfcache;
using namespace hfcache::mirror;
using namespace std::chrono_literals;
using hfcache::test_support::TempDir;
using hfcache::test_support::TestServer;

namespace {

const core::RepoRef repo{core::RepoType::model, "org/m"};

std::string content_bytes(std::size_t n) {
  std::string data;
  for (std::size_t i = 0; i < n; ++i) data += static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return data;
}

// Serves `data` slowly in small pieces at /org/m/resolve/<commit>/file.bin; counts GETs.
struct SlowUpstream {
  TestServer<> server;
  std::atomic<int> gets{0};
  std::string data;
  std::size_t piece = 4096;
  std::chrono::milliseconds pause{5};
  bool corrupt = false;

  explicit SlowUpstream(std::string body) : data(std::move(body)) {
    server.server.Get(R"(/org/m/resolve/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      gets++;
      std::size_t start = 0;
      if (req.has_header("Range")) start = std::stoull(req.get_header_value("Range").substr(6));
      res.status = start ? 206 : 200;
      if (start) res.set_header("Content-Range", "bytes " + std::to_string(start) + "-" + std::to_string(data.size() - 1) + "/" + std::to_string(data.size()));
      res.set_content_provider(data.size() - start, "application/octet-stream",
                               [this, start](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                                 std::this_thread::sleep_for(pause);
                                 std::string chunk = data.substr(start + offset, std::min(piece, length));
                                 if (corrupt) chunk[0] ^= 1;
                                 return sink.write(chunk.data(), chunk.size());
                               });
    });
    server.start();
  }
};

std::string read_all(Flight& flight) {
  std::string out;
  std::vector<char> buf(8192);
  while (out.size() < flight.size()) {
    auto frontier = flight.wait_beyond(out.size(), 5s);
    REQUIRE(frontier > out.size());
    auto n = flight.read(out.size(), buf.data(), buf.size());
    out.append(buf.data(), n);
  }
  return out;
}

}  // namespace

TEST_SUITE("mirror_fetch_flight") {
  TEST_CASE("eight readers, one upstream transfer; readers get bytes before the end; links and refs written") {
    TempDir tmp;
    core::CacheLayout layout(tmp.path);
    SlowUpstream upstream(content_bytes(400'000));  // ~100 pieces, ~0.5 s
    auto hub = std::make_shared<hub::HubClient>(test_support::fast_options(upstream.server.base()));
    auto etag = util::sha256_hex(upstream.data);
    std::atomic<std::uint64_t> upstream_bytes{0};
    FetchHooks hooks;
    hooks.upstream_bytes = [&](std::uint64_t n) { upstream_bytes += n; };
    FlightRegistry registry(layout, hooks);
    const std::string commit(40, 'c');

    std::vector<std::string> got(8);
    std::atomic<int> started{0};
    std::atomic<bool> early_bytes{false};
    std::vector<std::thread> readers;
    for (int i = 0; i < 8; ++i) {
      readers.emplace_back([&, i] {
        FetchJob job{repo, etag, upstream.data.size(), hub->resolve_url(repo, commit, "file.bin"), hub, nullptr, {}};
        bool s = false;
        auto flight = registry.join_or_start(job, {commit, i % 2 ? "file.bin" : "copy/file.bin", "main"}, &s);
        if (s) started++;
        if (flight->wait_beyond(0, 5s) > 0 && !core::blob_present(layout, repo, etag, upstream.data.size())) {
          early_bytes = true;
        }
        got[i] = read_all(*flight);
      });
    }
    for (auto& t : readers) t.join();
    CHECK(started == 1);
    CHECK(upstream.gets == 1);
    CHECK(upstream_bytes == upstream.data.size());
    CHECK(early_bytes);
    for (const auto& g : got) CHECK(g == upstream.data);
    CHECK(core::blob_present(layout, repo, etag, upstream.data.size()));
    CHECK(std::filesystem::read_symlink(layout.snapshot_file(repo, commit, "file.bin")) == "../../blobs/" + etag);
    CHECK(std::filesystem::read_symlink(layout.snapshot_file(repo, commit, "copy/file.bin")) ==
          "../../../blobs/" + etag);
    CHECK(core::read_ref(layout, repo, "main") == commit);
  }

  TEST_CASE("a hash mismatch fails every reader and leaves no blob in place") {
    TempDir tmp;
    core::CacheLayout layout(tmp.path);
    SlowUpstream upstream(content_bytes(50'000));
    upstream.corrupt = true;
    upstream.pause = 0ms;
    auto hub = std::make_shared<hub::HubClient>(test_support::fast_options(upstream.server.base()));
    auto etag = util::sha256_hex(upstream.data);
    std::atomic<int> errors{0};
    FetchHooks hooks;
    hooks.upstream_error = [&](const std::string&) { errors++; };
    FlightRegistry registry(layout, hooks);
    const std::string commit(40, 'c');
    FetchJob job{repo, etag, upstream.data.size(), hub->resolve_url(repo, commit, "file.bin"), hub, nullptr, {}};
    auto flight = registry.join_or_start(job, {commit, "file.bin", "main"});
    CHECK_THROWS_AS(flight->wait_done(10s), MirrorError);
    // The reader never sees the whole body: the last byte waits for the hash.
    CHECK(flight->wait_beyond(0, 0ms) < upstream.data.size());
    CHECK(errors == 1);
    CHECK(!std::filesystem::exists(layout.blob_path(repo, etag)));
    CHECK(!std::filesystem::exists(layout.snapshot_file(repo, commit, "file.bin")));
  }

  TEST_CASE("an unreachable upstream fails the flight quickly; a later request starts a new one") {
    TempDir tmp;
    core::CacheLayout layout(tmp.path);
    auto options = test_support::fast_options("http://127.0.0.1:" + std::to_string(test_support::closed_port()));
    auto hub = std::make_shared<hub::HubClient>(options);
    FlightRegistry registry(layout, {}, FetchOptions{1, 1ms});
    const std::string commit(40, 'c');
    const std::string etag(64, 'e');
    FetchJob job{repo, etag, 10, hub->resolve_url(repo, commit, "f"), hub, nullptr, {}};
    auto first = registry.join_or_start(job, {commit, "f", ""});
    CHECK_THROWS_AS(first->wait_done(10s), MirrorError);
    for (int i = 0; i < 100 && registry.active() > 0; ++i) std::this_thread::sleep_for(10ms);
    bool started = false;
    auto second = registry.join_or_start(job, {commit, "f", ""}, &started);
    CHECK(started);
    CHECK(second != first);
    CHECK_THROWS_AS(second->wait_done(10s), MirrorError);
  }
}
