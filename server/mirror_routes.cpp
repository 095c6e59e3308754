#include "mirror_routes.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "access_check.hpp"
#include "core/errors.hpp"
#include "daemon_context.hpp"
#include "index/cache_index.hpp"
#include "mirror/mirror_error.hpp"
#include "http/byte_range.hpp"
#include "http/via_header.hpp"
#include "hub/request_via.hpp"
#include "mirror/mirror_service.hpp"
#include "mirror/route.hpp"
#include "mirror_api.hpp"
#include "mirror_file_response.hpp"
#include "mirror_response.hpp"

namespace hfcache::server {
namespace {

// A served revision's last-access time is written to the index at most this often (a SQLite
// write per file request would be the slowest part of serving small files).
constexpr std::chrono::seconds touch_interval{30};

// Upstream requests this thread made for the request it serves: none means the cache answered
// alone (X-Cache: HIT).
thread_local std::uint64_t upstream_requests_here = 0;

// Every Via field of a request, joined as one list.
std::string via_of(const httplib::Request& req) {
  std::string out;
  auto [first, last] = req.headers.equal_range("Via");
  for (auto it = first; it != last; ++it) out += (out.empty() ? "" : ", ") + it->second;
  return out;
}

bool is_api_path(std::string_view path) { return path.starts_with("/v1/") || path == "/v1" || path == "/metrics"; }

// "bytes=A-B", "bytes=A-", "bytes=-N": one range, written the way cpp-httplib's parser accepts it
// (lower-case unit, no spaces), so the fast lane never answers a Range httplib would refuse.
bool httplib_single_range(std::string_view value) {
  if (!value.starts_with("bytes=")) return false;
  value.remove_prefix(6);
  auto dash = value.find('-');
  if (dash == std::string_view::npos || value.find('-', dash + 1) != std::string_view::npos) return false;
  if (value.size() == 1) return false;  // "bytes=-"
  return std::all_of(value.begin(), value.end(), [](char c) { return c == '-' || (c >= '0' && c <= '9'); }) &&
         http::parse_range_header(std::string("bytes=") + std::string(value)).has_value();
}

mirror::MirrorHooks hooks_for(DaemonContext& context) {
  mirror::MirrorHooks hooks;
  hooks.upstream_request = [&context] {
    context.metrics.upstream_requests++;
    ++upstream_requests_here;
  };
  hooks.upstream_bytes = [&context](std::uint64_t n) { context.metrics.upstream_bytes += n; };
  hooks.upstream_error = [&context](const std::string&) { context.metrics.upstream_errors++; };
  hooks.write_cachedir_tag = [&context] {
    auto runtime = context.runtime();
    return !runtime || runtime->settings.write_cachedir_tag;
  };
  hooks.hold = [&context](const core::RepoRef& repo, const std::string& commit) -> std::shared_ptr<void> {
    return std::make_shared<UsageTracker::Lease>(context.usage.acquire(repo, commit));
  };
  return hooks;
}

// Read once at start: the memo and the deadline belong to the one MirrorService of the process.
mirror::MirrorOptions options_for(const DaemonContext& context) {
  mirror::MirrorOptions options;
  if (auto runtime = context.runtime()) {
    options.ref_ttl = std::chrono::seconds(runtime->settings.mirror_ref_ttl_s);
    options.upstream_request_timeout = std::chrono::seconds(runtime->settings.upstream_request_timeout_s);
    // A background question gets several request deadlines, but ends within the shutdown grace.
    options.refresh_timeout = std::min(4 * options.upstream_request_timeout,
                                       std::chrono::milliseconds(std::chrono::seconds(runtime->settings.shutdown_grace_s)));
    options.refresh_timeout = std::max(options.refresh_timeout, options.upstream_request_timeout);
  }
  return options;
}

class MirrorRoutes {
 public:
  MirrorRoutes(std::function<bool()> serving, DaemonContext& context)
      : serving_(std::move(serving)), context_(context), service_(context.layout, hooks_for(context), options_for(context)) {}

