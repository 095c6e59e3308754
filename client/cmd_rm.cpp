#include "commands.hpp"

#include "core/errors.hpp"

namespace hfcache::cli {

int cmd_rm(const ArgList&) {
  throw Error(ExitCode::failure, "`hfcache rm` is being built");
}

}  // namespace hfcache::cli
