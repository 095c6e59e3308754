#pragma once
// How `hfcache repair` and `hfcache verify` present a repair::RepairReport as text on stdout (every
// file found damaged, what was or would be done, space freed, and the command that finishes the job
// where one is needed). The JSON objects live in common/repair/report_json.hpp, shared with hfcached.
#include "repair/repair.hpp"
#include "repair/report_json.hpp"

namespace hfcache::cli {

// Text report; a dry run says "plan"/"to repair"/"would free" where a real run says what it did.
void print_repair_report(const repair::RepairReport& report, bool dry_run);

}  // namespace hfcache::cli
