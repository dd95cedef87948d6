// TreeModel: the set of znode paths (and ephemeral owners) a data directory holds, built from a
// snapshot and advanced by replaying transactions the way ZooKeeper does (idempotently: creating
// an existing node or deleting a missing one changes nothing). It yields the node count at the
// archive's zxid. Memory grows with the number of znodes, never with their data.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "engine/zkfmt/txn_body.h"
#include "engine/zkfmt/txnlog.h"

namespace lockstep::zkfmt {

class TreeModel {
 public:
  void AddSnapshotNode(const std::string& path, int64_t ephemeral_owner);
  // Applies one logged transaction. Unknown opcodes are ignored (they are skipped by length).
  void Apply(const TxnRecord& record);
  // ZooKeeper's own figure (`srvr` "Node count", mntr zk_znode_count): its DataTree maps the root
  // under both "" and "/", so it counts one more than there are distinct nodes. Reporting the
  // same figure lets a restored server be checked against the manifest.
  uint64_t node_count() const { return nodes_.size() + 1; }
  bool Contains(const std::string& path) const { return nodes_.count(path) > 0; }

 private:
  void ApplyBody(int32_t type, int64_t client_id, const char* body, size_t size);
  void ApplyMulti(int64_t client_id, const char* body, size_t size);
  void CloseSession(int64_t session);

  std::unordered_map<std::string, int64_t> nodes_;  // path -> ephemeral owner (0: persistent)
};

}  // namespace lockstep::zkfmt
