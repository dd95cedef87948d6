// The coordinator's copying of READY backups to the repository (repository.h), one at a time in
// the background: a backup stays READY on the masters whatever happens here; its record's
// `remote` says UPLOADING, READY, or ERROR with the reason, and a failed upload (store down,
// SlowDown, refused credentials) is tried again with exponential backoff until it succeeds.
// /metrics reads the same from the catalog (metrics.cc), so every master reports it. Thread-safe:
// Tick runs on the duties thread, the upload on its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "agent/master/catalog.h"
#include "agent/master/local_agent.h"
#include "agent/master/masters_view.h"
#include "agent/offsite/repository.h"
#include "common/clock.h"
#include "common/single_task.h"
#include "coordinator/cluster_backups.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

class Uploads {
 public:
  Uploads(const Repository* repository, LocalAgent* self, Catalog* catalog,
          const MastersView* masters, coordinator::ClusterBackups* backups,
          Clock& clock = RealClockInstance());
  ~Uploads();  // waits for a running upload

  // Coordinator duty: starts the oldest pending upload that is due, unless one runs.
  void Tick(const std::vector<proto::Backup>& catalog);

 private:
  void Upload(proto::Backup record);
  Status UploadOne(const proto::Backup& record);
  // This master's replica of `record`, fetched from a holder when it has none.
  Status EnsureReplica(const proto::Backup& record);
  // The newest copy of the record with `remote` set, published to every master.
  void PublishRemote(const std::string& id, const proto::RemoteCopy& remote);
  void Failed(const proto::Backup& record, const Status& why);

  const Repository* repository_;
  LocalAgent* self_;
  Catalog* catalog_;
  const MastersView* masters_;
  coordinator::ClusterBackups* backups_;
  Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Clock::TimePoint> not_before_;  // backoff, by backup id
  std::map<std::string, uint32_t> attempts_;
  SingleTask task_;
};

}  // namespace lockstep::agent
