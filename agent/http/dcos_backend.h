// The DC/OS API's backend on a real agent: each DC/OS call becomes the Lockstep call it maps to,
// made through this agent's own services with the caller's request (its token, its forwarding),
// so a create reaching an agent that is not the coordinator is forwarded as `backup create`
// would be, and is authorised and audited as the caller wherever it runs.
#pragma once

#include "agent/http/backup_service.h"
#include "agent/http/dcos_api.h"
#include "agent/http/restore_service.h"

namespace lockstep::agent {

class ServiceDcosBackend : public DcosBackend {
 public:
  ServiceDcosBackend(BackupService* backups, RestoreService* restores);

  Result<proto::Backup> Create(const http::Request& caller, const std::string& label) override;
  Result<std::vector<proto::Backup>> List(const http::Request& caller,
                                          const std::string& prefix) override;
  Result<proto::Backup> Show(const http::Request& caller, const std::string& id) override;
  Result<proto::RestoreRecord> Restore(const http::Request& caller, const std::string& id) override;
  Status Delete(const http::Request& caller, const std::string& id) override;

 private:
  BackupService* backups_;
  RestoreService* restores_;
};

}  // namespace lockstep::agent
