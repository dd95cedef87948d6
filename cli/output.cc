#include "cli/output.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli/exit_codes.h"
#include "common/json_escape.h"
#include "proto/json.h"

namespace lockstep::cli {

void PrintJson(const google::protobuf::Message& message) { std::cout << proto::ToJson(message); }

std::string RenderTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string HumanAge(std::chrono::seconds age) {
  const long long s = std::max<long long>(age.count(), 0);
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 48 * 3600) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

void PrintError(const Status& status, const OutputOptions& options) {
  if (options.json) {
    std::cout << "{\"error\": \"" << JsonEscape(status.message())
              << "\", \"exit_code\": " << ExitCodeFor(status) << "}\n";
  } else {
    std::cerr << "error: " << status.message() << "\n";
  }
}

bool ReportFailure(const Status& status, const OutputOptions& options, int* exit_code) {
  if (status.ok()) return false;
  PrintError(status, options);
  *exit_code = ExitCodeFor(status);
  return true;
}

}  // namespace lockstep::cli
