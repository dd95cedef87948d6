// The credentials the agent's own ZooKeeper sessions present ([zookeeper] auth_file), so that
// what reads the live tree through a client (diffs, component backups and restores, spot
// restores) can read subtrees a DC/OS cluster guards with digest ACLs. The file is a secret:
// owner-only, one `scheme:credential` per line (`digest:user:password`, or a super user's),
// blank lines and `#` comments ignored; it is never logged and no error repeats a line of it.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "common/zk_client.h"

namespace lockstep::agent {

// At most this many credentials: each costs a round trip when a session starts.
inline constexpr size_t kMaxZkAuth = 16;

Result<std::vector<ZkAuth>> ParseZkAuth(const std::string& text, const std::string& origin);
Result<std::vector<ZkAuth>> LoadZkAuth(const std::string& path);

}  // namespace lockstep::agent
