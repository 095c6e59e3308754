#include "api/server_events.hpp"

namespace hfcache::api {

std::string format_sse(const ServerEvent& event) {
  std::string out = "event: ";
  out += event.name;
  out += "\ndata: ";
  out += event.data;
  out += "\n\n";
  return out;
}

ServerEventParser::ServerEventParser(std::function<bool(const ServerEvent&)> on_event) : on_event_(std::move(on_event)) {}

bool ServerEventParser::feed(std::string_view bytes) {
  pending_.append(bytes);
  std::size_t start = 0, eol;
  bool keep_going = true;
  while (keep_going && (eol = pending_.find('\n', start)) != std::string::npos) {
    std::string_view line(pending_.data() + start, eol - start);
    start = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto field = [&](std::string_view name) {
      auto value = line.substr(name.size());
      return value.starts_with(' ') ? value.substr(1) : value;
    };
    if (line.empty()) {  // a blank line dispatches the event
      if (!event_.data.empty()) keep_going = on_event_(event_);
      event_ = {"message", ""};
    } else if (line.starts_with("event:")) {
      event_.name = field("event:");
    } else if (line.starts_with("data:")) {
      if (!event_.data.empty()) event_.data += '\n';
      event_.data += field("data:");
    }
  }
  pending_.erase(0, start);
  return keep_going;
}

}  // namespace hfcache::api
