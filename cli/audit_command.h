// `lockstep audit [--since T]`: who changed what, from every master's audit log (docs/design.md
// "Authority and forwarding"), merged by the agent asked. Needs an admin token.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "cli/output.h"
#include "proto/audit.pb.h"

namespace lockstep::cli {

void AddAuditCommand(CLI::App& app, const OutputOptions& output, const ClusterFlags& cluster,
                     int* exit_code);

// The entries as a table (TIME MASTER TOKEN FROM OPERATION TARGET RESULT), or "(no entries)".
std::string RenderAudit(const proto::AuditLog& log);

}  // namespace lockstep::cli
