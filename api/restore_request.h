// The rules of a restore request (docs/operations.md, "Restore"), checked by the CLI before it
// sends one and by the agent before it acts on one: the same rules and the same messages, so an
// operator is told the same thing whichever side refuses first.
#pragma once

#include <cstdint>
#include <optional>

#include "common/status.h"
#include "common/zxid.h"
#include "proto/backup.pb.h"

namespace lockstep::api {

// A point-in-time restore's target, parsed: exactly one of the three is set.
struct RestoreTarget {
  bool latest = false;
  std::optional<Zxid> zxid;
  std::optional<int64_t> time_ms;  // UTC, milliseconds since the epoch
};

// Whether a request asks for a point in time at all (--to-zxid, --to-time or --latest).
bool IsPointInTime(const proto::RestoreRequest& request);

// A restore of one backup (POST /v1/backups/ID/restore): zookeeper on its own, app components, or
// one subtree (--path, perhaps --to elsewhere, never overlapping it); --dry-run only where it
// plans something. InvalidArgument naming the problem.
Status CheckBackupRestore(const proto::RestoreRequest& request);

// A point-in-time restore (POST /v1/archive/restore): exactly one well-formed target, the
// zookeeper component only, no --path, and a well-formed base id when one is pinned.
// InvalidArgument naming the problem.
Status CheckPointInTimeRestore(const proto::RestoreRequest& request);

// The target of a point-in-time request: "0x…" zxids and "2026-12-01T10:42:00Z" times only.
// InvalidArgument naming the malformed one; no target at all is an empty RestoreTarget.
Result<RestoreTarget> RestoreTargetOf(const proto::RestoreRequest& request);

}  // namespace lockstep::api
