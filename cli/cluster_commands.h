// `lockstep cluster status [--watch]` and `lockstep node stop-zk|start-zk|restart-zk NAME`:
// commands that talk to the agents over HTTP.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "cli/output.h"

namespace lockstep::cli {

void AddClusterCommands(CLI::App& app, const OutputOptions& output, const ClusterFlags& cluster,
                        int* exit_code);

}  // namespace lockstep::cli
