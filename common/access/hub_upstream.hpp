#pragma once
// The access policy's Upstream (access_control.hpp) on a hub client: a repo's status from its repo
// info, asked with the daemon's own client; a token's access from GET .../auth-check, asked with a
// client of the same options carrying that token (and only to the endpoint's host).
#include <memory>

#include "access/access_control.hpp"
#include "hub/call_limits.hpp"

namespace hfcache::hub {
class HubClient;
}

namespace hfcache::access {

// `hub` must outlive the returned functions' calls (the caller holds it for the request).
Upstream hub_upstream(std::shared_ptr<hub::HubClient> hub, hub::CallLimits limits);

}  // namespace hfcache::access
