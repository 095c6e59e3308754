#include "request_reader.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace hfcache::server {

void RequestReader::refuse(Refusal refusal) {
  phase_ = Phase::refused;
  refusal_ = refusal;
}

std::size_t RequestReader::feed(std::string_view buffer) {
  std::size_t used = 0;
  if (phase_ == Phase::head) {
    auto parsed = parse_request_head(buffer, limits_.head, scan_);
    if (parsed.state == HeadParse::State::incomplete) return 0;
    if (parsed.state == HeadParse::State::refused) {
      refuse(parsed.refusal);
      return 0;
    }
    head_ = std::move(parsed.head);
    used = head_.length;
    auto decision = decide_framing(head_, limits_.max_body);
    if (decision.refusal) {
      refuse(decision.refusal);
      return used;
    }
    framing_ = decision.framing;
    if (!framing_.has_body()) {
      phase_ = Phase::complete;
      return used;
    }
    if (framing_.kind == BodyFraming::Kind::chunked) chunked_.emplace(limits_.max_body);
    else body_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(framing_.length, 64 * 1024)));
    phase_ = Phase::body;
  }
  if (phase_ != Phase::body) return used;
  auto rest = buffer.substr(used);
  std::size_t taken;
  if (chunked_) {
    taken = chunked_->feed(rest, body_);
    if (chunked_->refusal()) refuse(chunked_->refusal());
    else if (chunked_->done()) phase_ = Phase::complete;
  } else {
    taken = static_cast<std::size_t>(std::min<std::uint64_t>(framing_.length - body_.size(), rest.size()));
    body_.append(rest.substr(0, taken));
    if (body_.size() == framing_.length) phase_ = Phase::complete;
  }
  body_received_ += taken;
  return used + taken;
}

bool RequestReader::take_continue() {
  if (phase_ != Phase::body || !framing_.expect_continue || continue_sent_ || body_received_ > 0) return false;
  continue_sent_ = true;
  return true;
}

std::string RequestReader::handover() const {
  std::string out;
  out.reserve(head_.length + 32 + body_.size());
  out.append(head_.method).append(" ").append(head_.target).append(" ").append(head_.version).append("\r\n");
  for (const auto& [name, value] : head_.headers) {
    // The front has framed the body and answered Expect itself: httplib must not do either again.
    if (util::iequals(name, "Content-Length") || util::iequals(name, "Transfer-Encoding") ||
        util::iequals(name, "Expect"))
      continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  out.append("Content-Length: ").append(std::to_string(body_.size())).append("\r\n\r\n");
  out.append(body_);
  return out;
}

void RequestReader::reset() {
  phase_ = Phase::head;
  scan_ = {};
  head_ = {};
  framing_ = {};
  chunked_.reset();
  body_.clear();
  if (body_.capacity() > 64 * 1024) std::string().swap(body_);  // an idle connection keeps no large buffer
  body_received_ = 0;
  continue_sent_ = false;
  refusal_ = {};
}

}  // namespace hfcache::server
