#pragma once
// Which member names of a zip export Windows cannot hold once extracted into a hub folder, and why
// (docs/interface.md "Portable archive"). The rules are those of Win32 file naming
// (learn.microsoft.com "Naming Files, Paths, and Namespaces"), which Explorer and tar.exe obey:
// reserved device names with any extension, trailing dots or spaces, `<>:"|?*\` and control
// characters, names equal but for case (NTFS folders are case-insensitive), and MAX_PATH (260
// UTF-16 units with the final NUL) under a typical cache root.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hfcache::archive {

// A typical hub folder on Windows with a 20-character user name: the root the length rule assumes.
inline constexpr std::string_view typical_windows_hub_root = R"(C:\Users\aaaaaaaaaaaaaaaaaaaa\.cache\huggingface\hub\)";
// MAX_PATH counts the terminating NUL: a full path may have 259 UTF-16 units.
inline constexpr std::size_t windows_max_path = 260;

struct WindowsPathProblem {
  std::string path;  // member name, '/'-separated, relative to the hub folder
  std::string why;
};

// The reason a single name (one path component) is not a valid Windows file name; "" if it is.
std::string windows_name_problem(std::string_view component);

// Every problem of `paths` (member names of files; their folders are checked as well), in the
// order of `paths`; a path appears once per reason.
std::vector<WindowsPathProblem> windows_path_problems(const std::vector<std::string>& paths);

// "  PATH: WHY" lines, for the refusal and the --force warning.
std::string describe(const std::vector<WindowsPathProblem>& problems);

}  // namespace hfcache::archive
