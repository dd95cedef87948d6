// `lockstep backup restore ID --component zookeeper [--dry-run] [--yes] [--wait]`: the whole
// ensemble's data replaced by a backup's, on every master in lockstep. It discards everything
// written since the backup, so it asks first; without a terminal it wants --yes.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "cli/output.h"

namespace lockstep::cli {

void AddRestore(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
                int* exit_code);

}  // namespace lockstep::cli
