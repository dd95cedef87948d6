// Printing results: human text or the API's JSON (protobuf JSON mapping), kept apart from the
// commands that compute them so `--json` costs nothing.
#pragma once

#include <google/protobuf/message.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"

namespace lockstep::cli {

struct OutputOptions {
  bool json = false;
};

void PrintJson(const google::protobuf::Message& message);
// Rows as left-aligned columns two spaces apart; the first row is the header.
std::string RenderTable(const std::vector<std::vector<std::string>>& rows);
// A rough age for tables: "40s", "12m", "5h", "3d".
std::string HumanAge(std::chrono::seconds age);
// "error: <message>" on stderr, or {"error": …, "code": …} on stdout with --json.
void PrintError(const Status& status, const OutputOptions& options);
// For command callbacks: when `status` is an error, prints it, sets the exit code it maps to and
// returns true.
bool ReportFailure(const Status& status, const OutputOptions& options, int* exit_code);

}  // namespace lockstep::cli
