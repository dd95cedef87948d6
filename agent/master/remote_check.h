// `backup verify ID --remote`: the repository's copy of a backup, the one a disaster would need,
// downloaded into scratch space beside this master's replicas, its sha256 compared with the
// record's and its contents fully parsed (an encrypted archive opened with this master's
// identity). The scratch file is removed afterwards.
#pragma once

#include "agent/master/replica_store.h"
#include "agent/offsite/repository.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

// `master` names the copy ("repository s3://…"); `error` says what is wrong with it.
proto::ReplicaCheck CheckRemoteCopy(const proto::Backup& record, const Repository& repository,
                                    const ReplicaStore& replicas);

}  // namespace lockstep::agent
