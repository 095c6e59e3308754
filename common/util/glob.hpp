#pragma once
// Glob matching exactly like Python's fnmatch.fnmatchcase, which huggingface_hub uses for
// allow_patterns/ignore_patterns: case-sensitive, '*' also matches '/', '?' one character,
// [seq] and [!seq] classes. A pattern ending in '/' matches everything below that folder.
#include <string>
#include <string_view>
#include <vector>

namespace hfcache::util {

bool glob_match(std::string_view pattern, std::string_view text);

// huggingface_hub filter_repo_objects: kept if it matches some include (or none given) and no exclude.
bool glob_filter(std::string_view path, const std::vector<std::string>& include, const std::vector<std::string>& exclude);

}  // namespace hfcache::util
