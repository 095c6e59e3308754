#include "pull_via_daemon.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error_codes.hpp"
#include "core/errors.hpp"

namespace hfcache::cli {
namespace {

using nlohmann::json;

// Polling cadence when the event stream is gone: often enough for a progress bar, cheap for the daemon.
constexpr auto poll_interval = std::chrono::milliseconds(300);

// What SIGINT prints before the CLI leaves the job to the daemon; filled before the handler is set,
// so the handler only calls write() and _exit() (async-signal-safe).
char detach_note[1024];
std::size_t detach_note_size = 0;

extern "C" void detach_on_sigint(int) {
  ssize_t ignored = ::write(STDERR_FILENO, detach_note, detach_note_size);
  (void)ignored;
  ::_exit(130);
}

// Installs the detach handler for its lifetime.
class DetachOnInterrupt {
 public:
  DetachOnInterrupt(const std::string& base_url, const std::string& id, bool live) {
    std::string note = std::string(live ? "\r\x1b[2K\n" : "\n") + "hfcache: detached; pull " + id +
                       " goes on in hfcached at " + base_url + ". Follow it: curl " + base_url + "/v1/pulls/" + id + "\n";
    detach_note_size = std::min(note.size(), sizeof detach_note);
    std::memcpy(detach_note, note.data(), detach_note_size);
    struct sigaction action {};
    action.sa_handler = detach_on_sigint;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &previous_);
  }
  ~DetachOnInterrupt() { ::sigaction(SIGINT, &previous_, nullptr); }
  DetachOnInterrupt(const DetachOnInterrupt&) = delete;
  DetachOnInterrupt& operator=(const DetachOnInterrupt&) = delete;

 private:
  struct sigaction previous_ {};
};

bool finished(const json& job) {
  auto state = job.value("state", "");
  return state == "done" || state == "failed";
}

// GET /v1/pulls/{id} until the job has finished, feeding the bar the totals it reports.
json poll_until_finished(const DaemonClient& daemon, const std::string& id, ProgressBar& bar) {
  for (;;) {
    auto reply = daemon.get("/v1/pulls/" + id);
    DaemonClient::raise_for_status(reply, "following pull " + id);
    auto job = reply.json();
    if (finished(job)) return job;
    pull::ProgressEvent e;
    e.kind = pull::ProgressEvent::Kind::bytes;
    e.bytes_done = job.value("bytes_done", std::uint64_t{0});
    e.bytes_total = job.value("bytes_total", std::uint64_t{0});
    e.files_done = job.value("files_done", std::size_t{0});
    e.files_total = job.value("files_total", std::size_t{0});
    bar.on_event(e);
    std::this_thread::sleep_for(poll_interval);
  }
}

std::string string_or_empty(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

pull::PullResult pull_result_from_job(const json& job) {
  auto state = job.value("state", "");
  if (state == "failed") {
    const auto& err = job.contains("error") && job["error"].is_object() ? job["error"] : json::object();
    auto message = string_or_empty(err, "message");
    if (message.empty()) message = "the pull failed in hfcached";
    throw Error(core::exit_code_from_name(string_or_empty(err, "code"), 0), message, string_or_empty(err, "hint"));
  }
  if (state != "done")
    throw Error(ExitCode::failure, "hfcached reported the pull as '" + state + "', not finished",
                "check the daemon's log (journalctl -u hfcached)");
  pull::PullResult r;
  r.commit = string_or_empty(job, "commit");
  r.snapshot_path = string_or_empty(job, "snapshot_path");
  if (r.snapshot_path.empty())
    throw Error(ExitCode::failure, "hfcached finished the pull without a snapshot path", "check the daemon's log");
  r.files = job.value("files", std::size_t{0});
  r.bytes = job.value("bytes", std::uint64_t{0});
  r.files_downloaded = job.value("files_downloaded", std::size_t{0});
  r.bytes_downloaded = job.value("bytes_downloaded", std::uint64_t{0});
  r.from_cache_only = job.value("from_cache_only", false);
  r.symlinks = job.value("symlinks", true);
  if (job.contains("not_in_repo") && job["not_in_repo"].is_array())
    for (const auto& name : job["not_in_repo"])
      if (name.is_string()) r.not_in_repo.push_back(name.get<std::string>());
  return r;
}

pull::PullResult pull_via_daemon(const DaemonClient& daemon, const pull::PullRequest& request, ProgressBar& bar) {
  json body = {{"repo", request.repo.id},           {"type", core::to_string(request.repo.type)},
               {"revision", request.revision},      {"include", request.include},
               {"exclude", request.exclude}};
  auto reply = daemon.post("/v1/pulls", body);
  DaemonClient::raise_for_status(reply, "starting the pull in hfcached");
  auto id = string_or_empty(reply.json(), "id");
  if (id.empty()) throw Error(ExitCode::failure, "hfcached accepted the pull but sent no job id", "check the daemon's log");
  if (bar.mode() != ProgressBar::Mode::quiet)
    std::fprintf(stderr, "hfcache: pulling through hfcached at %s (job %s)\n", daemon.base_url().c_str(), id.c_str());

  DetachOnInterrupt detach(daemon.base_url(), id, bar.mode() == ProgressBar::Mode::live);
  std::optional<json> job;
  try {
    daemon.events("/v1/pulls/" + id + "/events", [&](const std::string& event, const std::string& data) {
      try {
        if (event == "progress") bar.on_event(progress_event_from_json(json::parse(data)));
        if (event == "done") {
          job = json::parse(data);
          return false;
        }
      } catch (const json::exception&) {
        // A malformed event is skipped; the final state is read again below if need be.
      }
      return true;
    });
  } catch (...) {
    bar.finish();
    throw;
  }
  try {
    // The stream broke (or the daemon streams no events): ask for the job's state instead.
    if (!job || !finished(*job)) job = poll_until_finished(daemon, id, bar);
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();
  return pull_result_from_job(*job);
}

}  // namespace hfcache::cli
