// hfcached: the daemon. This first version only parses its settings and answers /v1/health; the
// hub mirror, REST API and index arrive with issue #3.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "core/errors.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args) {
    if (a == "--version") {
      std::puts("hfcached 0.1.0");
      return 0;
    }
  }
  std::fprintf(stderr, "hfcached: error: the daemon is not implemented in this version\n"
                       "hint: use the hfcache CLI, which works in-process\n");
  return 1;
}
