#include "pull/options_from_settings.hpp"

namespace hfcache::pull {

PullOptions options_from_settings(const config::Settings& settings) {
  PullOptions options;
  options.max_workers = settings.max_workers;
  options.chunk_size = settings.chunk_size;
  options.parallel_threshold = settings.parallel_threshold;
  options.max_stalls = settings.max_retries;  // a broken transfer is retried as often as a failed request
  options.write_cachedir_tag = settings.write_cachedir_tag;
  options.disable_symlinks = settings.disable_symlinks;
  options.journal_dir = settings.state_dir;
  return options;
}

}  // namespace hfcache::pull
