#pragma once
// The JSON objects `hfcache repair --json` and `hfcache verify --json` print, built in one place so
// hfcached answers POST /v1/repair and /v1/verify with exactly the same objects, and the CLI can
// read a daemon's answer back into a RepairReport to print the same text.
#include <string>

#include <nlohmann/json.hpp>

#include "repair/repair.hpp"

namespace hfcache::repair {

// {"repos": [...], "bytes_freed", "changed", "complete", "symlinks"}
nlohmann::json repair_report_json(const RepairReport& report);
// repair_report_json plus "dry_run": what `hfcache repair --json` prints.
nlohmann::json repair_result_json(const RepairReport& report, bool dry_run);
// What `hfcache verify --json` prints: the report without "changed"/"bytes_freed", plus "ok" and
// "fix_command" (the command that fixes the damage; "" when ok).
nlohmann::json verify_result_json(const RepairReport& report);

// True when verify found any entry not correct.
bool report_damaged(const RepairReport& report);
// "hfcache repair" (or "hfcache repair --verify" for corrupt blobs) plus each repo's finish command.
std::string verify_fix_command(const RepairReport& report);
// The commands that clear every leftover reported ("" when none): "hfcache repair && hfcache gc".
std::string leftovers_clear_command(const RepairReport& report);

// Inverse of repair_report_json (unknown forms read as Form::unknown). Throws
// nlohmann::json::exception on a malformed object.
RepairReport repair_report_from_json(const nlohmann::json& json);
Form form_from_string(std::string_view text);

}  // namespace hfcache::repair
