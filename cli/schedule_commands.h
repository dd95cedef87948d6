// `lockstep schedule create|list|delete`: backups taken by the coordinator on a cron schedule.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "cli/output.h"

namespace lockstep::cli {

void AddScheduleCommands(CLI::App& app, const OutputOptions& output, const ClusterFlags& cluster,
                         int* exit_code);

}  // namespace lockstep::cli
