#pragma once
// One function per hfcache command; each parses its own flags and returns the exit code.
// Errors are thrown as the typed errors of core/errors.hpp and printed once in main.
#include <string>
#include <vector>

namespace hfcache::cli {

using ArgList = std::vector<std::string>;

int cmd_pull(const ArgList& args);
int cmd_path(const ArgList& args);
int cmd_ls(const ArgList& args);
int cmd_show(const ArgList& args);
int cmd_verify(const ArgList& args);
int cmd_repair(const ArgList& args);
int cmd_export(const ArgList& args);
int cmd_import(const ArgList& args);
int cmd_rm(const ArgList& args);
int cmd_gc(const ArgList& args);
int cmd_pin(const ArgList& args);
int cmd_unpin(const ArgList& args);
int cmd_reindex(const ArgList& args);
int cmd_doctor(const ArgList& args);
int cmd_status(const ArgList& args);

}  // namespace hfcache::cli
