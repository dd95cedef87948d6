// `lockstep backup create|list|show|delete|download`: cluster backups through any agent.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "cli/output.h"

namespace lockstep::cli {

void AddBackupCommands(CLI::App& app, const OutputOptions& output, const ClusterFlags& cluster,
                       int* exit_code);

}  // namespace lockstep::cli
