#pragma once
// Draws pull progress on stderr: on a terminal a live block (one line per active file and a total
// line with bytes, rate and ETA), redrawn at most ten times a second; otherwise one plain line per
// finished file; nothing when quiet.
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "pull/progress.hpp"

namespace hfcache::cli {

class ProgressBar {
 public:
  enum class Mode { live, plain, quiet };
  explicit ProgressBar(Mode mode);
  void on_event(const pull::ProgressEvent& e);
  void finish();  // clear the live block
  Mode mode() const { return mode_; }

  static std::string human_bytes(double bytes);
  static std::string human_duration(double seconds);

 private:
  void redraw(const pull::ProgressEvent& e, bool force);

  Mode mode_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  struct Active {
    std::uint64_t done = 0, total = 0;
  };
  std::map<std::string, Active> active_;
  int drawn_lines_ = 0;
  std::uint64_t start_bytes_ = 0;
  bool started_ = false;
};

}  // namespace hfcache::cli
