#include "progress_bar.hpp"

#include <cmath>
#include <cstdio>

namespace hfcache::cli {
namespace {

// Redraw at most this often so a fast download does not spend its time on the terminal.
constexpr auto redraw_interval = std::chrono::milliseconds(100);
// Active files shown at once; more are summarised in one line.
constexpr std::size_t max_file_lines = 4;

std::string bar(double fraction, int width) {
  int filled = static_cast<int>(std::round(fraction * width));
  std::string s = "[";
  for (int i = 0; i < width; ++i) s += i < filled ? '#' : '-';
  return s + "]";
}

std::string shorten(const std::string& path, std::size_t max) {
  if (path.size() <= max) return path;
  return "..." + path.substr(path.size() - (max - 3));
}

}  // namespace

ProgressBar::ProgressBar(Mode mode) : mode_(mode), start_(std::chrono::steady_clock::now()) {}

std::string ProgressBar::human_bytes(double bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) {
    bytes /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

std::string ProgressBar::human_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  auto s = static_cast<long>(seconds);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

void ProgressBar::on_event(const pull::ProgressEvent& e) {
  if (mode_ == Mode::quiet) return;
  std::lock_guard lock(mutex_);
  using K = pull::ProgressEvent::Kind;
  switch (e.kind) {
    case K::planned:
      start_ = std::chrono::steady_clock::now();
      if (mode_ == Mode::plain && e.files_total > 0)
        std::fprintf(stderr, "downloading %zu file(s), %s\n", e.files_total, human_bytes(static_cast<double>(e.bytes_total)).c_str());
      break;
    case K::file_started:
      if (!started_) {
        started_ = true;
        start_bytes_ = e.bytes_done;
      }
      active_[e.path] = {e.file_done, e.file_total};
      break;
    case K::bytes:
      // Totals only (a pull followed by polling the daemon): no file line to update.
      if (!e.path.empty()) active_[e.path] = {e.file_done, e.file_total};
      break;
    case K::file_retry:
      if (mode_ == Mode::plain) std::fprintf(stderr, "retrying %s: %s\n", e.path.c_str(), e.message.c_str());
      break;
    case K::file_done:
      active_.erase(e.path);
      if (mode_ == Mode::plain)
        std::fprintf(stderr, "[%zu/%zu] %s (%s)\n", e.files_done, e.files_total, e.path.c_str(),
                     human_bytes(static_cast<double>(e.file_total)).c_str());
      break;
    case K::finished:
      break;
  }
  if (mode_ == Mode::live) redraw(e, e.kind == K::file_done || e.kind == K::finished);
}

void ProgressBar::redraw(const pull::ProgressEvent& e, bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < redraw_interval) return;
  last_draw_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double fetched = static_cast<double>(e.bytes_done - std::min(e.bytes_done, start_bytes_));
  double rate = elapsed > 0.2 ? fetched / elapsed : 0;
  double left = static_cast<double>(e.bytes_total) - static_cast<double>(e.bytes_done);
  double fraction = e.bytes_total ? static_cast<double>(e.bytes_done) / static_cast<double>(e.bytes_total) : 1.0;

  std::string out;
  for (int i = 0; i < drawn_lines_; ++i) out += "\x1b[1A\x1b[2K";  // up one line, clear it
  out += "\r\x1b[2K";
  int lines = 0;
  std::size_t shown = 0;
  for (const auto& [path, a] : active_) {
    if (shown++ == max_file_lines) {
      out += "  ... and " + std::to_string(active_.size() - max_file_lines) + " more\n";
      ++lines;
      break;
    }
    double f = a.total ? static_cast<double>(a.done) / static_cast<double>(a.total) : 1.0;
    char buf[256];
    std::snprintf(buf, sizeof buf, "  %-40s %s %3.0f%% %s\n", shorten(path, 40).c_str(), bar(f, 20).c_str(), f * 100,
                  human_bytes(static_cast<double>(a.total)).c_str());
    out += buf;
    ++lines;
  }
  char total[256];
  std::snprintf(total, sizeof total, "%s %3.0f%%  %s/%s  %s/s  ETA %s  %zu/%zu files", bar(fraction, 30).c_str(),
                fraction * 100, human_bytes(static_cast<double>(e.bytes_done)).c_str(),
                human_bytes(static_cast<double>(e.bytes_total)).c_str(), human_bytes(rate).c_str(),
                human_duration(rate > 0 ? left / rate : NAN).c_str(), e.files_done, e.files_total);
  out += total;
  drawn_lines_ = lines;
  std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  std::lock_guard lock(mutex_);
  if (mode_ != Mode::live) return;
  std::string out;
  for (int i = 0; i < drawn_lines_; ++i) out += "\x1b[1A\x1b[2K";
  out += "\r\x1b[2K";
  std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
  drawn_lines_ = 0;
}

}  // namespace hfcache::cli
