#include "commands.hpp"

#include "core/errors.hpp"

namespace hfcache::cli {

int cmd_doctor(const ArgList&) {
  throw Error(ExitCode::failure, "`hfcache doctor` is being built");
}

}  // namespace hfcache::cli
