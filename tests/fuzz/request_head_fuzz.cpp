// libFuzzer target for the front's request reader: the request-head parser, the framing decision and
// the body reader (chunked decoding included) together, as a connection feeds them. Every input must
// return (ASan and UBSan watch) and every answer must be sound:
//   - the reader never consumes more than it was given, and the answer does not depend on how the
//     bytes were split (whole, or in pieces sized by the first input byte);
//   - a refusal has one of the front's statuses and a reason;
//   - a complete request's handover (what cpp-httplib reads) is itself a strict request with the same
//     method, target and version, one Content-Length, no Transfer-Encoding, and exactly the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "request_reader.hpp"

namespace {

using hfcache::server::RequestLimits;
using hfcache::server::RequestReader;
using Phase = RequestReader::Phase;

void check(bool ok) {
  if (!ok) std::abort();
}

struct Outcome {
  Phase phase;
  int status = 0;
  std::size_t consumed = 0;
  std::string handover;
};

Outcome read_all(std::string_view wire, std::size_t step, const RequestLimits& limits) {
  RequestReader reader(limits);
  std::string buffer;
  Outcome out;
  std::size_t at = 0;
  while (true) {
    auto piece = wire.substr(at, step);
    buffer.append(piece);
    at += piece.size();
    auto used = reader.feed(buffer);
    check(used <= buffer.size());
    buffer.erase(0, used);
    out.consumed += used;
    auto phase = reader.phase();
    if (phase == Phase::complete || phase == Phase::refused || at == wire.size()) break;
  }
  out.phase = reader.phase();
  if (out.phase == Phase::refused) {
    out.status = reader.refusal().status;
    check(!reader.refusal().reason.empty());
    for (int s : {400, 413, 414, 417, 431, 501, 505})
      if (s == out.status) return out;
    std::abort();
  }
  if (out.phase == Phase::complete) out.handover = reader.handover();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t step = data[0] % 16 + 1;
  std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  RequestLimits limits;
  limits.head.section = 4096;  // small limits, so the fuzzer reaches them
  limits.head.fields = 20;
  limits.max_body = 2048;

  auto whole = read_all(wire, wire.size() + 1, limits);
  auto pieces = read_all(wire, step, limits);
  check(whole.phase == pieces.phase && whole.status == pieces.status && whole.handover == pieces.handover);
  if (whole.phase == Phase::complete) check(whole.consumed == pieces.consumed);
  if (whole.phase != Phase::complete) return 0;

  // The handover is a strict request of its own, framed by its one Content-Length.
  RequestLimits roomy;  // the handover may be a little longer than the original head
  roomy.max_body = limits.max_body;
  RequestReader again(roomy);
  const auto& handover = whole.handover;
  check(again.feed(handover) == handover.size());
  check(again.phase() == Phase::complete);
  check(again.handover() == handover);
  const auto& head = again.head();
  check(head.count("Transfer-Encoding") == 0 && head.count("Content-Length") == 1 && head.count("Expect") == 0);
  RequestReader original(limits);
  original.feed(wire);
  check(original.head().method == head.method && original.head().target == head.target &&
        original.head().version == head.version);
  return 0;
}
