#pragma once
// Builds the part of the daemon that SIGHUP may replace (DaemonContext::Runtime) from settings:
// the upstream hub client (none when offline) and the admin token read from admin_token_file.
#include <memory>
#include <stop_token>

#include "daemon_context.hpp"
#include "listen_address.hpp"

namespace hfcache::server {

// Throws UsageError when admin_token_file is configured but unreadable or empty, or when the hub
// token file named by --token-file cannot be read, and when either file is readable by other users.
// `stop` is the daemon's: the hub client's transfers and retry waits end when it is requested.
std::shared_ptr<const Runtime> build_runtime(const config::Settings& settings, const ListenAddress& listen,
                                             std::stop_token stop);

}  // namespace hfcache::server
