#pragma once
// Typed errors of the domain. Each carries the exit code of docs/interface.md and a hint that tells
// the user what to do next. Thrown by common/, caught once in each program's main (and mapped
// to JSON errors by the server).
#include <stdexcept>
#include <string>

namespace hfcache {

enum class ExitCode : int {
  ok = 0,
  failure = 1,    // any other failure
  usage = 2,      // bad usage or bad input
  not_found = 3,  // repo, revision or file does not exist
  auth = 4,       // token missing or refused, gated repo not accepted
  offline = 5,    // upstream unreachable and the cache cannot answer
  integrity = 6,  // a blob does not match its hash, or verify found damage
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& what, std::string hint = {})
      : std::runtime_error(what), code_(code), hint_(std::move(hint)) {}
  ExitCode code() const noexcept { return code_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  ExitCode code_;
  std::string hint_;
};

struct UsageError : Error {
  explicit UsageError(const std::string& what, std::string hint = {})
      : Error(ExitCode::usage, what, std::move(hint)) {}
};
struct NotFoundError : Error {
  explicit NotFoundError(const std::string& what, std::string hint = {})
      : Error(ExitCode::not_found, what, std::move(hint)) {}
};
struct AuthError : Error {
  explicit AuthError(const std::string& what, std::string hint = {})
      : Error(ExitCode::auth, what, std::move(hint)) {}
};
struct OfflineError : Error {
  explicit OfflineError(const std::string& what, std::string hint = {})
      : Error(ExitCode::offline, what, std::move(hint)) {}
};
// A revision is being served or pulled right now, so it may not be deleted or rewritten (HTTP 409).
struct InUseError : Error {
  explicit InUseError(const std::string& what, std::string hint = {})
      : Error(ExitCode::failure, what, std::move(hint)) {}
};
struct IntegrityError : Error {
  explicit IntegrityError(const std::string& what, std::string hint = {})
      : Error(ExitCode::integrity, what, std::move(hint)) {}
};

}  // namespace hfcache
