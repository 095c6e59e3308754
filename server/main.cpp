// hfcached: the daemon. Parses its flags into settings (flags > environment > config file >
// defaults), blocks the signals it handles before any thread starts, and runs a Daemon until
// SIGTERM/SIGINT. Typed errors become one message on stderr and the exit code of docs/interface.md.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "daemon.hpp"
#include "daemon_options.hpp"
#include "signal_loop.hpp"

namespace {

void print_error(const std::string& what, const std::string& hint) {
  std::fprintf(stderr, "hfcached: error: %s\n", what.c_str());
  if (!hint.empty()) std::fprintf(stderr, "hint: %s\n", hint.c_str());
}

void setup_logging() {
  auto logger = spdlog::stderr_logger_mt("hfcached");
  // journald stamps every line itself; elsewhere the time helps.
  logger->set_pattern(std::getenv("JOURNAL_STREAM") ? "%l: %v" : "%Y-%m-%dT%H:%M:%S.%e %l: %v");
  spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hfcache;
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    auto options = server::parse_daemon_options(args);
    if (options.help) {
      std::fputs(server::daemon_usage, stdout);
      return 0;
    }
    if (options.version) {
      std::puts("hfcached 0.1.0");
      return 0;
    }
    setup_logging();
    server::block_daemon_signals();
    auto settings = config::load_settings(options.flags, options.config_file);
    server::Daemon daemon(options.flags, options.config_file, settings);
    server::SignalLoop signals([&daemon] { daemon.stop(); }, [&daemon] { daemon.reload(); });
    return daemon.run();
  } catch (const Error& e) {
    print_error(e.what(), e.hint());
    return static_cast<int>(e.code());
  } catch (const std::filesystem::filesystem_error& e) {
    print_error(e.what(), "check the permissions of the cache and state folders");
    return static_cast<int>(ExitCode::failure);
  } catch (const std::exception& e) {
    print_error(e.what(), "");
    return static_cast<int>(ExitCode::failure);
  }
}
