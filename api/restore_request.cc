#include "api/restore_request.h"

#include <algorithm>

#include "api/names.h"
#include "api/znode_path.h"
#include "common/clock.h"

namespace lockstep::api {
namespace {

bool NamesZooKeeper(const proto::RestoreRequest& request) {
  return std::find(request.components().begin(), request.components().end(), "zookeeper") !=
         request.components().end();
}

// A spot restore names a subtree (and where it goes live) and no component.
Status CheckSpot(const proto::RestoreRequest& request) {
  if (request.components_size() > 0) {
    return InvalidArgument("--path restores one subtree; leave out --component");
  }
  RETURN_IF_ERROR(CheckRestorableSubtree(request.path(), "--path"));
  if (request.to().empty() || request.to() == request.path()) return Status::Ok();
  RETURN_IF_ERROR(CheckRestorableSubtree(request.to(), "--to"));
  if (InSubtree(request.to(), request.path()) || InSubtree(request.path(), request.to())) {
    return InvalidArgument("--to " + request.to() + " overlaps --path " + request.path() +
                           ": restoring into it would rewrite the subtree being restored; pick "
                           "a path outside it");
  }
  return Status::Ok();
}

}  // namespace

bool IsPointInTime(const proto::RestoreRequest& request) {
  return request.latest() || !request.to_zxid().empty() || !request.to_time().empty();
}

Status CheckBackupRestore(const proto::RestoreRequest& request) {
  if (!request.path().empty()) return CheckSpot(request);
  if (!request.to().empty()) return InvalidArgument("--to needs --path: the subtree to restore");
  if (NamesZooKeeper(request) && request.components_size() > 1) {
    return InvalidArgument(
        "restore zookeeper on its own: it replaces the whole ensemble's data, every app "
        "component's included");
  }
  if (!NamesZooKeeper(request) && request.dry_run()) {
    return InvalidArgument(
        "--dry-run plans a --component zookeeper or a --path restore; app components are "
        "restored online and stop nothing (`backup diff ID --path ROOT` shows what would "
        "change)");
  }
  return Status::Ok();
}

Status CheckPointInTimeRestore(const proto::RestoreRequest& request) {
  const int targets = (request.latest() ? 1 : 0) + (request.to_zxid().empty() ? 0 : 1) +
                      (request.to_time().empty() ? 0 : 1);
  if (targets != 1) {
    return InvalidArgument(
        "a point-in-time restore takes exactly one of --to-zxid, --to-time and --latest");
  }
  if (!request.path().empty() || !request.to().empty()) {
    return InvalidArgument("a point-in-time restore replaces the whole ensemble: leave out --path");
  }
  for (const auto& component : request.components()) {
    if (component != "zookeeper") {
      return InvalidArgument("a point-in-time restore is of --component zookeeper only, not '" +
                             component + "'");
    }
  }
  if (!request.base().empty()) RETURN_IF_ERROR(CheckBackupId(request.base()));
  return RestoreTargetOf(request).status();
}

Result<RestoreTarget> RestoreTargetOf(const proto::RestoreRequest& request) {
  RestoreTarget target;
  target.latest = request.latest();
  if (!request.to_zxid().empty()) {
    target.zxid = ParseHexZxid(request.to_zxid());
    if (!target.zxid || !request.to_zxid().starts_with("0x")) {
      return InvalidArgument("--to-zxid '" + request.to_zxid() +
                             "' is not a zxid: write it as ZooKeeper does, 0x followed by hex");
    }
  }
  if (!request.to_time().empty()) {
    std::optional<Clock::WallTimePoint> when = ParseUtcTimestamp(request.to_time());
    if (!when) {
      return InvalidArgument("--to-time '" + request.to_time() +
                             "' is not a UTC time: write it as 2026-12-01T10:42:00Z");
    }
    target.time_ms = UnixMillis(*when);
  }
  return target;
}

}  // namespace lockstep::api
