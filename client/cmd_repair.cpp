// hfcache repair: placeholder until its implementation lands.
#include "commands.hpp"
#include "core/errors.hpp"

namespace hfcache::cli {

int cmd_repair(const ArgList&) {
  throw Error(ExitCode::failure, "`hfcache repair` is not available in this version", "this build has pull, path, ls and show");
}

}  // namespace hfcache::cli
