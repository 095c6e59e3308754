// libFuzzer target for the Via header parser (common/http/via_header.cpp), which reads what clients
// and other tiers send to decide on a loop (508). Every input must return (ASan and UBSan watch) and
// every answer must be sound: each entry has a protocol and a received-by without blanks, commas or
// parentheses; appending an entry and parsing again gives the same entries plus that one; and
// via_contains agrees with the parsed list.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/via_header.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool has_any(const std::string& text, std::string_view chars) { return text.find_first_of(chars) != std::string::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hfcache::http;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto entries = parse_via(input);
  for (const auto& entry : entries) {
    check(!entry.protocol.empty() && !entry.received_by.empty());
    check(!has_any(entry.protocol, " \t,(") && !has_any(entry.received_by, " \t,()"));
    check(via_contains(input, entry.received_by));
  }
  // Only a field that ended cleanly can be extended: an unclosed comment swallows what follows.
  std::string value(input);
  auto appended = parse_via(append_via(value, "me.example:1", "hfcached, tier (a)"));
  if (appended.size() == entries.size() + 1) {
    check(appended.back().received_by == "me.example:1");
    check(appended.back().comment == "hfcached, tier (a)");
  }
  check(via_contains(append_via("", via_token(input)), via_token(input)));
  return 0;
}
