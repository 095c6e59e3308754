#include "commands.hpp"

#include "core/errors.hpp"

namespace hfcache::cli {

int cmd_reindex(const ArgList&) {
  throw Error(ExitCode::failure, "`hfcache reindex` is being built");
}

}  // namespace hfcache::cli
