#include "agent/http/dcos_api.h"

#include "api/names.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

// DC/OS's bounds on a backup id: a label of 3 to 25 characters, '-', a UUID.
constexpr size_t kMinIdLength = 40;
constexpr size_t kMaxIdLength = 62;

http::Reply Json(const google::protobuf::Message& message) {
  return http::Reply{.status = 200, .body = proto::ToCompactJson(message)};
}

// A request body of DC/OS's shape, or why not. Unknown fields are refused: a misspelt key would
// otherwise be a missing one.
template <typename Message>
Result<Message> BodyOf(const http::Request& request, const std::string& shape) {
  Message message;
  if (request.body.empty()) return InvalidArgument("the request needs a JSON body: " + shape);
  RETURN_IF_ERROR(proto::FromJson(request.body, &message).Prepend("expected " + shape));
  return message;
}

Status CheckDcosId(const std::string& id) {
  if (id.size() < kMinIdLength || id.size() > kMaxIdLength) {
    return InvalidArgument("id '" + id.substr(0, 80) + "' has " + std::to_string(id.size()) +
                           " characters; a backup id has " + std::to_string(kMinIdLength) + " to " +
                           std::to_string(kMaxIdLength) + " (GET /list shows them)");
  }
  return api::CheckBackupId(id);
}

Result<std::string> IdOf(const http::Request& request) {
  ASSIGN_OR_RETURN(proto::DcosIdRequest body,
                   BodyOf<proto::DcosIdRequest>(request, "{\"id\": \"<backup id>\"}"));
  RETURN_IF_ERROR(CheckDcosId(body.id()));
  return body.id();
}

proto::DcosComponentStatus StatusOnly(const proto::ComponentStatus& component) {
  proto::DcosComponentStatus status;
  status.set_status(component.status());
  return status;
}

// The backup whose restores[] holds `restore_id`, if any.
const proto::Backup* HolderOfRestore(const std::vector<proto::Backup>& backups,
                                     const std::string& restore_id) {
  for (const auto& backup : backups) {
    for (const auto& restore : backup.restores()) {
      if (restore.id() == restore_id) return &backup;
    }
  }
  return nullptr;
}

}  // namespace

http::Reply DcosError(int status, const std::string& message) {
  proto::DcosErrors errors;
  errors.add_errors(message);
  return http::Reply{.status = status, .body = proto::ToCompactJson(errors)};
}

http::Reply DcosErrorOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition:
      return DcosError(400, status.message());
    case StatusCode::kBusy:
      return DcosError(
          500, "backup/restore is busy: the lock is already held (" + status.message() + ")");
    default:
      return DcosError(500, status.message());
  }
}

proto::DcosBackupMetadata DcosMetadataOf(const proto::Backup& backup,
                                         const std::string& dcos_version) {
  proto::DcosBackupMetadata metadata;
  metadata.set_dcos_version(dcos_version);
  metadata.set_id(backup.id());
  metadata.set_timestamp(backup.timestamp());
  metadata.set_status(backup.status());
  for (const auto& [name, component] : backup.component_status()) {
    (*metadata.mutable_component_status())[name] = StatusOnly(component);
  }
  for (const auto& restore : backup.restores()) {
    proto::DcosRestore* out = metadata.add_restores();
    out->set_id(restore.id());
    out->set_status(restore.status());
    for (const auto& [name, component] : restore.component_status()) {
      (*out->mutable_component_status())[name] = StatusOnly(component);
    }
  }
  return metadata;
}

DcosBackupApi::DcosBackupApi(DcosBackend* backend, std::string dcos_version)
    : backend_(backend), dcos_version_(std::move(dcos_version)) {}

http::Reply DcosBackupApi::BackupInfo(const proto::Backup& backup) const {
  proto::DcosBackupInfo info;
  *info.mutable_backup_info() = DcosMetadataOf(backup, dcos_version_);
  return Json(info);
}

http::Reply DcosBackupApi::Create(const http::Request& request, const PathParams&) {
  Result<proto::DcosCreateRequest> body =
      BodyOf<proto::DcosCreateRequest>(request, "{\"label\": \"<3 to 25 characters>\"}");
  if (!body.ok()) return DcosErrorOf(body.status());
  if (Status valid = api::CheckLabel(body->label()); !valid.ok()) return DcosErrorOf(valid);
  Result<proto::Backup> started = backend_->Create(request, body->label());
  if (!started.ok()) return DcosErrorOf(started.status());
  // DC/OS answered before any component began: each shows STATUS_UNKNOWN until `list` says more.
  proto::Backup answer = *started;
  for (auto& [name, component] : *answer.mutable_component_status()) {
    component.set_status(proto::STATUS_UNKNOWN);
  }
  return BackupInfo(answer);
}

http::Reply DcosBackupApi::Restore(const http::Request& request, const PathParams&) {
  Result<std::string> id = IdOf(request);
  if (!id.ok()) return DcosErrorOf(id.status());
  Result<proto::RestoreRecord> started = backend_->Restore(request, *id);
  if (!started.ok()) return DcosErrorOf(started.status());
  Result<proto::Backup> backup = backend_->Show(request, *id);
  if (!backup.ok()) return DcosErrorOf(backup.status());
  // The record the restore published may not have reached this master yet: show it regardless.
  bool listed = false;
  for (const auto& restore : backup->restores()) listed |= restore.id() == started->id();
  if (!listed) *backup->add_restores() = *started;
  return BackupInfo(*backup);
}

http::Reply DcosBackupApi::Delete(const http::Request& request, const PathParams&) {
  Result<std::string> id = IdOf(request);
  if (!id.ok()) return DcosErrorOf(id.status());
  Result<proto::Backup> backup = backend_->Show(request, *id);
  if (!backup.ok() && backup.status().code() == StatusCode::kNotFound) {
    Result<std::vector<proto::Backup>> all = backend_->List(request, "");
    if (all.ok()) {
      if (const proto::Backup* holder = HolderOfRestore(*all, *id)) {
        return DcosError(400, "'" + *id + "' is a restore's id (of backup " + holder->id() +
                                  "); delete takes a backup's id");
      }
    }
    return DcosError(400, "there is no backup '" + *id + "' (GET /list shows them)");
  }
  if (!backup.ok()) return DcosErrorOf(backup.status());
  if (Status deleted = backend_->Delete(request, *id); !deleted.ok()) return DcosErrorOf(deleted);
  return http::Reply{.status = 200, .body = ""};
}

http::Reply DcosBackupApi::List(const http::Request& request, const PathParams&) {
  auto prefix = request.query.find("prefix");
  Result<std::vector<proto::Backup>> backups =
      backend_->List(request, prefix == request.query.end() ? "" : prefix->second);
  if (!backups.ok()) return DcosErrorOf(backups.status());
  if (backups->empty()) return http::Reply{.status = 200, .body = "{}"};
  proto::DcosBackupList list;
  for (const auto& backup : *backups)
    *list.add_backup_info() = DcosMetadataOf(backup, dcos_version_);
  return Json(list);
}

}  // namespace lockstep::agent
