// A segment of the continuous archive (docs/design.md "Continuous archiving"): consecutive
// committed transactions of the ensemble, stored as a ZooKeeper transaction log — header {magic
// "ZKLG", version 2, dbid}, then {Adler32, length, txn, 'B'} records, each txn byte for byte as the
// server logged it — compressed with zstd. Being a transaction log, a segment is checked by the
// same reader as the server's own logs, and a point-in-time restore drops it, expanded and cut at
// the target, into the staged data-log directory as log.<first zxid>: ZooKeeper itself replays it.
//
// The stored file's sha256 and size, its first and last zxid and the leader's clock at its first
// and last transaction describe it (SegmentInfo), as a record describes a backup.
//
// With age recipients ([encryption]), the compressed stream is encrypted in the age v1 format
// before it reaches the disk, as backups are: a segment is then encrypted on every master and in
// the bucket, and its sha256 and size are the encrypted file's, so shipping, fetching and
// uploading check it without any secret. Reading its transactions needs an identity.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/keys.h"
#include "common/status.h"
#include "common/zxid.h"
#include "engine/zkfmt/txnlog.h"

namespace lockstep::archiving {

struct SegmentInfo {
  Zxid first_zxid = 0;
  Zxid last_zxid = 0;
  int64_t first_time_ms = 0;
  int64_t last_time_ms = 0;
  uint64_t records = 0;
  uint64_t size_bytes = 0;  // stored (compressed, and encrypted when `encrypted`)
  std::string sha256;       // of the stored file
  bool encrypted = false;   // age v1 around the zstd stream
};

// Writes one segment into `path` (created 0600, O_EXCL; fsynced by Finish). Not thread-safe.
class SegmentWriter {
 public:
  // With `recipients`, the segment is encrypted to them.
  static Result<std::unique_ptr<SegmentWriter>> Create(
      const std::string& path, int64_t dbid = 0,
      const std::vector<age::X25519Recipient>& recipients = {});
  // The same records as a plain transaction log, as the server writes one (what a
  // point-in-time restore stages); Finish's sha256 and size are then the plain file's.
  static Result<std::unique_ptr<SegmentWriter>> CreatePlain(const std::string& path);
  ~SegmentWriter();  // an unfinished segment is removed

  // Appends a record as the server logged it. Zxids must increase: a repeat (ZooKeeper 3.8
  // followers can log a transaction twice) is skipped, an older one refused.
  Status Append(const zkfmt::TxnRecord& record);
  uint64_t records() const;
  // Ends the stream, fsyncs and describes the file. FailedPrecondition for an empty segment.
  Result<SegmentInfo> Finish();

 private:
  struct State;
  static Result<std::unique_ptr<SegmentWriter>> Open(
      const std::string& path, int64_t dbid, bool compressed,
      const std::vector<age::X25519Recipient>& recipients);
  explicit SegmentWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Reads a stored segment back into a plain transaction log at `log_path` (created 0600),
// checking on the way that the stored bytes hash to `info.sha256` and that the records run from
// info.first_zxid to info.last_zxid. With `cut`, the log ends after the last record with zxid
// <= cut. Corruption naming the segment when anything differs; `log_path` is then removed.
// An encrypted segment needs one of `identities`: InvalidArgument saying so without one.
Status ExpandSegment(const std::string& segment_path, const SegmentInfo& info,
                     const std::string& log_path, std::optional<Zxid> cut = std::nullopt,
                     const age::Identities& identities = {});

// Every record of a stored segment, in order (`visit` as TxnLogReadOptions::visitor). Checks the
// sha256 as ExpandSegment does.
Status ReadSegment(const std::string& segment_path, const SegmentInfo& info,
                   const zkfmt::TxnVisitor& visit, const age::Identities& identities = {});

// What a master without the secret can check of a stored segment: its size and sha256.
// Corruption naming the segment when either differs.
Status CheckStoredSegment(const std::string& segment_path, const SegmentInfo& info);

}  // namespace lockstep::archiving
