#include "args.hpp"

#include "core/errors.hpp"

namespace hfcache::cli {

std::optional<std::string> Args::value(const std::string& flag) const {
  auto it = values.find(flag);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::all(const std::string& flag) const {
  auto it = values.find(flag);
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

Args parse_args(const std::vector<std::string>& argv, const std::vector<FlagSpec>& specs, const std::string& command) {
  Args args;
  auto hint = "see `hfcache " + command + " --help`";
  bool only_positional = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (only_positional || a.size() < 2 || a[0] != '-' || a == "-") {
      args.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    std::string name = a.starts_with("--") ? a.substr(2) : a.substr(1);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "h") name = "help";
    if (name == "q") name = "quiet";
    const FlagSpec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == name) spec = &s;
    if (!spec) throw UsageError("unknown option '" + a + "' for `hfcache " + command + "`", hint);
    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else {
        if (i + 1 >= argv.size()) throw UsageError("option --" + name + " needs a value", hint);
        value = argv[++i];
      }
    } else if (inline_value) {
      throw UsageError("option --" + name + " takes no value", hint);
    }
    auto& slot = args.values[name];
    if (!slot.empty() && !spec->repeatable) throw UsageError("option --" + name + " given twice", hint);
    slot.push_back(value);
  }
  return args;
}

}  // namespace hfcache::cli
