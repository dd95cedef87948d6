#include "agent/http/dcos_backend.h"

#include "api/paths.h"
#include "api/status_http.h"
#include "common/http/request_text.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

// The caller's request turned into the Lockstep call `method path` with `body`: the same
// caller, token and forwarding, another route.
http::Request Call(const http::Request& caller, std::string method, std::string path,
                   std::string body = "", std::map<std::string, std::string> query = {}) {
  http::Request call = caller;
  call.method = std::move(method);
  call.path = std::move(path);
  call.target = http::BuildTarget(call.path, query);  // the one encoder, as forwarding uses
  call.query = std::move(query);
  call.body = std::move(body);
  call.body_file.clear();
  call.content_type = "application/json";
  call.accept = "application/json";
  return call;
}

// The message a Lockstep reply carries, or the error it is.
template <typename Message>
Result<Message> Parse(http::Reply reply, const std::string& what) {
  if (reply.render) reply.body = reply.render(false);
  if (reply.status >= 400) return api::StatusFromReply(reply, what);
  Message message;
  RETURN_IF_ERROR(proto::FromJson(reply.body, &message, true).Prepend(what));
  return message;
}

}  // namespace

ServiceDcosBackend::ServiceDcosBackend(BackupService* backups, RestoreService* restores)
    : backups_(backups), restores_(restores) {}

Result<proto::Backup> ServiceDcosBackend::Create(const http::Request& caller,
                                                 const std::string& label) {
  proto::CreateBackupRequest create;
  create.set_label(label);
  http::Request call = Call(caller, "POST", api::paths::kBackups, proto::ToCompactJson(create));
  return Parse<proto::Backup>(backups_->Create(call, {}), "backup create");
}

Result<std::vector<proto::Backup>> ServiceDcosBackend::List(const http::Request& caller,
                                                            const std::string& prefix) {
  std::map<std::string, std::string> query;
  if (!prefix.empty()) query["prefix"] = prefix;
  http::Request call = Call(caller, "GET", api::paths::kBackups, "", query);
  ASSIGN_OR_RETURN(proto::BackupList list,
                   Parse<proto::BackupList>(backups_->List(call, {}), "backup list"));
  return std::vector<proto::Backup>(list.backups().begin(), list.backups().end());
}

Result<proto::Backup> ServiceDcosBackend::Show(const http::Request& caller, const std::string& id) {
  http::Request call = Call(caller, "GET", api::paths::Fill(api::paths::kBackup, {id}));
  return Parse<proto::Backup>(backups_->Show(call, {{"id", id}}), "backup show");
}

Result<proto::RestoreRecord> ServiceDcosBackend::Restore(const http::Request& caller,
                                                         const std::string& id) {
  // No components named: every app component the backup holds, online (never ZooKeeper).
  http::Request call =
      Call(caller, "POST", api::paths::Fill(api::paths::kBackupRestore, {id}), "{}");
  return Parse<proto::RestoreRecord>(restores_->Restore(call, {{"id", id}}), "backup restore");
}

Status ServiceDcosBackend::Delete(const http::Request& caller, const std::string& id) {
  http::Request call = Call(caller, "DELETE", api::paths::Fill(api::paths::kBackup, {id}));
  return Parse<proto::Backup>(backups_->Delete(call, {{"id", id}}), "backup delete").status();
}

}  // namespace lockstep::agent
