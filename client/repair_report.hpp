#pragma once
// How `hfcache repair` and `hfcache verify` present a repair::RepairReport: one JSON object, or a
// text report on stdout (every file found damaged, what was or would be done, space freed, and the
// command that finishes the job where one is needed).
#include <nlohmann/json.hpp>

#include "repair/repair.hpp"

namespace hfcache::cli {

nlohmann::json repair_report_json(const repair::RepairReport& report);

// Text report; a dry run says "plan"/"to repair"/"would free" where a real run says what it did.
void print_repair_report(const repair::RepairReport& report, bool dry_run);

}  // namespace hfcache::cli