  std::optional<FastResponse> fast(const RequestHead& head) {
    std::string_view raw_path = head.target;
    raw_path = raw_path.substr(0, raw_path.find('?'));
    // The /v1 check of handle() runs on the decoded path: take only paths whose first segment reads
    // the same either way.
    auto first_segment = raw_path.substr(0, raw_path.find('/', 1));
    if (first_segment.find('%') != std::string_view::npos || is_api_path(raw_path)) return std::nullopt;
    // Leave to httplib what it reads its own way: a second '?' (400), header values it URL-decodes
    // ('%'), and any Range outside its grammar (it refuses those with 416 before any route runs).
    if (std::count(head.target.begin(), head.target.end(), '?') > 1) return std::nullopt;
    const auto* range = head.header("Range");
    const auto* if_none_match = head.header("If-None-Match");
    if (if_none_match && if_none_match->find('%') != std::string::npos) return std::nullopt;
    if (range && !httplib_single_range(*range)) return std::nullopt;
    try {
      auto route = mirror::parse_route(raw_path);
      if (!route || route->endpoint != mirror::Endpoint::resolve || !route->revision) return std::nullopt;
      auto runtime = context_.runtime();
      // Only what is decided without asking anybody (a public repo, a remembered grant); the slow
      // path makes the full check.
      if (context_.access && runtime) {
        const auto* authorization = head.header("Authorization");
        if (!context_.access->may_list(route->repo, authorization ? *authorization : std::string_view(), *runtime))
          return std::nullopt;
      }
      // A request back at a daemon it passed through: the slow path answers 508. Requests from the
      // tiers below carry Via on every call, so the check is here rather than a bypass of the lane.
      if (const auto* via = head.header("Via"); via && runtime && http::via_contains(*via, runtime->tier_id))
        return std::nullopt;
      auto file = service_.cached_file(route->repo, *route->revision, route->path,
                                       runtime && runtime->hub ? runtime->hub.get() : nullptr);
      if (!file) return std::nullopt;
      const bool head_only = head.method == "HEAD";
      // Recording the use in the index is a SQLite write: the slow path does it.
      if (!head_only && touch_due(route->repo, file->commit)) return std::nullopt;
      auto plan = plan_file_response(*file, range, if_none_match);
      if (runtime) plan.headers.emplace_back("Via", http::append_via("", runtime->tier_id, "hfcached"));
      FastResponse answer;
      answer.head = file_response_head(plan);
      if (plan.has_body() && !head_only && plan.length > 0) {
        answer.file = file->fd;
        answer.offset = plan.start;
        answer.length = plan.length;
        answer.bytes_sent = &context_.metrics.bytes_served;
      }
      context_.metrics.requests_mirror++;
      context_.metrics.requests_fast_lane++;
      if (!head_only) {
        context_.metrics.cache_hits++;
        answer.hold = std::make_shared<UsageTracker::Lease>(context_.usage.acquire(route->repo, file->commit));
      }
      if (plan.status >= 400) context_.metrics.responses_4xx++;
      if (spdlog::should_log(spdlog::level::debug))
        spdlog::debug("{} {} {} {} bytes 0 ms HIT", head.method, raw_path, plan.status, answer.length);
      return answer;
    } catch (const std::exception&) {
      return std::nullopt;  // the slow path words the error
    }
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    if (is_api_path(req.path)) {
      res.status = 404;  // an unknown management route: the API's error handler words it
      return;
    }
    // httplib slices bodies itself for a parsed Range, without checking it against the size; the
    // mirror answers ranges on its own (206/416), so the parsed copy must go. The Request object
    // is not const (httplib owns it and hands a const view), so this is well defined.
    const_cast<httplib::Request&>(req).ranges.clear();
    context_.metrics.requests_mirror++;
    auto runtime = context_.runtime();
    const std::string tier = runtime ? runtime->tier_id : std::string();
    const std::string via = via_of(req);
    const std::uint64_t asked_before = upstream_requests_here;
    try {
      // A request that already passed through this daemon is a loop in the tiers' configuration:
      // answering it would send it round again.
      if (!tier.empty() && http::via_contains(via, tier)) {
        throw mirror::MirrorError(508, "LoopDetected",
                                  "loop in the upstream tiers: this request already passed through " + tier +
                                      " (Via: " + via + "); check the endpoint settings of the tiers it names");
      }
      hub::ViaScope scope(via);
      dispatch(req, res);
    } catch (const mirror::MirrorError& e) {
      send_mirror_error(res, e);
    } catch (const std::exception& e) {
      auto error = mirror::to_mirror_error(e);
      if (error.status() >= 500) {
        context_.metrics.errors++;
        spdlog::error("mirror: {} {}: {}", req.method, req.path, e.what());
      }
      send_mirror_error(res, error);
    }
    // Which tier answered, for clients and curl -I: HIT from this cache alone, MISS through upstream.
    // An error the upstream's absence caused (504, 502) counts as a miss even when none was asked.
    if (!res.has_header("X-Cache"))
      res.set_header("X-Cache", upstream_requests_here != asked_before || res.status >= 500 ? "MISS" : "HIT");
    if (!tier.empty()) res.set_header("Via", http::append_via("", tier, "hfcached"));
  }

