#include "cli/progress_printer.h"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace lockstep::cli {

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return buf;
}

ProgressPrinter::ProgressPrinter() : enabled_(::isatty(STDERR_FILENO) == 1) {}

ProgressPrinter::~ProgressPrinter() {
  if (printed_) std::fputs("\n", stderr);
}

void ProgressPrinter::Update(const datadir::Progress& p) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  bool finished = p.bytes_total > 0 && p.bytes_done >= p.bytes_total;
  if (!finished && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  std::string line = p.phase;
  if (p.bytes_total > 0) {
    int percent = static_cast<int>(100.0 * static_cast<double>(p.bytes_done) /
                                   static_cast<double>(p.bytes_total));
    line += " " + HumanBytes(p.bytes_done) + " / " + HumanBytes(p.bytes_total) + " (" +
            std::to_string(percent) + "%)";
  }
  if (p.files_total > 0) {
    line += ", file " + std::to_string(p.files_done) + "/" + std::to_string(p.files_total);
  }
  if (!p.current_file.empty()) line += ", " + p.current_file;
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  printed_ = true;
}

}  // namespace lockstep::cli
