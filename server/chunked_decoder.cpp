#include "chunked_decoder.hpp"

#include <algorithm>

#include "http_syntax.hpp"
#include "util/strings.hpp"

namespace hfcache::server {
namespace {

// A size line is a few hex digits and, rarely, a short extension: longer is an attack on memory.
constexpr std::size_t max_size_line = 1024;
// Trailer fields are dropped; they may not be larger than a head's field line.
constexpr std::size_t max_trailer = HeadLimits::field_line;

bool is_ws(char c) { return c == ' ' || c == '\t'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// qdtext, or the character after a backslash in a quoted-pair (which may also be '"' or '\').
bool quoted_char(unsigned char c, bool escaped) {
  if (c == '\t' || c == ' ' || c >= 0x80) return true;
  if (c < 0x21 || c == 0x7f) return false;
  return escaped || (c != '"' && c != '\\');
}

}  // namespace

bool is_chunk_extension(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto skip_ws = [&] {
    while (i < n && is_ws(text[i])) ++i;
  };
  auto token = [&] {
    auto start = i;
    while (i < n && is_tchar(static_cast<unsigned char>(text[i]))) ++i;
    return i > start;
  };
  while (true) {
    auto before = i;
    skip_ws();
    if (i == n) return i == before;  // whitespace is allowed only before ';' and around '='
    if (text[i++] != ';') return false;
    skip_ws();
    if (!token()) return false;
    auto after_name = i;
    skip_ws();
    if (i == n || text[i] != '=') {
      i = after_name;
      continue;
    }
    ++i;
    skip_ws();
    if (i < n && text[i] == '"') {
      for (++i; i < n && text[i] != '"'; ++i) {
        bool escaped = text[i] == '\\';
        if (escaped && ++i == n) return false;
        if (!quoted_char(static_cast<unsigned char>(text[i]), escaped)) return false;
      }
      if (i++ == n) return false;  // no closing quote
    } else if (!token()) {
      return false;
    }
  }
}

void ChunkedDecoder::fail(Refusal refusal) {
  state_ = State::failed;
  refusal_ = refusal;
}

void ChunkedDecoder::end_size_line(std::string_view line, const std::string& body) {
  std::size_t digits = 0;
  std::uint64_t size = 0;
  for (; digits < line.size() && hex_value(line[digits]) >= 0; ++digits) {
    if (size > (UINT64_MAX >> 4)) return fail({400, "a chunk size overflows"});
    size = size << 4 | static_cast<std::uint64_t>(hex_value(line[digits]));
  }
  if (digits == 0) return fail({400, "a chunk size is not a hex number"});
  if (!is_chunk_extension(line.substr(digits))) return fail({400, "a malformed chunk extension"});
  if (size > max_body_ - body.size()) return fail({413, "the body is larger than http_max_body_bytes"});
  remaining_ = size;
  state_ = size == 0 ? State::trailer_line : State::data;
}

void ChunkedDecoder::end_trailer_line(std::string_view line) {
  if (line.empty()) {
    state_ = State::done;
    return;
  }
  auto colon = line.find(':');
  if (is_ws(line.front()) || colon == std::string_view::npos || !is_token(line.substr(0, colon)) ||
      !is_field_value(util::trim(line.substr(colon + 1), " \t")))
    fail({400, "a malformed trailer field"});
}

std::size_t ChunkedDecoder::feed(std::string_view in, std::string& body) {
  std::size_t used = 0;
  while (used < in.size()) {
    switch (state_) {
      case State::done:
      case State::failed:
        return used;
      case State::data: {
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size() - used));
        body.append(in.substr(used, n));
        used += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::data_cr;
        break;
      }
      case State::data_cr:
      case State::data_lf: {
        char want = state_ == State::data_cr ? '\r' : '\n';
        if (in[used++] != want) {
          fail({400, "chunk data not followed by CRLF"});
          return used;
        }
        state_ = state_ == State::data_cr ? State::data_lf : State::size_line;
        break;
      }
      case State::size_line:
      case State::trailer_line: {
        char c = in[used++];
        if (c != '\n') {
          if (!line_.empty() && line_.back() == '\r') {
            fail({400, "a bare CR in chunked framing"});
            return used;
          }
          line_ += c;
          if (state_ == State::size_line && line_.size() > max_size_line) {
            fail({400, "a chunk size line is too long"});
            return used;
          }
          if (state_ == State::trailer_line && ++trailer_bytes_ > max_trailer) {
            fail({431, "the trailer section is too large"});
            return used;
          }
          break;
        }
        if (line_.empty() || line_.back() != '\r') {
          fail({400, "a bare LF in chunked framing (CRLF is required)"});
          return used;
        }
        line_.pop_back();
        if (state_ == State::size_line) end_size_line(line_, body);
        else end_trailer_line(line_);
        line_.clear();
        break;
      }
    }
  }
  return used;
}

}  // namespace hfcache::server
