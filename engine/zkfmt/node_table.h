// NodeTable: every persistent znode of a data directory (or of one subtree of it) with its data,
// ACL and versions, as ZooKeeper's DataTree holds them at the last replayed zxid: filled from a
// snapshot and advanced by replaying logged transactions the way ZooKeeper does on start-up
// (creating an existing node or changing a missing one is a no-op, so a fuzzy snapshot's overlap
// with the log replays right). It is what a backup's side of `backup diff` and of a spot restore
// is read from, without starting a server.
//
// Left out: ephemeral nodes (they belong to sessions no restore brings back; their clients make
// them again) and /zookeeper (the server's own quota and config nodes). Containers and TTL nodes
// are kept as the persistent nodes they are until deleted.
//
// Memory: per node its path, ACL index and versions, plus its data when `keep_data` is set, else
// a 16-byte digest of it. A diff of the whole tree keeps digests; a spot restore keeps the data
// of its subtree only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/zkfmt/snapshot.h"
#include "engine/zkfmt/txn_body.h"
#include "engine/zkfmt/txnlog.h"

namespace lockstep::zkfmt {

struct NodeTableOptions {
  std::string root = "/";  // only this subtree (the node itself and everything under it)
  bool keep_data = false;  // false: TableNode::data holds DataDigest(data)
};

struct TableNode {
  std::string data;  // the data, or its digest (NodeTableOptions::keep_data)
  uint32_t acl = 0;  // NodeTable::Acl(acl)
  int64_t czxid = 0;
  int64_t mzxid = 0;
  int32_t version = 0;   // of the data
  int32_t aversion = 0;  // of the ACL
};

// 16 bytes of the SHA-256 of `data`: what a diff compares when data isn't kept.
std::string DataDigest(std::string_view data);

// ZooKeeper's EphemeralType: containers carry Long.MIN_VALUE as their owner and TTL nodes the
// top byte 0xFF; any other non-zero owner is the session of an ephemeral node.
bool IsSessionOwned(int64_t ephemeral_owner);

class NodeTable {
 public:
  explicit NodeTable(NodeTableOptions options = {});

  // The snapshot's ACL cache entries, then its nodes (snapshot.h's visitors).
  void AddSnapshotAcl(int64_t acl_ref, AclList acl);
  void AddSnapshotNode(const SnapshotNode& node);
  // One logged transaction; opcodes that change no node are ignored.
  void Apply(const TxnRecord& record);

  const std::unordered_map<std::string, TableNode>& nodes() const { return nodes_; }
  const AclList& Acl(uint32_t index) const { return acls_[index]; }
  const NodeTableOptions& options() const { return options_; }
  // Paths parents first (by depth, then name): the order a restore creates them in.
  std::vector<const std::pair<const std::string, TableNode>*> ParentsFirst() const;

 private:
  bool Keeps(const std::string& path) const;
  uint32_t Intern(AclList acl);
  void ApplyBody(int32_t type, Zxid zxid, const char* body, size_t size);
  void ApplyTxn(TxnBody txn, Zxid zxid);

  NodeTableOptions options_;
  std::unordered_map<std::string, TableNode> nodes_;
  std::vector<AclList> acls_;
  std::unordered_map<std::string, uint32_t> acl_index_;  // serialised ACL -> acls_ index
  std::unordered_map<int64_t, uint32_t> snapshot_acls_;  // the snapshot's ACL refs
};

}  // namespace lockstep::zkfmt
