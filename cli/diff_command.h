// `lockstep backup diff ID [--path P]`: what restoring a backup (or its subtree P) would change
// in the live ensemble: nodes created, deleted, with other data, with another ACL, and their
// paths. Nothing is changed; the agent asked computes it (GET /v1/backups/ID/diff).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "cli/output.h"
#include "proto/backup.pb.h"

namespace lockstep::cli {

void AddDiff(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
             int* exit_code);

// The human form, also a spot restore's dry run.
void PrintDiff(const proto::BackupDiff& diff);

}  // namespace lockstep::cli
