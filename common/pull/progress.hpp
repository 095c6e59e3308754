#pragma once
// Progress of a pull, reported through a callback the caller gives: the domain never prints.
// The CLI draws a bar from these events; the daemon turns them into server-sent events.
#include <cstdint>
#include <functional>
#include <string>

namespace hfcache::pull {

struct ProgressEvent {
  enum class Kind {
    planned,      // files_total/bytes_total known: what must be downloaded (path empty)
    file_started, // path, file_total; file_done = bytes already on disk (resume)
    bytes,        // path, file_done of file_total; totals updated
    file_retry,   // path: a transfer broke and resumes (message says why)
    file_done,    // path finished and linked
    finished,     // all done
  };
  Kind kind = Kind::bytes;
  std::string path;
  std::uint64_t file_done = 0, file_total = 0;
  std::uint64_t bytes_done = 0, bytes_total = 0;  // over everything to download
  std::size_t files_done = 0, files_total = 0;
  std::string message;
};

using ProgressFn = std::function<void(const ProgressEvent&)>;

}  // namespace hfcache::pull
