#pragma once
// Ctrl-C during a pull that runs in hfcached: the CLI leaves, the job goes on. While an object of
// this class lives, SIGINT prints where to follow the job and exits 130 at once (the handler only
// calls write() and _exit(), which are async-signal-safe); the previous handler comes back after.
#include <csignal>
#include <string>

namespace hfcache::cli {

class DetachOnInterrupt {
 public:
  // `live`: a progress block is on the terminal; the note clears its line first.
  DetachOnInterrupt(const std::string& daemon_url, const std::string& job_id, bool live);
  ~DetachOnInterrupt();
  DetachOnInterrupt(const DetachOnInterrupt&) = delete;
  DetachOnInterrupt& operator=(const DetachOnInterrupt&) = delete;

 private:
  struct sigaction previous_ {};
};

}  // namespace hfcache::cli
