// The agent's whole HTTP API in one table: every public and internal path (api/paths.h), its
// method, the role it needs (api/roles.h), and the handler. The README's endpoint table is this
// table's public half (`lockstep-agent --routes` prints it; a unit test compares the two).
#pragma once

#include <vector>

#include "agent/http/archive_api.h"
#include "agent/http/audit_service.h"
#include "agent/http/backup_service.h"
#include "agent/http/dcos_api.h"
#include "agent/http/diff_service.h"
#include "agent/http/internal_api.h"
#include "agent/http/restore_service.h"
#include "agent/http/router.h"
#include "agent/http/schedule_service.h"
#include "agent/http/status_service.h"
#include "agent/http/verify_service.h"

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
  DcosBackupApi* dcos = nullptr;
  bool console = false;       // [ui] enabled: the web console's routes exist
  bool crash_points = false;  // tests only: the crash-point route exists
};

std::vector<Route> AgentRoutes(const Services& services);

}  // namespace lockstep::agent
