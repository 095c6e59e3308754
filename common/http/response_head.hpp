#pragma once
// A response head as libcurl hands it over, one line per call (CURLOPT_HEADERFUNCTION): the status
// line, the fields, the blank line that ends it. Interim 1xx heads are dropped whole, an obsolete
// folded line (RFC 9112 section 5.2) joins the previous field with one space, a line that is no
// field is ignored (curl has already judged the framing). Pure; fuzzed by
// tests/fuzz/response_head_fuzz.cpp.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/http_message.hpp"

namespace hfcache::http {

class ResponseHeadReader {
 public:
  // One line, with or without its CRLF. True when it was the blank line ending a final head
  // (status 200 or more, or a status line curl accepted that we cannot read: status 0).
  bool add_line(std::string_view line);
  int status() const { return status_; }
  // The fields of the head just ended; the reader is then ready for the next response.
  HttpHeaders take_headers();

 private:
  int status_ = 0;
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace hfcache::http
