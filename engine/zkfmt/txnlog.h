// Reader for ZooKeeper transaction logs (`log.<zxid>`, magic "ZKLG", version 2).
//
// Layout: header {int magic, int version, long dbid}, then records
//   {long adler32(txn), int length, byte[length] txn, byte 'B'}
// where txn = TxnHeader {long clientId, int cxid, long zxid, long time, int type} + body.
// The log ends at the first of: end of file; a zero length (ZooKeeper preallocates logs with
// zeros); a torn record (short read or missing 'B') — reported, not fatal, as ZooKeeper does.
// A checksum mismatch on a complete record is corruption. An unknown opcode is skipped by its
// length. An empty file is a valid log without records.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/status.h"
#include "common/zxid.h"
#include "engine/zkfmt/byte_source.h"
#include "engine/zkfmt/problem.h"

namespace lockstep::zkfmt {

inline constexpr int32_t kTxnLogMagic = 0x5a4b4c47;  // "ZKLG"
inline constexpr size_t kTxnLogHeaderSize = 16;
inline constexpr size_t kTxnHeaderSize = 8 + 4 + 8 + 8 + 4;

struct TxnRecord {
  uint64_t offset = 0;  // where the record starts in the file
  Zxid zxid = 0;
  int64_t client_id = 0;
  int64_t time_ms = 0;  // the leader's clock when it proposed the transaction (ms since 1970)
  int32_t type = 0;
  const std::string* txn = nullptr;  // header + body, as stored
};

using TxnVisitor = std::function<void(const TxnRecord&)>;

struct TxnLogReadOptions {
  // Stop at the last record with zxid <= max_zxid (the online backup's cut).
  std::optional<Zxid> max_zxid;
  bool compute_sha256 = false;
  const TxnVisitor* visitor = nullptr;
  // The zxid the chosen snapshot holds everything up to: a jump in the log over zxids it covers
  // is not a loss. A ZooKeeper follower synced by snapshot (SNAP) writes the snapshot and goes on
  // logging in its open log file, leaving exactly such a jump.
  std::optional<Zxid> covered_through;
};

struct TxnLogSummary {
  uint64_t data_size = 0;  // bytes up to the end of the last record kept
  uint64_t file_size = 0;  // bytes read, preallocation included
  uint64_t record_count = 0;
  std::optional<Zxid> first_zxid;
  std::optional<Zxid> last_zxid;
  bool cut = false;  // records beyond max_zxid exist and were left out
  bool valid = false;
  std::string sha256;  // of bytes [0, data_size)
  Problems problems;
};

Result<TxnLogSummary> ReadTxnLog(ByteSource* source, const std::string& name,
                                 const TxnLogReadOptions& options = {});

}  // namespace lockstep::zkfmt
