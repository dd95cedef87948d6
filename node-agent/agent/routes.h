// The agent's whole HTTP API in one table: every public and internal path (api/paths.h), its
// method, the role it needs (api/roles.h), and the handler. The README's endpoint table is this
// table's public half (`lockstep-agent --routes` prints it; a unit test compares the two).
#pragma once

#include <vector>

#include "node-agent/agent/archive_api.h"
#include "node-agent/agent/audit_service.h"
#include "node-agent/agent/backup_service.h"
#include "node-agent/agent/diff_service.h"
#include "node-agent/agent/internal_api.h"
#include "node-agent/agent/restore_service.h"
#include "node-agent/agent/router.h"
#include "node-agent/agent/schedule_service.h"
#include "node-agent/agent/status_service.h"
#include "node-agent/agent/verify_service.h"

namespace lockstep::agent {

// The services the routes call. Building the table never calls them, so a table built over
// null services can still be printed.
struct Services {
  StatusService* status = nullptr;
  BackupService* backups = nullptr;
  ScheduleService* schedules = nullptr;
  RestoreService* restores = nullptr;
  DiffService* diffs = nullptr;
  VerifyService* verifications = nullptr;
  InternalApi* internal = nullptr;
  AuditService* audit = nullptr;
  ArchiveApi* archive = nullptr;
  bool crash_points = false;  // tests only: the crash-point route exists
};

std::vector<Route> AgentRoutes(const Services& services);

}  // namespace lockstep::agent
