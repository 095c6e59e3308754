#include "commands.hpp"

#include "core/errors.hpp"

namespace hfcache::cli {

int cmd_status(const ArgList&) {
  throw Error(ExitCode::failure, "`hfcache status` is being built");
}

}  // namespace hfcache::cli
