// This master's copy of the continuous archive (STORE/archive): every segment shipped, as its
// stored file (segments/ID.zst) and its description (records/ID.json). The archiver adds the
// segments it writes; peers receive the ones it ships. A record is written only once its file is
// in place and checked, so a record always names a whole segment; a file without a record (a
// crash between the two) is taken again when shipped again. Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/zxid.h"
#include "engine/archiving/chain.h"
#include "engine/archiving/segment.h"
#include "engine/record_store.h"
#include "proto/archiving.pb.h"

namespace lockstep::archiving {

// "<first zxid>-<last zxid>", 16 hex digits each: names sort in zxid order.
std::string SegmentId(Zxid first, Zxid last);
// InvalidArgument naming the problem unless `id` is a well-formed segment id.
Status CheckSegmentId(const std::string& id);

// The first and last zxid `id` names; InvalidArgument unless it is well-formed.
Result<std::pair<Zxid, Zxid>> ZxidsOfSegmentId(const std::string& id);

// The record of a segment described by `info`, proven to follow `follows`.
proto::ArchiveSegment SegmentRecord(const SegmentInfo& info, const std::string& archiver,
                                    Zxid follows);
// The chain's view of a record; InvalidArgument for a record whose fields do not parse.
Result<Segment> SegmentOf(const proto::ArchiveSegment& record);

class SegmentStore {
 public:
  explicit SegmentStore(std::string dir);
  // Creates the directories (0700) and reads the records; removes leftovers of interrupted writes.
  Status Open();

  // Keeps the segment file at `path` (renamed into the store, so on the same file system) as
  // `record` describes it. The file is checked first (sha256, zxids): Corruption names it. A
  // segment held already is kept as held (Get has its record) and `path` is removed: an id never
  // changes its bytes once stored, so a record always describes the file beside it.
  Status Add(const proto::ArchiveSegment& record, const std::string& path);
  // The same for a segment received as bytes (a peer's shipment). Storing one already held is Ok.
  Status Receive(const proto::ArchiveSegment& record, const std::string& bytes);
  // The same for one received into a file of the store's file system (a streamed upload):
  // kept by a rename once checked; left where it is when refused.
  Status ReceiveFile(const proto::ArchiveSegment& record, const std::string& path);
  bool Has(const std::string& id) const { return records_.Has(id); }

  std::vector<proto::ArchiveSegment> List() const { return records_.All(); }
  Result<proto::ArchiveSegment> Get(const std::string& id) const { return records_.Get(id); }
  std::string PathOf(const std::string& id) const;
  // A scratch path in the store's file system for a segment being written.
  std::string ScratchPath(const std::string& name) const;
  // The last zxid archived here, if any.
  std::optional<Zxid> LastZxid() const;
  Status Remove(const std::string& id);
  // Retention: removes every segment wholly at or before `zxid` (the oldest base kept: no chain
  // needs them). The ids removed.
  Result<std::vector<std::string>> RemoveThrough(Zxid zxid);

 private:
  Status AddLocked(const proto::ArchiveSegment& record, const std::string& path);

  const std::string dir_;
  RecordStore<proto::ArchiveSegment> records_;
  std::mutex adding_;  // one check-then-keep at a time
};

}  // namespace lockstep::archiving
