// `backup verify`: every replica of a backup re-hashed and fully parsed on the master that keeps
// it, and with `deep`, one intact replica restored into a scratch ZooKeeper and compared. Each
// master is asked over HTTP (its own agent included), so the checks run where the bytes are.
#pragma once

#include <string>

#include "common/http/client.h"
#include "coordinator/cluster_view.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

proto::VerifyReport VerifyReplicas(const proto::Backup& record,
                                   const coordinator::ClusterView& view, const http::Client& client,
                                   const std::string& token, bool deep);

}  // namespace lockstep::agent
