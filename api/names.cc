#include "api/names.h"

#include <openssl/rand.h>

#include <cstdio>
#include <regex>

#include "api/cron.h"
#include "common/clock.h"

namespace lockstep::api {
namespace {

const std::regex kLabel("^[A-Za-z0-9_]{2}[A-Za-z0-9_.-]*$");
const std::regex kUuid4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
constexpr size_t kUuidLength = 36;
constexpr size_t kScheduleSuffix = 14;  // "-yyyymmdd-hhmm"

}  // namespace

Status CheckLabel(const std::string& label) {
  if (label.size() < 3 || label.size() > 25) {
    return InvalidArgument("label '" + label + "' has " + std::to_string(label.size()) +
                           " characters; a label has 3 to 25");
  }
  if (!std::regex_match(label, kLabel)) {
    return InvalidArgument("label '" + label +
                           "' must start with two letters, digits or '_' and continue with "
                           "letters, digits, '_', '.' or '-' (^[A-Za-z0-9_]{2}[A-Za-z0-9_.-]*$)");
  }
  return Status::Ok();
}

Status CheckBackupId(const std::string& id) {
  if (id.size() < kUuidLength + 4 || id[id.size() - kUuidLength - 1] != '-' ||
      !CheckLabel(LabelOfId(id)).ok() ||
      !std::regex_match(id.substr(id.size() - kUuidLength), kUuid4)) {
    return InvalidArgument("'" + id +
                           "' is not a backup id (<label>-<uuid4>); `lockstep backup "
                           "list` shows them");
  }
  return Status::Ok();
}

Status CheckScheduleName(const std::string& name) {
  if (name.size() < 2 || name.size() + kScheduleSuffix > 25) {
    return InvalidArgument("schedule name '" + name + "' must have 2 to " +
                           std::to_string(25 - kScheduleSuffix) +
                           " characters: its backups are labelled <name>-yyyymmdd-hhmm, at most "
                           "25 characters");
  }
  return CheckLabel(name + "-20000101-0000").Prepend("schedule name '" + name + "'");
}

std::string NewBackupId(const std::string& label) {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char uuid[37];
  std::snprintf(uuid, sizeof uuid,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return label + "-" + uuid;
}

std::string LabelOfId(const std::string& id) {
  return id.size() > kUuidLength + 1 ? id.substr(0, id.size() - kUuidLength - 1) : "";
}

std::string NewRestoreId() { return NewBackupId("restore-" + FormatUtcNow("%Y%m%dT%H%M%SZ")); }

Status CheckRestoreId(const std::string& id) {
  if (!id.starts_with("restore-")) {
    return InvalidArgument("restore id '" + id + "' does not start with 'restore-'");
  }
  return CheckBackupId(id);
}

std::string NewRequestId() { return NewBackupId("req").substr(4); }

Status CheckRequestId(const std::string& id) {
  static const std::regex kRequestId("^[A-Za-z0-9_-]{8,64}$");
  if (id.empty() || std::regex_match(id, kRequestId)) return Status::Ok();
  return InvalidArgument("request id '" + id + "' must be 8 to 64 letters, digits, '_' or '-'");
}

Status CheckSchedule(const proto::Schedule& schedule) {
  RETURN_IF_ERROR(CheckScheduleName(schedule.name()));
  RETURN_IF_ERROR(CronSchedule::Parse(schedule.cron()).status());
  if (!schedule.mode().empty() && schedule.mode() != "online" && schedule.mode() != "offline") {
    return InvalidArgument("--mode must be online or offline, not '" + schedule.mode() + "'");
  }
  const std::string& verify = schedule.verify();
  if (!verify.empty() && verify != kVerifyNone && verify != kVerifyQuick && verify != kVerifyDeep) {
    return InvalidArgument("--verify must be none, quick or deep, not '" + verify + "'");
  }
  return Status::Ok();
}

}  // namespace lockstep::api
