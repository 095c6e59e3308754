#pragma once
// GET /v1/pulls/{id}/events is a text/event-stream: `progress` events (api::to_json of a
// pull::ProgressEvent), then one `done` event (the api::PullJob), then the end of the stream; `: ping`
// comments keep idle connections open. Both sides of that framing: the daemon formats, clients parse.
#include <functional>
#include <string>
#include <string_view>

namespace hfcache::api {

inline constexpr std::string_view progress_event = "progress";
inline constexpr std::string_view done_event = "done";

struct ServerEvent {
  std::string name;  // "progress" or "done"
  std::string data;  // one line of JSON
};

// "event: NAME\ndata: DATA\n\n"
std::string format_sse(const ServerEvent& event);

// Splits a stream of bytes, however it is chunked, into events (the `event:` and `data:` fields,
// several data lines joined by '\n'; comments and other fields ignored).
class ServerEventParser {
 public:
  // `on_event` returns false to stop reading.
  explicit ServerEventParser(std::function<bool(const ServerEvent&)> on_event);
  // False once `on_event` asked to stop.
  bool feed(std::string_view bytes);

 private:
  std::function<bool(const ServerEvent&)> on_event_;
  std::string pending_;
  ServerEvent event_{"message", ""};
};

}  // namespace hfcache::api
