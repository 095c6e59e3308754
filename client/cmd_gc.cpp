#include "commands.hpp"

#include "core/errors.hpp"

namespace hfcache::cli {

int cmd_gc(const ArgList&) {
  throw Error(ExitCode::failure, "`hfcache gc` is being built");
}

}  // namespace hfcache::cli
