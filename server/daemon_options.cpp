#include "daemon_options.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace hfcache::server {

const char* const daemon_usage =
    "usage: hfcached [--config FILE] [--listen HOST:PORT] [--cache-dir DIR] [--endpoint URL] [--offline]\n"
    "                [--token-file FILE] [--log-level LEVEL]\n"
    "\n"
    "  --config FILE       settings file (default $HFCACHE_CONFIG, else /etc/hfcache/hfcache.json if present)\n"
    "  --listen HOST:PORT  where to listen (default 127.0.0.1:8765; off loopback, admin calls need the admin token)\n"
    "  --cache-dir DIR     the hub cache to serve (default $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub)\n"
    "  --endpoint URL      the upstream hub (default $HF_ENDPOINT, else https://huggingface.co); repeated:\n"
    "                      upstream tiers tried in order, a failed one passed over for a while\n"
    "  --offline           never contact the upstream; serve what the cache holds\n"
    "  --token-file FILE   file holding the upstream hub token\n"
    "  --log-level LEVEL   trace, debug, info, warn, error (default info)\n"
    "\n"
    "Signals: SIGHUP reloads the config file, SIGTERM stops after in-flight requests (exit 0).\n";

DaemonOptions parse_daemon_options(const std::vector<std::string>& args) {
  // flag -> settings key ("" for --config, which names the file rather than a key)
  static const std::map<std::string, std::string> valued = {
      {"--config", ""},         {"--listen", "listen"},         {"--cache-dir", "cache_dir"},
      {"--endpoint", "endpoint"}, {"--token-file", "token_file"}, {"--log-level", "log_level"}};
  DaemonOptions out;
  nlohmann::json endpoints = nlohmann::json::array();
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i], value;
    bool has_value = false;
    if (auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      out.help = true;
    } else if (flag == "--version") {
      out.version = true;
    } else if (flag == "--offline") {
      out.flags.insert_or_assign("offline", std::string(1, '1'));  // not = "1": GCC 12 -Wrestrict false positive
    } else if (auto it = valued.find(flag); it != valued.end()) {
      if (!has_value) {
        if (i + 1 >= args.size()) throw UsageError(flag + " needs a value", daemon_usage);
        value = args[++i];
      }
      if (it->second.empty()) {
        out.config_file = value;
      } else if (it->second == "endpoint") {
        endpoints.push_back(value);  // repeated: the tiers in order
      } else {
        out.flags[it->second] = value;
      }
    } else {
      throw UsageError("unknown option '" + args[i] + "'", "run `hfcached --help` for the options");
    }
  }
  if (endpoints.size() == 1) out.flags["endpoint"] = endpoints[0].get<std::string>();
  else if (endpoints.size() > 1) out.flags["endpoint"] = endpoints.dump();
  return out;
}

}  // namespace hfcache::server
