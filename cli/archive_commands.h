// `lockstep archive status`: the continuous archive as the coordinator sees it (docs/design.md
// "Continuous archiving"): who archives, how far behind, what can be restored, and where the
// chains break.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "cli/output.h"
#include "proto/archiving.pb.h"

namespace lockstep::cli {

void AddArchiveCommands(CLI::App& app, const OutputOptions& output, const ClusterFlags& cluster,
                        int* exit_code);

// The status as an operator reads it: a summary, the chains as a table, the breaks.
std::string RenderArchiveStatus(const proto::ArchiveStatus& status);

}  // namespace lockstep::cli