 private:
  void dispatch(const httplib::Request& req, httplib::Response& res) {
    auto raw_path = req.target.substr(0, req.target.find('?'));
    auto route = mirror::parse_route(raw_path);
    if (!route) throw mirror::MirrorError(404, "", "no such hub route: " + req.path);
    const bool read = req.method == "GET" || req.method == "HEAD";
    const bool wants_post = route->endpoint == mirror::Endpoint::paths_info;
    if (wants_post ? req.method != "POST" : !read) {
      send_mirror_error(res, mirror::MirrorError(405, "", "method " + req.method + " not allowed here"));
      res.set_header("Allow", wants_post ? "POST" : "GET, HEAD");
      return;
    }
    auto runtime = context_.runtime();  // once per request: a SIGHUP may swap it meanwhile
    std::shared_ptr<hub::HubClient> hub = runtime ? runtime->hub : nullptr;
    if (context_.access && runtime) {
      auto outcome = context_.access->check(route->repo, req.get_header_value("Authorization"), *runtime);
      if (!outcome.allowed) throw access_refusal(route->repo, outcome.decision);
      hub = outcome.fetch_hub;
    }
    switch (route->endpoint) {
      case mirror::Endpoint::auth_check:  // a downstream hfcached asking for its client (tiers)
        send_json(res, {{"ok", true}});
        return;
      case mirror::Endpoint::resolve: return serve_file(*route, req, res, hub);
      case mirror::Endpoint::repo_info: return send_repo_info(service_, *route, req, res, hub);
      case mirror::Endpoint::tree: return send_tree(service_, *route, req, res, hub);
      case mirror::Endpoint::paths_info: return send_paths_info(service_, *route, req, res, hub);
      case mirror::Endpoint::refs: return send_refs(service_, *route, req, res, hub);
    }
  }

  void serve_file(const mirror::Route& route, const httplib::Request& req, httplib::Response& res,
                  const std::shared_ptr<hub::HubClient>& hub) {
    const bool head = req.method == "HEAD";
    auto file = service_.file(route.repo, *route.revision, route.path, hub, !head);
    FileStreamContext stream;
    stream.serving = serving_;
    stream.bytes_served = &context_.metrics.bytes_served;
    if (!head) {
      (file.cache_hit ? context_.metrics.cache_hits : context_.metrics.cache_misses)++;
      stream.hold = std::make_shared<UsageTracker::Lease>(context_.usage.acquire(route.repo, file.commit));
      touch(route.repo, file.commit);
    }
    send_file(req, res, file, std::move(stream));
  }

  bool touch_due(const core::RepoRef& repo, const std::string& commit) {
    std::lock_guard lock(touch_mutex_);
    auto it = touched_.find(repo.folder_name() + "@" + commit);
    return it == touched_.end() || std::chrono::steady_clock::now() - it->second >= touch_interval;
  }

  void touch(const core::RepoRef& repo, const std::string& commit) {
    auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(touch_mutex_);
      auto& last = touched_[repo.folder_name() + "@" + commit];
      if (last.time_since_epoch().count() != 0 && now - last < touch_interval) return;
      last = now;
      if (touched_.size() > 10'000) touched_.clear();
    }
    try {
      context_.index.touch(repo, commit);
    } catch (const std::exception& e) {
      spdlog::warn("mirror: recording the use of {}@{} failed: {}", repo.display(), commit, e.what());
    }
  }

  std::function<bool()> serving_;
  DaemonContext& context_;
  mirror::MirrorService service_;
  std::mutex touch_mutex_;
  std::map<std::string, std::chrono::steady_clock::time_point> touched_;
};

}  // namespace

MirrorHandlers register_mirror_routes(httplib::Server& http, DaemonContext& context, std::function<bool()> serving) {
  auto routes = std::make_shared<MirrorRoutes>(std::move(serving), context);
  // Catch-alls ([\s\S] so decoded %0A cannot slip past): the /v1 routes are registered first.
  http.Get(R"([\s\S]*)", [routes](const httplib::Request& req, httplib::Response& res) { routes->handle(req, res); });
  http.Post(R"([\s\S]*)", [routes](const httplib::Request& req, httplib::Response& res) { routes->handle(req, res); });
  MirrorHandlers handlers;
  handlers.handle = [routes](const httplib::Request& req, httplib::Response& res) { routes->handle(req, res); };
  handlers.fast = [routes](const RequestHead& head) { return routes->fast(head); };
  return handlers;
}

}  // namespace hfcache::server
