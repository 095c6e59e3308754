#include "commands.hpp"

#include "core/errors.hpp"

namespace hfcache::cli {

int cmd_pin(const ArgList&) {
  throw Error(ExitCode::failure, "`hfcache pin` is being built");
}

int cmd_unpin(const ArgList&) {
  throw Error(ExitCode::failure, "`hfcache unpin` is being built");
}

}  // namespace hfcache::cli
