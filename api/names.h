// The names operators and the API use (docs/design.md "Words"): a backup label is 3-25 characters
// matching ^[A-Za-z0-9_]{2}[A-Za-z0-9_.-]*$; a backup id is "<label>-<uuid4>"; a restore id is
// "restore-<UTC time>-<uuid4>" (it follows the backup-id rule and sorts by time, which names the
// rollback directories in order); a schedule name prefixes its backups' labels. Ids become file
// names on every master, so anything else is refused before it reaches a path.
#pragma once

#include <string>

#include "common/status.h"
#include "proto/backup.pb.h"

namespace lockstep::api {

// InvalidArgument naming the rule the label breaks.
Status CheckLabel(const std::string& label);
Status CheckBackupId(const std::string& id);
// Schedule names become label prefixes: "<name>-yyyymmdd-hhmm" must stay within 25 characters.
Status CheckScheduleName(const std::string& name);
std::string NewBackupId(const std::string& label);
std::string LabelOfId(const std::string& id);

std::string NewRestoreId();
Status CheckRestoreId(const std::string& id);

// Request ids: one per CLI invocation that starts an operation, so a retry of it is recognised.
// 8 to 64 letters, digits, '_' or '-'; empty means "not idempotent" (older clients).
std::string NewRequestId();
Status CheckRequestId(const std::string& id);

// What a schedule verifies of each backup it makes (Schedule.verify, `schedule create --verify`);
// empty means none. The kinds are also Verification.kind: a quick check re-hashes and parses every
// replica, a deep one also restores one into a scratch ZooKeeper (a restore drill).
inline constexpr char kVerifyNone[] = "none";
inline constexpr char kVerifyQuick[] = "quick";
inline constexpr char kVerifyDeep[] = "deep";

// A new schedule's name, cron expression (api/cron.h), mode and verification.
Status CheckSchedule(const proto::Schedule& schedule);

}  // namespace lockstep::api
