#include "engine/archiving/replay.h"

#include <unistd.h>

#include <cstdio>

#include "engine/archiving/chain.h"

namespace lockstep::archiving {
namespace {

std::string LogName(Zxid first) {
  char name[32];
  std::snprintf(name, sizeof(name), "log.%llx",
                static_cast<unsigned long long>(static_cast<uint64_t>(first)));
  return name;
}

}  // namespace

Result<ReplayLog> WriteReplayLog(const SegmentStore& store,
                                 const std::vector<proto::ArchiveSegment>& segments, Zxid covered,
                                 Zxid target, const std::string& log_dir,
                                 const age::Identities& identities) {
  if (target <= covered) {
    return InvalidArgument("the target " + FormatZxid(target) + " is not after the base's " +
                           FormatZxid(covered));
  }
  ReplayLog replay;
  replay.path = log_dir + "/" + LogName(covered + 1);
  ASSIGN_OR_RETURN(std::unique_ptr<SegmentWriter> writer, SegmentWriter::CreatePlain(replay.path));
  Zxid last = covered;
  Status broken;
  for (const auto& record : segments) {
    ASSIGN_OR_RETURN(Segment segment, SegmentOf(record));
    if (!Joins(segment, last)) {
      return FailedPrecondition("archived segment " + record.id() + " does not follow " +
                                FormatZxid(last) + ": the chain has a hole there");
    }
    Status read = ReadSegment(
        store.PathOf(record.id()), segment.info,
        [&](const zkfmt::TxnRecord& txn) {
          if (!broken.ok() || txn.zxid <= last || txn.zxid > target) return;
          broken = writer->Append(txn);
          last = txn.zxid;
          ++replay.records;
        },
        identities);
    RETURN_IF_ERROR(read.Prepend("archived segment " + record.id()));
    RETURN_IF_ERROR(broken);
    if (last >= target) break;
  }
  if (last != target) {
    return FailedPrecondition("the archived segments end at " + FormatZxid(last) +
                              ", before the target " + FormatZxid(target));
  }
  RETURN_IF_ERROR(writer->Finish().status());
  replay.last = last;
  return replay;
}

}  // namespace lockstep::archiving
