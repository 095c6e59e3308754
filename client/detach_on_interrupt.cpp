#include "detach_on_interrupt.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "api/routes.hpp"

namespace hfcache::cli {
namespace {

// Filled before the handler is set, so the handler only reads it.
char detach_note[1024];
std::size_t detach_note_size = 0;

extern "C" void detach_on_sigint(int) {
  ssize_t ignored = ::write(STDERR_FILENO, detach_note, detach_note_size);
  (void)ignored;
  ::_exit(130);
}

}  // namespace

DetachOnInterrupt::DetachOnInterrupt(const std::string& daemon_url, const std::string& job_id, bool live) {
  std::string note = std::string(live ? "\r\x1b[2K\n" : "\n") + "hfcache: detached; pull " + job_id +
                     " goes on in hfcached at " + daemon_url + ". Follow it: curl " + daemon_url + api::pull_route(job_id) + "\n";
  detach_note_size = std::min(note.size(), sizeof detach_note);
  std::memcpy(detach_note, note.data(), detach_note_size);
  struct sigaction action {};
  action.sa_handler = detach_on_sigint;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &previous_);
}

DetachOnInterrupt::~DetachOnInterrupt() { ::sigaction(SIGINT, &previous_, nullptr); }

}  // namespace hfcache::cli
