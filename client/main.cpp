// hfcache: the command-line client. Dispatches to one function per command and turns the typed
// errors of libhfcache into a message and the exit code of docs/interface.md, in one place.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <algorithm>
#include <system_error>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "core/errors.hpp"

namespace {

constexpr const char* version = "0.1.0";

constexpr const char* usage =
    "usage: hfcache COMMAND [ARGS]\n"
    "\n"
    "  pull REPO        download a revision into the cache and print its snapshot folder\n"
    "  path REPO [F]    print where a snapshot or file lives (offline, from the cache)\n"
    "  ls               list the repos in the cache\n"
    "  show REPO        refs, revisions and files of one repo (and Trainer checkpoint details)\n"
    "  verify [REPO]    check every snapshot file and blob; exit 6 on damage\n"
    "  repair           fix a copied cache in place (links, shortcuts, copies, refs)\n"
    "  export REPO...   write a portable archive (.tar, .tar.gz, .tar.zst)\n"
    "  import SOURCE    merge an archive, a copied cache folder, or a local model (--as ORG/NAME)\n"
    "  rm REPO[@REV]    delete a repo or one revision (blobs other revisions use stay)\n"
    "  gc               evict least recently used revisions until the cache fits --max-size\n"
    "  pin/unpin REPO[@REV]  keep a revision safe from gc, or release it\n"
    "  reindex          rebuild the index after another tool changed the cache folder\n"
    "  doctor [REPO]    explain whether from_pretrained(REPO) would load offline, and how to fix it\n"
    "  status           the state of the daemon (hfcached)\n"
    "\n"
    "Run `hfcache COMMAND --help` for the options of a command. The cache is $HF_HUB_CACHE,\n"
    "else $HF_HOME/hub, else ~/.cache/huggingface/hub, as huggingface_hub uses it.\n";

void print_error(const std::string& what, const std::string& hint) {
  std::fprintf(stderr, "hfcache: error: %s\n", what.c_str());
  if (!hint.empty()) std::fprintf(stderr, "hint: %s\n", hint.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hfcache;
  // Logs (retries, warnings) go to stderr: stdout carries only results such as the snapshot path.
  auto logger = spdlog::stderr_logger_mt("hfcache");
  logger->set_pattern("hfcache: %v");
  spdlog::set_default_logger(logger);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << usage;
    return args.empty() ? static_cast<int>(ExitCode::usage) : 0;
  }
  if (args[0] == "--version") {
    std::cout << "hfcache " << version << "\n";
    return 0;
  }
  static const std::map<std::string, int (*)(const cli::ArgList&)> commands = {
      {"pull", cli::cmd_pull},     {"path", cli::cmd_path},     {"ls", cli::cmd_ls},
      {"show", cli::cmd_show},     {"verify", cli::cmd_verify}, {"repair", cli::cmd_repair},
      {"export", cli::cmd_export}, {"import", cli::cmd_import}, {"rm", cli::cmd_rm},
      {"gc", cli::cmd_gc},         {"pin", cli::cmd_pin},       {"unpin", cli::cmd_unpin},
      {"reindex", cli::cmd_reindex}, {"doctor", cli::cmd_doctor}, {"status", cli::cmd_status}};
  std::string name = args[0];
  args.erase(args.begin());
  try {
    auto it = commands.find(name);
    if (it != commands.end()) return it->second(args);
    throw UsageError("unknown command '" + name + "'", "run `hfcache --help` for the commands");
  } catch (const Error& e) {
    print_error(e.what(), e.hint());
    return static_cast<int>(e.code());
  } catch (const std::filesystem::filesystem_error& e) {
    print_error(e.what(), "check the permissions and free space of the cache folder");
    return static_cast<int>(ExitCode::failure);
  } catch (const std::system_error& e) {
    print_error(e.what(), "check the permissions and free space of the cache folder");
    return static_cast<int>(ExitCode::failure);
  } catch (const std::exception& e) {
    print_error(e.what(), "");
    return static_cast<int>(ExitCode::failure);
  }
}
