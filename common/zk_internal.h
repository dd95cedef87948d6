// Helpers shared by the ZkClient's source files (not for other users): error mapping, stat and
// ACL conversions for the ZooKeeper C client.
#pragma once

#include <zookeeper/zookeeper.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "common/zk_client.h"

namespace lockstep::zk_internal {

inline Status ZkError(const std::string& what, const std::string& path, int rc) {
  StatusCode code = rc == ZNONODE ? StatusCode::kNotFound
                    : (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT)
                        ? StatusCode::kUnavailable
                        : StatusCode::kFailedPrecondition;
  return Status(code, "ZooKeeper " + what + " " + path + ": " + zerror(rc));
}

inline ZkStat FromStat(const struct Stat& s) {
  return {s.czxid,    s.mzxid,    s.pzxid,       s.ephemeralOwner, s.version,
          s.cversion, s.aversion, s.numChildren, s.dataLength,     s.ctime};
}

struct AclVector {
  explicit AclVector(const std::vector<ZkAcl>& acls) : entries(acls.size()) {
    for (size_t i = 0; i < acls.size(); ++i) {
      entries[i].perms = acls[i].perms;
      entries[i].id.scheme = const_cast<char*>(acls[i].scheme.c_str());
      entries[i].id.id = const_cast<char*>(acls[i].id.c_str());
    }
    vector.count = static_cast<int32_t>(entries.size());
    vector.data = entries.data();
  }
  std::vector<struct ACL> entries;
  struct ACL_vector vector {};
};

inline std::vector<ZkAcl> FromAclVector(const struct ACL_vector& acl) {
  std::vector<ZkAcl> result;
  for (int32_t i = 0; i < acl.count; ++i) {
    result.push_back({acl.data[i].perms, acl.data[i].id.scheme, acl.data[i].id.id});
  }
  return result;
}

}  // namespace lockstep::zk_internal
