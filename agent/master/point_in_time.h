// Resolving a point-in-time restore's target (docs/design.md "Continuous archiving"): `--to-zxid`,
// `--to-time` or `--latest`, optionally pinned to one base backup, against the catalog's bases
// and the segments this master holds, into the base to stage and the segments to replay, with the
// exact target zxid and its transaction's time. The request's own rules are
// api/restore_request.h's.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "coordinator/restores.h"
#include "engine/archiving/segment_store.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

struct PointInTimeChoice {
  std::string base_id;
  coordinator::PointInTime pit;
};

// `identities` open encrypted segments (a `--to-time` target is looked up in them).
// FailedPrecondition saying why when the archive can't reach the target (no base at or before
// it, a break before it); NotFound for a pinned base that is not a READY zookeeper backup.
Result<PointInTimeChoice> ChoosePointInTime(const proto::RestoreRequest& request,
                                            const std::vector<proto::Backup>& catalog,
                                            const archiving::SegmentStore& store,
                                            const age::Identities& identities = {});

}  // namespace lockstep::agent
