#include "config/settings.hpp"

#include <cctype>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/repo_id.hpp"
#include "util/fs.hpp"

namespace hfcache::config {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

fs::path home() { return env("HOME").value_or("/root"); }

fs::path expand_user(const std::string& p) {
  if (p == "~") return home();
  if (p.starts_with("~/")) return home() / p.substr(2);
  return p;
}

bool truthy(const std::string& v) {
  std::string lower;
  for (char c : v) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "1" || lower == "on" || lower == "yes" || lower == "true";
}

// One row per key: how to apply a string value (from a flag, env or file) to Settings.
struct Key {
  const char* name;
  const char* type;
  const char* env;  // "" when no environment variable sets it
  const char* doc;
  std::function<void(Settings&, const std::string&)> apply;
};

int parse_int(const std::string& key, const std::string& v, int lo, int hi) {
  try {
    std::size_t used = 0;
    int n = std::stoi(v, &used);
    if (used != v.size() || n < lo || n > hi) throw std::out_of_range(v);
    return n;
  } catch (const std::exception&) {
    throw UsageError("bad value '" + v + "' for " + key, "expected a whole number from " + std::to_string(lo) +
                                                             " to " + std::to_string(hi));
  }
}

// A JSON array of strings (a config file value), or one string.
std::vector<std::string> string_list(const std::string& key, const std::string& v) {
  if (!v.starts_with('[')) return {v};
  json doc;
  try {
    doc = json::parse(v);
  } catch (const json::exception&) {
    throw UsageError("bad value for " + key + ": not a JSON array", "write a JSON array of strings");
  }
  std::vector<std::string> out;
  for (const auto& item : doc) {
    if (!item.is_string()) throw UsageError("bad value for " + key + ": " + item.dump() + " is not a string");
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::string endpoint_url(std::string v) {
  if (!v.starts_with("http://") && !v.starts_with("https://"))
    throw UsageError("bad endpoint '" + v + "'", "give an http:// or https:// URL");
  while (v.ends_with('/')) v.pop_back();
  return v;
}

void set_endpoints(Settings& s, const std::string& v) {
  std::vector<std::string> list;
  for (auto& item : string_list("endpoint", v)) list.push_back(endpoint_url(std::move(item)));
  if (list.empty()) throw UsageError("the endpoint list is empty", "give at least one upstream URL");
  for (std::size_t i = 0; i < list.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (list[i] == list[j]) throw UsageError("endpoint " + list[i] + " is listed twice");
  s.endpoints = std::move(list);
  s.endpoint = s.endpoints.front();
}

const std::vector<Key>& keys() {
  static const std::vector<Key> table = {
      {"cache_dir", "path", "HF_HUB_CACHE", "the hub cache folder (default ~/.cache/huggingface/hub, or $HF_HOME/hub)",
       [](Settings& s, const std::string& v) { s.cache_dir = expand_user(v); }},
      {"endpoint", "url or list", "HF_ENDPOINT",
       "the upstream hub, or a list of upstream tiers tried in order (a JSON array; --endpoint repeated); "
       "HF_ENDPOINT is one URL (default https://huggingface.co)",
       [](Settings& s, const std::string& v) { set_endpoints(s, v); }},
      {"token_file", "path", "HF_TOKEN_PATH", "file holding the hub token (default $HF_HOME/token)",
       [](Settings& s, const std::string& v) { s.token_file = expand_user(v).string(); }},
      {"offline", "bool", "HF_HUB_OFFLINE", "never contact the upstream; answer from the cache only",
       [](Settings& s, const std::string& v) { s.offline = truthy(v); }},
      {"ca_bundle", "path", "", "PEM bundle to verify the upstream's TLS certificate (default: system CA store)",
       [](Settings& s, const std::string& v) { s.ca_bundle = expand_user(v).string(); }},
      {"connect_timeout_s", "int", "", "seconds to wait for a connection to the upstream (default 10)",
       [](Settings& s, const std::string& v) { s.connect_timeout_s = parse_int("connect_timeout_s", v, 1, 600); }},
      {"read_timeout_s", "int", "", "seconds without data before a transfer counts as stalled (default 30)",
       [](Settings& s, const std::string& v) { s.read_timeout_s = parse_int("read_timeout_s", v, 1, 3600); }},
      {"max_workers", "int", "", "parallel connections per pull (default 8)",
       [](Settings& s, const std::string& v) { s.max_workers = parse_int("max_workers", v, 1, 64); }},
      {"max_retries", "int", "", "retries of a failed request or broken transfer (default 5)",
       [](Settings& s, const std::string& v) { s.max_retries = parse_int("max_retries", v, 0, 100); }},
      {"chunk_size_mb", "int", "", "size of the parallel ranges a large file is split into (default 32)",
       [](Settings& s, const std::string& v) {
         s.chunk_size = static_cast<std::uint64_t>(parse_int("chunk_size_mb", v, 1, 4096)) << 20;
       }},
      {"listen", "host:port", "", "where hfcached listens (default 127.0.0.1:8765)",
       [](Settings& s, const std::string& v) { s.listen = v; }},
      {"daemon_url", "url", "HFCACHE_URL", "where the CLI finds hfcached",
       [](Settings& s, const std::string& v) { s.daemon_url = v; }},
      {"state_dir", "path", "", "our own state, outside the hub cache (default $XDG_STATE_HOME/hfcache)",
       [](Settings& s, const std::string& v) { s.state_dir = expand_user(v); }},
      {"disable_symlinks", "bool", "HF_HUB_DISABLE_SYMLINKS",
       "store snapshot files as copies, not links, as huggingface_hub does where links are impossible",
       [](Settings& s, const std::string& v) { s.disable_symlinks = truthy(v); }},
      {"write_cachedir_tag", "bool", "",
       "write CACHEDIR.TAG at the cache root as huggingface_hub >= 1.9 does (scan_cache_dir of 0.x warns about it)",
       [](Settings& s, const std::string& v) { s.write_cachedir_tag = truthy(v); }},
      {"log_level", "string", "", "trace, debug, info, warn, error (default info)",
       [](Settings& s, const std::string& v) { s.log_level = v; }},
      {"admin_token_file", "path", "",
       "file holding the bearer token for admin calls to hfcached (required when it listens off loopback)",
       [](Settings& s, const std::string& v) { s.admin_token_file = expand_user(v).string(); }},
      {"http_threads", "int", "", "hfcached worker threads for requests the event loops hand over (API calls, pull-through, listings); each streaming response holds one, idle connections none (default 96)",
       [](Settings& s, const std::string& v) { s.http_threads = parse_int("http_threads", v, 4, 1024); }},
      {"max_concurrent_pulls", "int", "", "hfcached pull jobs that run at once; more wait in a queue (default 2)",
       [](Settings& s, const std::string& v) { s.max_concurrent_pulls = parse_int("max_concurrent_pulls", v, 1, 64); }},
      {"shutdown_grace_s", "int", "", "seconds hfcached lets in-flight requests finish after SIGTERM (default 10)",
       [](Settings& s, const std::string& v) { s.shutdown_grace_s = parse_int("shutdown_grace_s", v, 0, 3600); }},
      {"http_max_headers", "int", "", "hfcached: header fields a request may have; more is 431 (default 100)",
       [](Settings& s, const std::string& v) { s.http_max_headers = parse_int("http_max_headers", v, 10, 10000); }},
      {"http_max_header_bytes", "int", "",
       "hfcached: bytes of a request head (request line and fields); more is 431 (default 32768)",
       [](Settings& s, const std::string& v) {
         s.http_max_header_bytes = parse_int("http_max_header_bytes", v, 8192, 1 << 20);
       }},
      {"http_max_body_bytes", "int", "",
       "hfcached: bytes of a request body (API calls, paths-info); more is 413 (default 1048576)",
       [](Settings& s, const std::string& v) {
         s.http_max_body_bytes = parse_int("http_max_body_bytes", v, 1024, 1 << 30);
       }},
      {"http_header_timeout_s", "int", "",
       "hfcached: seconds a request head may take from its first byte; then 408 and close (default 10)",
       [](Settings& s, const std::string& v) {
         s.http_header_timeout_s = parse_int("http_header_timeout_s", v, 1, 3600);
       }},
      {"http_body_timeout_s", "int", "",
       "hfcached: seconds a request body may take, plus one per http_body_min_rate bytes received; then 408 and "
       "close (default 10)",
       [](Settings& s, const std::string& v) { s.http_body_timeout_s = parse_int("http_body_timeout_s", v, 1, 3600); }},
      {"http_body_min_rate", "int", "",
       "hfcached: bytes per second a request body must keep up after http_body_timeout_s (default 1024)",
       [](Settings& s, const std::string& v) {
         s.http_body_min_rate = parse_int("http_body_min_rate", v, 1, 1 << 30);
       }},
      {"upstream_request_timeout_s", "int", "",
       "hfcached: seconds an upstream call of a mirror request may take, retries included, when the cache "
       "can answer instead (refs, listings it holds); then the cache answers (default 2)",
       [](Settings& s, const std::string& v) {
         s.upstream_request_timeout_s = parse_int("upstream_request_timeout_s", v, 1, 600);
       }},
      // Tiers: one block (docs/fleet.md).
      {"tier_id", "string", "",
       "hfcached: this daemon's entry in Via, by which a request looping back is refused with 508 (default "
       "host name:listen port)",
       [](Settings& s, const std::string& v) { s.tier_id = v; }},
      {"tier_backoff_s", "int", "",
       "hfcached: seconds a failed upstream tier is passed over before it is tried first again; doubles while "
       "it keeps failing (default 10)",
       [](Settings& s, const std::string& v) { s.tier_backoff_s = parse_int("tier_backoff_s", v, 1, 3600); }},
      {"tier_backoff_max_s", "int", "", "hfcached: the longest a failed upstream tier is passed over (default 300)",
       [](Settings& s, const std::string& v) {
         s.tier_backoff_max_s = parse_int("tier_backoff_max_s", v, 1, 86400);
       }},
      {"prefetch", "list", "",
       "hfcached: revisions pulled at start and kept pinned, as a JSON array of \"repo@rev\" (\"datasets/org/x@main\")",
       [](Settings& s, const std::string& v) {
         s.prefetch = string_list("prefetch", v);
         for (const auto& spec : s.prefetch) {
           try {
             core::parse_repo_arg(spec, std::nullopt, true);
           } catch (const UsageError& e) {
             throw UsageError("bad prefetch entry '" + spec + "': " + e.what(),
                              "write \"org/name@revision\" (\"datasets/org/name@main\" for a dataset)");
           }
         }
       }},
      {"mirror_ref_ttl_s", "int", "",
       "hfcached: seconds a branch or tag -> commit answer from upstream is reused before asking again (default 20)",
       [](Settings& s, const std::string& v) { s.mirror_ref_ttl_s = parse_int("mirror_ref_ttl_s", v, 0, 86400); }},
      {"access", "string", "",
       "hfcached: \"hub\" (default) gives gated and private repos only to clients whose own token the upstream "
       "accepts; \"open\" serves every repo to everyone (single-user machines)",
       [](Settings& s, const std::string& v) {
         if (v != "hub" && v != "open")
           throw UsageError("bad value '" + v + "' for access", "use \"hub\" (the upstream decides) or \"open\"");
         s.access = v;
       }},
      {"access_grant_ttl_s", "int", "",
       "hfcached: seconds a client token's access to a restricted repo is remembered before asking again (default 600)",
       [](Settings& s, const std::string& v) {
         s.access_grant_ttl_s = parse_int("access_grant_ttl_s", v, 0, 7 * 86400);
       }},
      {"access_deny_ttl_s", "int", "",
       "hfcached: seconds a refusal of a client token for a restricted repo is remembered (default 60)",
       [](Settings& s, const std::string& v) { s.access_deny_ttl_s = parse_int("access_deny_ttl_s", v, 0, 86400); }},
      {"access_offline_grace_s", "int", "",
       "hfcached: while the upstream cannot be asked, a grant this recent keeps its access (default 2592000, 30 days)",
       [](Settings& s, const std::string& v) {
         s.access_offline_grace_s = parse_int("access_offline_grace_s", v, 0, 365 * 86400);
       }},
      {"protect_restricted_repos", "bool", "",
       "hfcached: the folders of gated and private repos are the service user's only (0700), so other local users "
       "cannot read them around the access check (default off; on in the installed service's config)",
       [](Settings& s, const std::string& v) { s.protect_restricted_repos = truthy(v); }},
  };
  return table;
}

const Key* find_key(const std::string& name) {
  for (const auto& k : keys())
    if (name == k.name) return &k;
  return nullptr;
}

void apply_file(Settings& s, const fs::path& file) {
  auto text = util::read_small_file(file);
  if (!text) throw UsageError("cannot read config file " + file.string(), "check the path and its permissions");
  json doc;
  try {
    doc = json::parse(*text);
  } catch (const json::exception& e) {
    throw UsageError("config file " + file.string() + " is not valid JSON: " + e.what());
  }
  if (!doc.is_object()) throw UsageError("config file " + file.string() + " must hold a JSON object");
  for (auto& [name, value] : doc.items()) {
    const Key* key = find_key(name);
    if (!key) throw UsageError("unknown key '" + name + "' in " + file.string(), "see config/hfcache.json for the keys");
    std::string v = value.is_string() ? value.get<std::string>() : value.dump();
    try {
      key->apply(s, v);
    } catch (const UsageError& e) {
      throw UsageError(std::string(e.what()) + " (key '" + name + "' in " + file.string() + ")", e.hint());
    }
    s.origin[name] = "file " + file.string();
  }
}

}  // namespace

Settings load_settings(const FlagValues& flags, const std::optional<std::string>& config_file) {
  Settings s;
  fs::path hf_home = env("HF_HOME") ? expand_user(*env("HF_HOME"))
                                    : (env("XDG_CACHE_HOME") ? fs::path(*env("XDG_CACHE_HOME")) : home() / ".cache") / "huggingface";
  s.cache_dir = hf_home / "hub";
  s.state_dir = (env("XDG_STATE_HOME") ? fs::path(*env("XDG_STATE_HOME")) : home() / ".local" / "state") / "hfcache";
  for (const auto& k : keys()) s.origin[k.name] = "default";

  // Layer 3: the config file.
  std::optional<fs::path> file;
  if (config_file) file = *config_file;
  else if (auto e = env("HFCACHE_CONFIG")) file = *e;
  else if (fs::exists("/etc/hfcache/hfcache.json")) file = "/etc/hfcache/hfcache.json";
  if (file) apply_file(s, *file);

  // Layer 2: the environment.
  if (env("HF_HOME") && !env("HF_HUB_CACHE") && !env("HUGGINGFACE_HUB_CACHE")) {
    s.cache_dir = hf_home / "hub";
    s.origin["cache_dir"] = "env HF_HOME";
  }
  if (auto legacy = env("HUGGINGFACE_HUB_CACHE"); legacy && !env("HF_HUB_CACHE")) {
    s.cache_dir = expand_user(*legacy);
    s.origin["cache_dir"] = "env HUGGINGFACE_HUB_CACHE";
  }
  for (const auto& k : keys()) {
    if (!*k.env) continue;
    if (auto v = env(k.env)) {
      // HF_ENDPOINT is one URL for every client that reads it; a list is the config's or the flags'.
      if (std::string_view(k.name) == "endpoint") {
        if (v->starts_with('['))
          throw UsageError("HF_ENDPOINT holds a list", "HF_ENDPOINT is one URL for every client; put the list of "
                                                       "upstream tiers in the config file's endpoint key");
        s.endpoint = endpoint_url(*v);
        s.endpoints = {s.endpoint};
        s.origin[k.name] = std::string("env ") + k.env;
        continue;
      }
      k.apply(s, *v);
      s.origin[k.name] = std::string("env ") + k.env;
    }
  }
  if (!s.token_file) s.token_file = (hf_home / "token").string();

  // Layer 1: flags.
  for (const auto& [name, value] : flags) {
    const Key* key = find_key(name);
    if (!key) throw UsageError("unknown setting '" + name + "'");
    key->apply(s, value);
    s.origin[name] = "flag";
  }
  s.cache_dir = fs::absolute(s.cache_dir).lexically_normal();
  return s;
}

const std::vector<KeyDoc>& documented_keys() {
  static const std::vector<KeyDoc> docs = [] {
    std::vector<KeyDoc> out;
    for (const auto& k : keys()) out.push_back({k.name, k.type, k.env, k.doc});
    return out;
  }();
  return docs;
}

}  // namespace hfcache::config
