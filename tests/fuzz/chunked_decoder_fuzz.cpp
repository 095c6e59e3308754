// libFuzzer target for the front's chunked-body decoder. Every input must return (ASan and UBSan
// watch) and every answer must be sound: the decoder never consumes more than it was given, stops at
// the end of the body or the first fault, decodes no more than the limit nor more bytes than it read,
// and gives the same answer whether the bytes come whole or in pieces (sized by the first input byte).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "chunked_decoder.hpp"

namespace {

using hfcache::server::ChunkedDecoder;

constexpr std::uint64_t max_body = 4096;

void check(bool ok) {
  if (!ok) std::abort();
}

struct Outcome {
  bool done = false;
  int status = 0;
  std::size_t consumed = 0;
  std::string body;
};

Outcome decode(std::string_view wire, std::size_t step) {
  ChunkedDecoder decoder(max_body);
  Outcome out;
  while (out.consumed < wire.size() && !decoder.done() && !decoder.refusal()) {
    auto piece = wire.substr(out.consumed, step);
    auto used = decoder.feed(piece, out.body);
    check(used <= piece.size());
    out.consumed += used;
    if (used < piece.size()) check(decoder.done() || decoder.refusal());
  }
  out.done = decoder.done();
  out.status = decoder.refusal().status;
  check(!(out.done && out.status));
  if (out.status) check(!decoder.refusal().reason.empty() && (out.status == 400 || out.status == 413 || out.status == 431));
  check(out.body.size() <= max_body && out.body.size() <= out.consumed);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t step = data[0] % 8 + 1;
  std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto whole = decode(wire, wire.size() + 1);
  auto pieces = decode(wire, step);
  check(whole.done == pieces.done && whole.status == pieces.status && whole.body == pieces.body &&
        whole.consumed == pieces.consumed);
  return 0;
}
