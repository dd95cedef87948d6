// Reader for ZooKeeper snapshot files (`snapshot.<zxid>`, magic "ZKSN", version 2).
//
// Layout (jute, big-endian), as FileSnap writes it:
//   header   int magic "ZKSN", int version (2), long dbid
//   sessions int count, then {long id, int timeout}*
//   acls     int count, then {long index, int n, then {int perms, string scheme, string id}*}*
//   nodes    {string path, buffer data, long acl, StatPersisted}* ending with path "/"
//            (the root is written first with path "")
//   seal     long Adler32 of every byte before it (header included), string "/"
//   3.6+:    digest section {long zxid, int version, long digest} followed by another seal
//   3.9+:    last processed zxid {long} followed by another seal
// A gzip- or snappy-compressed snapshot is refused with a message saying how to avoid it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/zxid.h"
#include "engine/zkfmt/byte_source.h"
#include "engine/zkfmt/problem.h"

namespace lockstep::zkfmt {

inline constexpr int32_t kSnapshotMagic = 0x5a4b534e;  // "ZKSN"
inline constexpr int32_t kFileFormatVersion = 2;

struct SnapshotSummary {
  uint64_t size = 0;        // bytes read
  uint64_t node_count = 0;  // znodes, the root included (as `srvr` counts them)
  uint64_t session_count = 0;
  uint64_t acl_count = 0;
  bool has_digest = false;
  bool valid = false;
  std::string sha256;  // of the whole file, when requested
  Problems problems;
};

// Called for every znode in file order. `ephemeral_owner` is 0 for persistent nodes.
using SnapshotNodeVisitor = std::function<void(const std::string& path, int64_t ephemeral_owner)>;

struct AclEntry {
  int32_t perms = 0;
  std::string scheme;
  std::string id;
  bool operator==(const AclEntry&) const = default;
  auto operator<=>(const AclEntry&) const = default;
};
using AclList = std::vector<AclEntry>;

// Everything a snapshot keeps of one znode (StatPersisted), for readers that rebuild the tree.
struct SnapshotNode {
  const std::string& path;  // "" for the root
  const std::string& data;
  int64_t acl_ref = 0;  // a key of the ACL cache (SnapshotAclVisitor)
  int64_t czxid = 0, mzxid = 0, ctime = 0, mtime = 0;
  int32_t version = 0, cversion = 0, aversion = 0;
  int64_t ephemeral_owner = 0, pzxid = 0;
};
using SnapshotDetailVisitor = std::function<void(const SnapshotNode& node)>;
// The ACL cache, one entry at a time, before any node.
using SnapshotAclVisitor = std::function<void(int64_t acl_ref, AclList acl)>;

struct SnapshotReadOptions {
  bool compute_sha256 = false;
  const SnapshotNodeVisitor* visitor = nullptr;
  const SnapshotDetailVisitor* detail_visitor = nullptr;
  const SnapshotAclVisitor* acl_visitor = nullptr;
};

// Reads the whole snapshot. Format problems are returned in the summary (valid = false); only
// I/O failures are an error Status. `name` labels the problems.
Result<SnapshotSummary> ReadSnapshot(ByteSource* source, const std::string& name,
                                     const SnapshotReadOptions& options = {});

}  // namespace lockstep::zkfmt
