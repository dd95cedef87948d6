// `lockstep backup download|import`: a backup's archive out of the cluster (streamed from the
// first master holding a replica, sha256 checked, decrypted on request) and an archive into it.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "cli/output.h"

namespace lockstep::cli {

void AddDownload(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
                 int* exit_code);
void AddImport(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
               int* exit_code);

}  // namespace lockstep::cli
