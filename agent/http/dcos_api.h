// DC/OS's backup API (the DC/OS 1.13 API reference, backup-restore.yaml), so that the scripts and
// `dcos backup` calls a DC/OS site already has keep working against Lockstep. Served at
// /system/v1/backup/v1/{create,restore,delete,list} (what clients call) and /v1/… (what Admin
// Router forwards once it strips /system/v1/backup):
//   POST /create {"label": L}   an online backup of ZooKeeper and the app components, as
//                               `lockstep backup create`; {"backup_info": BackupMetadata}
//   POST /restore {"id": ID}    the backup's app components restored online, as `dcos backup
//                               restore` did; {"backup_info": …} with the restore in restores[]
//   DELETE /delete {"id": ID}   (the id in the body); 200 and an empty body
//   GET /list[?prefix=P]        {"backup_info": [BackupMetadata, …]}, or {} when there is none
// Errors are {"errors": ["…"]}: 400 for a bad request (label, id, body, an unknown backup, a
// restore's id given to delete), 500 for the rest, including "busy" when another operation holds
// the lock. Each route needs the role its Lockstep twin needs (list: viewer, create: operator,
// restore and delete: admin), so no caller gains here what Lockstep's own routes refuse it.
#pragma once

#include <string>
#include <vector>

#include "agent/http/router.h"
#include "common/http/message.h"
#include "common/status.h"
#include "proto/backup.pb.h"
#include "proto/dcos.pb.h"

namespace lockstep::agent {

// What the DC/OS API asks of Lockstep, on behalf of the caller whose request it answers (the
// real one goes through the agent's own services, dcos_backend.h; tests give a fake).
class DcosBackend {
 public:
  virtual ~DcosBackend() = default;
  virtual Result<proto::Backup> Create(const http::Request& caller, const std::string& label) = 0;
  virtual Result<std::vector<proto::Backup>> List(const http::Request& caller,
                                                  const std::string& prefix) = 0;
  virtual Result<proto::Backup> Show(const http::Request& caller, const std::string& id) = 0;
  // Restores the backup's app components online; the restore's record as it started.
  virtual Result<proto::RestoreRecord> Restore(const http::Request& caller,
                                               const std::string& id) = 0;
  virtual Status Delete(const http::Request& caller, const std::string& id) = 0;
};

// DC/OS's BackupMetadata of a Lockstep backup record. `dcos_version` is what the field says
// (Lockstep's own version: there is no DC/OS here to name).
proto::DcosBackupMetadata DcosMetadataOf(const proto::Backup& backup,
                                         const std::string& dcos_version);

// Thread-safe when the backend is.
class DcosBackupApi {
 public:
  DcosBackupApi(DcosBackend* backend, std::string dcos_version);

  http::Reply Create(const http::Request& request, const PathParams& params);
  http::Reply Restore(const http::Request& request, const PathParams& params);
  http::Reply Delete(const http::Request& request, const PathParams& params);
  http::Reply List(const http::Request& request, const PathParams& params);

 private:
  http::Reply BackupInfo(const proto::Backup& backup) const;

  DcosBackend* backend_;
  const std::string dcos_version_;
};

// DC/OS's error body {"errors": [message]} with `status`.
http::Reply DcosError(int status, const std::string& message);
// The DC/OS reply for a failed Lockstep operation: 400 for what the caller got wrong (invalid,
// unknown, not in a state to do it), 500 otherwise, "busy …" when the lock is held.
http::Reply DcosErrorOf(const Status& status);

}  // namespace lockstep::agent
