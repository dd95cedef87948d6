// Verifying backups and keeping the result in their records (Backup.verification):
//   POST /v1/backups/ID/verify[?deep=1|?remote=1]   an operator's `backup verify`, on any agent
//   POST /v1/internal/backups/ID/verification       a result, recorded by the coordinator
// and the coordinator's restore drills (drills.h), which run the same check. The check runs
// where it was asked; the result is recorded by the coordinator, the only writer of records, so
// a non-coordinator hands it over. A result that proves nothing (no master holding a replica
// answered, or the deep check could not run) is not recorded. Verification takes no operation lock:
// it reads replicas and stops nothing. Thread-safe: no state of its own beyond what it is given.
#pragma once

#include <string>

#include "agent/http/backup_service.h"
#include "agent/http/router.h"
#include "agent/master/catalog.h"
#include "agent/master/local_agent.h"
#include "agent/master/masters_view.h"
#include "agent/offsite/repository.h"
#include "common/clock.h"
#include "common/http/client.h"
#include "common/http/message.h"
#include "coordinator/election.h"

namespace lockstep::agent {

class VerifyService {
 public:
  VerifyService(std::string token, LocalAgent* self, Catalog* catalog, const MastersView* masters,
                const http::Client* client, coordinator::Election* election, BackupService* backups,
                Clock& clock = RealClockInstance());

  http::Reply Verify(const http::Request& request, const PathParams& params);
  http::Reply Record(const http::Request& request, const PathParams& params);

  // Checks `record` as `backup verify` does (`kind` quick or deep) and records the result,
  // naming `trigger` ("schedule NAME", "backup verify"). The report says what was recorded, or
  // in `not_recorded` why nothing was.
  proto::VerifyReport VerifyAndRecord(const proto::Backup& record, const std::string& kind,
                                      const std::string& trigger);
  // `backup verify --remote` checks the repository's copy; without one there is none to check.
  void set_repository(const Repository* repository) { repository_ = repository; }

 private:
  http::Reply VerifyRemote(const proto::Backup& record);
  // Coordinator only: the newest copy of `id` gets `verification`, pushed to every master.
  // NotCoordinator when this agent no longer coordinates; NotFound when it was deleted.
  Result<proto::Backup> RecordHere(const std::string& id, const proto::Verification& verification);
  // RecordHere on the coordinator, wherever it is.
  Status RecordAnywhere(const std::string& id, const proto::Verification& verification);

  const std::string token_;
  LocalAgent* self_;
  Catalog* catalog_;
  const MastersView* masters_;
  const http::Client* client_;
  coordinator::Election* election_;
  BackupService* backups_;
  Clock& clock_;
  const Repository* repository_ = nullptr;
};

}  // namespace lockstep::agent
