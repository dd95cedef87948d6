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

#include "common/status.h"
#include "common/zxid.h"
#include "node-agent/zkfmt/byte_source.h"
#include "node-agent/zkfmt/problem.h"

namespace lockstep::zkfmt {

inline constexpr int32_t kSnapshotMagic = 0x5a4b534e;  // "ZKSN"
inline constexpr int32_t kFileFormatVersion = 2;

struct SnapshotSummary {
  uint64_t size = 0;          // bytes read
  uint64_t node_count = 0;    // znodes, the root included (as `srvr` counts them)
  uint64_t session_count = 0;
  uint64_t acl_count = 0;
  bool has_digest = false;
  bool valid = false;
  std::string sha256;         // of the whole file, when requested
  Problems problems;
};

// Called for every znode in file order. `ephemeral_owner` is 0 for persistent nodes.
using SnapshotNodeVisitor = std::function<void(const std::string& path, int64_t ephemeral_owner)>;

struct SnapshotReadOptions {
  bool compute_sha256 = false;
  const SnapshotNodeVisitor* visitor = nullptr;
};

// Reads the whole snapshot. Format problems are returned in the summary (valid = false); only
// I/O failures are an error Status. `name` labels the problems.
Result<SnapshotSummary> ReadSnapshot(ByteSource* source, const std::string& name,
                                     const SnapshotReadOptions& options = {});

}  // namespace lockstep::zkfmt
