#include "repair/report_json.hpp"

#include <algorithm>

namespace hfcache::repair {

using nlohmann::json;

json repair_report_json(const RepairReport& report) {
  json repos = json::array();
  for (const auto& r : report.repos) {
    json entries = json::array();
    for (const auto& e : r.entries)
      entries.push_back({{"path", e.path}, {"found", to_string(e.found)}, {"action", e.action},
                         {"fixed", e.fixed}, {"bytes_freed", e.bytes_freed}, {"finish", e.finish}});
    json leftovers = json::array();
    for (const auto& l : r.leftovers) leftovers.push_back({{"path", l.path}, {"kind", l.kind}, {"clear", l.clear}});
    repos.push_back({{"repo", r.repo.id}, {"type", core::to_string(r.repo.type)}, {"folder", r.repo.folder_name()},
                     {"entries_ok", r.entries_ok}, {"entries", entries}, {"leftovers", leftovers},
                     {"bytes_freed", r.bytes_freed},
                     {"complete", r.complete}, {"finish_command", r.finish_command}});
  }
  return {{"repos", repos}, {"bytes_freed", report.bytes_freed}, {"changed", report.changed},
          {"complete", report.complete()}, {"symlinks", report.symlinks}};
}

json repair_result_json(const RepairReport& report, bool dry_run) {
  auto out = repair_report_json(report);
  out["dry_run"] = dry_run;
  return out;
}

bool report_damaged(const RepairReport& report) {
  for (const auto& r : report.repos)
    if (!r.entries.empty()) return true;
  return false;
}

std::string verify_fix_command(const RepairReport& report) {
  bool corrupt = false;
  for (const auto& r : report.repos)
    for (const auto& e : r.entries) corrupt = corrupt || e.found == Form::corrupt;
  std::string fix = corrupt ? "hfcache repair --verify" : "hfcache repair";
  for (const auto& r : report.repos)
    if (!r.complete) fix += " && " + r.finish_command;
  return fix;
}

std::string leftovers_clear_command(const RepairReport& report) {
  std::vector<std::string> commands;
  for (const auto& r : report.repos)
    for (const auto& l : r.leftovers)
      if (std::find(commands.begin(), commands.end(), l.clear) == commands.end()) commands.push_back(l.clear);
  std::sort(commands.rbegin(), commands.rend());  // "hfcache repair" before "hfcache gc"
  std::string out;
  for (const auto& c : commands) out += (out.empty() ? "" : " && ") + c;
  return out;
}

json verify_result_json(const RepairReport& report) {
  auto out = repair_report_json(report);
  out.erase("changed");
  out.erase("bytes_freed");
  bool damaged = report_damaged(report);
  out["ok"] = !damaged;
  out["fix_command"] = damaged ? verify_fix_command(report) : "";
  out["leftovers_command"] = leftovers_clear_command(report);
  return out;
}

Form form_from_string(std::string_view text) {
  for (int i = 0; i <= static_cast<int>(Form::unknown); ++i) {
    auto form = static_cast<Form>(i);
    if (to_string(form) == text) return form;
  }
  return Form::unknown;
}

RepairReport repair_report_from_json(const json& in) {
  RepairReport report;
  for (const auto& r : in.at("repos")) {
    RepoReport repo;
    repo.repo = {core::parse_repo_type(r.at("type").get<std::string>()), r.at("repo").get<std::string>()};
    repo.entries_ok = r.at("entries_ok").get<std::size_t>();
    repo.bytes_freed = r.value("bytes_freed", std::uint64_t{0});
    repo.complete = r.at("complete").get<bool>();
    repo.finish_command = r.value("finish_command", "");
    for (const auto& e : r.at("entries")) {
      EntryReport entry;
      entry.path = e.at("path").get<std::string>();
      entry.found = form_from_string(e.at("found").get<std::string>());
      entry.action = e.value("action", "");
      entry.fixed = e.value("fixed", false);
      entry.bytes_freed = e.value("bytes_freed", std::uint64_t{0});
      entry.finish = e.value("finish", "");
      repo.entries.push_back(std::move(entry));
    }
    for (const auto& l : r.value("leftovers", json::array()))  // absent from older daemons
      repo.leftovers.push_back({l.at("path").get<std::string>(), l.at("kind").get<std::string>(),
                                l.value("clear", "")});
    report.repos.push_back(std::move(repo));
  }
  report.bytes_freed = in.value("bytes_freed", std::uint64_t{0});
  report.changed = in.value("changed", false);
  report.symlinks = in.value("symlinks", true);
  return report;
}

}  // namespace hfcache::repair
