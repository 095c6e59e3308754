#pragma once
// The pull options a settings value asks for: one mapping for the CLI and the daemon's pull jobs.
#include "config/settings.hpp"
#include "pull/puller.hpp"

namespace hfcache::pull {

PullOptions options_from_settings(const config::Settings& settings);

}  // namespace hfcache::pull
