#pragma once
// Command-line parsing for hfcache: each command declares its flags; anything else is a usage
// error (exit 2) that names the flag.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hfcache::cli {

struct FlagSpec {
  std::string name;  // without "--"
  bool takes_value = false;
  bool repeatable = false;
};

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;  // flag -> values (empty string for switches)

  bool has(const std::string& flag) const { return values.count(flag) > 0; }
  std::optional<std::string> value(const std::string& flag) const;
  std::vector<std::string> all(const std::string& flag) const;
};

// Parse argv after the command name. Throws UsageError for unknown flags, missing values and
// flags given twice that are not repeatable.
Args parse_args(const std::vector<std::string>& argv, const std::vector<FlagSpec>& specs, const std::string& command);

}  // namespace hfcache::cli
