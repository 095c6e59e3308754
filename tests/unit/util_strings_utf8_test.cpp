#include <doctest/doctest.h>

#include "util/strings.hpp"
#include "util/utf8.hpp"

using namespace hfcache::util;

TEST_SUITE("util_strings") {
  TEST_CASE("ascii case folding leaves non-ASCII bytes alone") {
    CHECK(ascii_lower("HTTPS_Proxy") == "https_proxy");
    CHECK(ascii_lower("\xc3\x89") == "\xc3\x89");
    CHECK(iequals("Content-Length", "content-length"));
    CHECK_FALSE(iequals("Content-Length", "Content-Lengt"));
  }
  TEST_CASE("trim removes only the given characters") {
    CHECK(trim("  a b \r\n") == "a b");
    CHECK(trim(" \t ") == "");
    CHECK(trim("\ra\r", " \t") == "\ra\r");
  }
}

TEST_SUITE("util_utf8") {
  TEST_CASE("well-formed UTF-8 is accepted") {
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  }
  TEST_CASE("overlong forms, surrogates, truncation and stray bytes are refused") {
    CHECK_FALSE(is_valid_utf8("\xc0\xae"));          // overlong '.'
    CHECK_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // U+D800
    CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(is_valid_utf8("\xc3"));
    CHECK_FALSE(is_valid_utf8("\x80"));
    CHECK_FALSE(is_valid_utf8("\xc3\x28"));
  }
  TEST_CASE("lenient decoding keeps invalid bytes as themselves") {
    CHECK(decode_utf8_lenient("a\xc3\xa9") == U"a\u00e9");
    CHECK(decode_utf8_lenient("\xc0\xae") == std::u32string{0xc0, 0xae});
  }
  TEST_CASE("encoding round-trips every length") {
    for (char32_t c : {U'a', U'\u00e9', U'\u20ac', U'\U0001F600'}) {
      std::string out;
      append_utf8(out, c);
      CHECK(decode_utf8_lenient(out) == std::u32string(1, c));
      CHECK(is_valid_utf8(out));
    }
  }
}
