#pragma once
// Settings shared by hfcache and hfcached, layered as docs/interface.md "Settings" says: flags, then the
// environment (HF_HUB_CACHE, HF_HOME, HF_ENDPOINT, HF_TOKEN, HF_TOKEN_PATH, HF_HUB_OFFLINE,
// HFCACHE_CONFIG, HFCACHE_URL), then the config file, then defaults. Every key is declared once in
// the table in settings.cpp with its type, default, environment name and one-line doc.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hfcache::config {

struct Settings {
  std::filesystem::path cache_dir;  // the hub cache folder
  std::string endpoint = "https://huggingface.co";  // the first of `endpoints`
  std::optional<std::string> token_file;  // a file holding the hub token (never the token itself)
  bool offline = false;
  std::string ca_bundle;
  int connect_timeout_s = 10;
  int read_timeout_s = 30;
  int max_workers = 8;
  int max_retries = 5;
  std::uint64_t chunk_size = 32ull << 20;
  std::uint64_t parallel_threshold = 64ull << 20;
  std::string daemon_url;  // HFCACHE_URL: where the CLI finds hfcached
  std::string listen = "127.0.0.1:8765";
  std::filesystem::path state_dir;  // our own state (index), outside the hub cache
  std::string log_level = "info";
  // A file holding the bearer token that admin calls of hfcached need (the daemon checks it, the CLI
  // sends it; HFCACHE_ADMIN_TOKEN overrides it for the CLI). Required when listening off loopback.
  std::optional<std::string> admin_token_file;
  int http_threads = 96;          // hfcached: request threads (streams and keep-alive connections each hold one)
  int max_concurrent_pulls = 2;   // hfcached: pull jobs running at once; more wait in a queue
  int shutdown_grace_s = 10;      // hfcached: how long SIGTERM waits for in-flight requests
  // hfcached's limits on what a client may send (413, 431) and how slowly (408); see README.
  int http_max_headers = 100;
  int http_max_header_bytes = 32 * 1024;
  int http_max_body_bytes = 1 << 20;
  int http_header_timeout_s = 10;
  int http_body_timeout_s = 10;
  int http_body_min_rate = 1024;  // bytes/s
  // hfcached's mirror: the longest an upstream call may take while the cache could answer instead
  // (then the cache answers and the upstream is asked again in the background), and how long a
  // branch -> commit answer from upstream is reused.
  int upstream_request_timeout_s = 2;
  int mirror_ref_ttl_s = 20;
  bool disable_symlinks = false;   // copies instead of links, as huggingface_hub on Windows
  bool write_cachedir_tag = true;  // CACHEDIR.TAG as huggingface_hub >= 1.9 writes it
  // hfcached's access control for gated and private repos (docs/interface.md "Access to gated and
  // private repos"): "hub" lets the upstream decide per client token, "open" serves everyone.
  std::string access = "hub";
  int access_grant_ttl_s = 600;             // a granted (token, repo) is asked again after this
  int access_deny_ttl_s = 60;               // a refused one after this
  int access_offline_grace_s = 30 * 86400;  // offline, a grant this recent still counts
  bool protect_restricted_repos = false;    // folders of gated/private repos: the service user's only (0700)

  // Tiers (docs/interface.md "Tiers", docs/fleet.md): the upstreams in the order tried, this
  // daemon's Via id ("" = host name and listen port), how long a failed upstream is passed over
  // (doubling to the max), and the revisions fetched at start and kept pinned ("repo@rev", with
  // "datasets/" or "spaces/" before the id for those types).
  std::vector<std::string> endpoints{"https://huggingface.co"};
  std::string tier_id;
  int tier_backoff_s = 10;
  int tier_backoff_max_s = 300;
  std::vector<std::string> prefetch;

  // key -> where its value came from ("default", "env HF_HOME", "file /etc/hfcache/hfcache.json", "flag")
  std::map<std::string, std::string> origin;
};

// Flags given on the command line, by config key ("cache_dir", "endpoint", ...).
using FlagValues = std::map<std::string, std::string>;

// Resolve the settings. `config_file` is --config; throws UsageError naming file and key for an
// unknown key or a bad value, and for a --config file that does not exist.
Settings load_settings(const FlagValues& flags, const std::optional<std::string>& config_file);

// The documented key table, for `hfcache config show` and the README.
struct KeyDoc {
  std::string key, type, env, doc;
};
const std::vector<KeyDoc>& documented_keys();

}  // namespace hfcache::config
