// The archive's chains as the catalog and a store show them: which READY backups are bases, which
// stored segments the chain logic can use, where a new archiver continues, when a base is needed,
// what retention removes, and `archive status`'s description. Pure functions over records (the
// store's only for retention); the coordinator's archive duty, point-in-time restores and the
// bucket's archive use them. chain.h holds the chain rules themselves.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/zxid.h"
#include "engine/archiving/chain.h"
#include "engine/archiving/segment_store.h"
#include "proto/archiving.pb.h"
#include "proto/backup.pb.h"

namespace lockstep::archiving {

// The bases of the catalog: READY backups holding the zookeeper component, with its zxid.
std::vector<Base> BasesOf(const std::vector<proto::Backup>& catalog);
// The stored segments the chain logic can use (records that do not parse are skipped).
std::vector<Segment> SegmentsOf(const std::vector<proto::ArchiveSegment>& records);
// Where a new archiver continues after ("0x…"; "" for wherever its server's logs begin): the
// archive's `end` as the coordinator holds it, or, when that is before the oldest base, the
// oldest base (retention would remove what lies between at once); with no archive, the newest
// base's zxid. `bases` in zxid order.
std::string ContinueAfter(const std::vector<Base>& bases, std::optional<Zxid> end);
// Why the coordinator must take a base backup now ("" when it need not): a cluster restore
// newer than every base, or a break that leaves the newest chain short of the archive's end.
// Never while the ensemble (its newest serving zxid) is behind its own archive, nor while a
// backup runs.
std::string BaseNeeded(const std::vector<proto::Backup>& catalog,
                       const std::vector<Segment>& segments, Zxid ensemble_zxid);
// Retention on one master (every agent, coordinator or not): the segments no kept base needs,
// those wholly at or before the oldest base's zxid, are removed. Nothing without a base. The ids
// removed.
std::vector<std::string> PruneSegments(const std::vector<proto::Backup>& catalog,
                                       SegmentStore& store);
// `archive status`'s chains, window and breaks, from the bases and segments.
void DescribeChains(const std::vector<Base>& bases, const std::vector<Segment>& segments,
                    proto::ArchiveStatus* status);

}  // namespace lockstep::archiving
