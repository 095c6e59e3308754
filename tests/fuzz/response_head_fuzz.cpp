// libFuzzer target for the transport's response-head reader (common/http/response_head.cpp), which
// reads the upstream's head lines as libcurl hands them over. Every input must return (ASan and
// UBSan watch) and every answer must be sound: a head ends only on a blank line, its status is 0 or
// a three-digit code that is not interim, no field name is empty or holds a colon, CR or LF, no
// value starts or ends with a blank, and the reader answers the same with or without the CRLFs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/response_head.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct Head {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> fields;
};

// Feed `input` split at LF (keeping the LF when `keep_newlines`); the heads that ended.
std::vector<Head> read_heads(std::string_view input, bool keep_newlines) {
  hfcache::http::ResponseHeadReader reader;
  std::vector<Head> heads;
  while (!input.empty()) {
    auto end = input.find('\n');
    auto take = end == std::string_view::npos ? input.size() : end + 1;
    auto line = input.substr(0, take);
    input.remove_prefix(take);
    if (!keep_newlines) {
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    }
    if (reader.add_line(line)) {
      Head head{reader.status(), {}};
      auto headers = reader.take_headers();
      head.fields = headers.items();
      heads.push_back(std::move(head));
    }
  }
  return heads;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto with = read_heads(input, true);
  auto without = read_heads(input, false);
  check(with.size() == without.size());
  for (std::size_t i = 0; i < with.size(); ++i) {
    const auto& head = with[i];
    check(head.status == without[i].status && head.fields == without[i].fields);
    check(head.status == 0 || (head.status >= 200 && head.status <= 999));
    for (const auto& [name, value] : head.fields) {
      check(!name.empty());
      check(name.find_first_of(":\r\n") == std::string::npos);
      check(value.empty() || (value.front() != ' ' && value.front() != '\t' && value.back() != ' ' &&
                              value.back() != '\t'));
    }
  }
  return 0;
}
