#include <doctest/doctest.h>
#include <zlib.h>

#include <random>
#include <string>

#include "util/crc32.hpp"

using hfcache::util::crc32_update;

TEST_SUITE("util_crc32") {
  TEST_CASE("equals zlib's crc32 for every length, alignment and starting value") {
    std::mt19937 rng(7);
    std::string data(70000, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    for (std::size_t len : {0, 1, 15, 16, 17, 63, 64, 65, 79, 80, 127, 128, 129, 1000, 4096, 65536, 69999}) {
      for (std::size_t offset : {0, 1, 3, 8}) {
        CAPTURE(len);
        CAPTURE(offset);
        const auto* p = reinterpret_cast<const Bytef*>(data.data() + offset);
        CHECK(crc32_update(0, p, len) == static_cast<std::uint32_t>(crc32_z(0, p, len)));
        CHECK(crc32_update(0xDEADBEEF, p, len) == static_cast<std::uint32_t>(crc32_z(0xDEADBEEF, p, len)));
      }
    }
    CHECK(crc32_update(0, "123456789", 9) == 0xCBF43926u);  // the check value of CRC-32/ISO-HDLC
  }

  TEST_CASE("in pieces it is the same as at once") {
    std::string data(300000, 'x');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 % 253);
    std::uint32_t whole = crc32_update(0, data.data(), data.size());
    std::uint32_t pieces = 0;
    for (std::size_t at = 0, step = 1; at < data.size(); at += step, step = step * 3 % 9973 + 1)
      pieces = crc32_update(pieces, data.data() + at, std::min(step, data.size() - at));
    CHECK(pieces == whole);
  }
}
