#pragma once
// sd_notify(3) without libsystemd: one datagram to the unix socket named by $NOTIFY_SOCKET
// (abstract namespace when it starts with '@'). Does nothing when the variable is unset, as under
// a plain shell; never throws.
#include <string>

namespace hfcache::server {

// Send `state` ("READY=1", "STOPPING=1", "STATUS=..."); true when sent (or nothing to send to).
bool notify_systemd(const std::string& state);

// "RELOADING=1\nMONOTONIC_USEC=<now>": what Type=notify-reload expects at the start of a reload.
std::string reloading_message();

}  // namespace hfcache::server
