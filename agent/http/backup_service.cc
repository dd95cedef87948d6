#include "agent/http/backup_service.h"

#include <filesystem>

#include "agent/http/api_util.h"
#include "agent/http/coordinator_route.h"
#include "agent/master/replica_sources.h"
#include "api/names.h"
#include "api/paths.h"
#include "api/status_http.h"
#include "common/crypto/age_file.h"
#include "common/log.h"
#include "common/sha256.h"
#include "engine/backup_file/extract.h"
#include "engine/datadir/inspect_archive.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

constexpr auto kCoordinatorTimeout = std::chrono::seconds(60);

}  // namespace

BackupService::BackupService(BackupServiceOptions options, LocalAgent* self, Catalog* catalog,
                             const MastersView* masters, coordinator::AgentClient* agents,
                             const http::Client* client, coordinator::Election* election)
    : options_(std::move(options)),
      self_(self),
      catalog_(catalog),
      masters_(masters),
      client_(client),
      election_(election),
      backups_(std::make_unique<coordinator::ClusterBackups>(
          *agents, [masters](bool fresh) { return masters->View(fresh); }, options_.settings,
          [election] { return election->Generation(); })) {
  backups_->set_record_lookup([catalog](const std::string& id) { return catalog->Find(id); });
  backups_->set_request_lookup([catalog](const std::string& request_id) {
    std::optional<proto::Backup> found;
    for (auto& record : catalog->All()) {
      if (record.request_id() == request_id) found = std::move(record);
    }
    return found;
  });
}

std::optional<http::Reply> BackupService::ForwardToCoordinator(const http::Request& request,
                                                               bool repeatable) {
  return RouteToCoordinator(
      *election_, *client_, options_.token, request,
      std::chrono::duration_cast<std::chrono::milliseconds>(kCoordinatorTimeout),
      RealClockInstance(), repeatable);
}

http::Reply BackupService::Create(const http::Request& request, const PathParams&) {
  proto::CreateBackupRequest create;
  if (Status parsed = ParseBody(request, &create); !parsed.ok()) return StatusReply(parsed);
  // Checked here first so a bad label is refused even with no coordinator.
  if (Status label = api::CheckLabel(create.label()); !label.ok()) return StatusReply(label);
  // With a request id, a coordinator that does not answer is replaced by the next one elected.
  if (auto forwarded = ForwardToCoordinator(request, !create.request_id().empty())) {
    return *forwarded;
  }
  return ResultReply(backups_->Start(create), 202);
}

http::Reply BackupService::Delete(const http::Request& request, const PathParams& params) {
  const std::string& id = params.at("id");
  if (Status valid = api::CheckBackupId(id); !valid.ok()) return StatusReply(valid);
  if (auto forwarded = ForwardToCoordinator(request)) return *forwarded;
  return ResultReply(DeleteBackup(id));
}

Result<proto::Backup> BackupService::DeleteBackup(const std::string& id) {
  ASSIGN_OR_RETURN(proto::Backup record, catalog_->Find(id));
  ASSIGN_OR_RETURN(proto::Backup deleted, backups_->Delete(std::move(record)));
  if (!repository_) return deleted;
  if (Status removed = repository_->Remove(id); !removed.ok()) {
    return removed.Prepend("deleted from every master, but its copy at " + repository_->UrlOf(id) +
                           " is still there; run `backup delete " + id +
                           "` again once the store answers");
  }
  // The tombstone says where the copy was, and that it is gone (STATUS_UNKNOWN: no copy).
  deleted.mutable_remote()->set_status(proto::STATUS_UNKNOWN);
  deleted.mutable_remote()->set_url(repository_->UrlOf(id));
  deleted.mutable_remote()->set_reason("removed from the repository");
  backups_->Publish(deleted);
  return deleted;
}

Result<proto::Backup> BackupService::ReleaseReplicas(const std::string& id) {
  ASSIGN_OR_RETURN(proto::Backup record, catalog_->Find(id));
  return backups_->ReleaseReplicas(std::move(record));
}

Result<proto::Backup> BackupService::StartBackup(const proto::CreateBackupRequest& request) {
  return backups_->Start(request);
}

void BackupService::RecoverInterrupted(const std::vector<proto::Backup>& catalog) {
  backups_->RecoverInterrupted(catalog);
}

void BackupService::CatchUp(const std::vector<proto::Backup>& catalog) {
  backups_->CatchUp(catalog);
}

http::Reply BackupService::Show(const http::Request&, const PathParams& params) {
  return ResultReply(catalog_->Find(params.at("id")));
}

http::Reply BackupService::List(const http::Request& request, const PathParams&) {
  const std::string prefix = QueryOr(request, "prefix", "");
  proto::BackupList list;
  for (auto& record : catalog_->All()) {
    if (record.label().starts_with(prefix) || record.id().starts_with(prefix)) {
      *list.add_backups() = std::move(record);
    }
  }
  return JsonReply(list);
}

http::Reply BackupService::Archive(const http::Request&, const PathParams& params) {
  const std::string& id = params.at("id");
  if (Status valid = api::CheckBackupId(id); !valid.ok()) return StatusReply(valid);
  ReplicaStore& replicas = self_->replicas();
  if (!replicas.Has(id) && repository_ != nullptr) {
    Result<proto::Backup> record = catalog_->Find(id);
    if (!record.ok()) return StatusReply(record.status());
    if (record->remote().status() == proto::STATUS_READY) {
      if (Status fetched = FetchFromAny(replicas, *record, {record->remote().url()});
          !fetched.ok()) {
        return StatusReply(
            fetched.Prepend(self_->name() + " could not fetch the repository's copy"));
      }
    }
  }
  return ArchiveReply(self_->name(), id, replicas.Has(id), replicas.PathOf(id));
}

Result<proto::Backup> BackupService::ImportedRecord(const std::string& path,
                                                    const std::string& label) {
  // Everything is checked before the archive becomes a backup: entries, checksums, replay.
  ASSIGN_OR_RETURN(age::Identities identities, self_->replicas().Identities());
  ASSIGN_OR_RETURN(proto::InspectReport report,
                   datadir::InspectArchive(path, self_->replicas().dir(), identities));
  if (!report.valid()) {
    std::string why = report.problems_size() ? report.problems(0).message() : "not restorable";
    return InvalidArgument("refusing the import: " + why);
  }
  ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(path));
  ASSIGN_OR_RETURN(std::optional<proto::Manifest> manifest,
                   backup_file::PeekManifest(path, identities));
  proto::Backup record;
  record.set_id(api::NewBackupId(label));
  record.set_label(label);
  record.set_mode("import");
  record.set_sha256(sha);
  record.set_size_bytes(std::filesystem::file_size(path));
  ASSIGN_OR_RETURN(bool encrypted, age::IsAgeFile(path));
  if (encrypted) record.set_encryption("age");
  const std::string source = "import via " + self_->name();
  if (!manifest || !manifest->components_only()) {
    auto& zookeeper = (*record.mutable_component_status())["zookeeper"];
    zookeeper.set_last_zxid(report.last_zxid());
    zookeeper.set_node_count(static_cast<uint32_t>(report.node_count()));
    zookeeper.set_source(source);
  }
  if (manifest) {
    for (const auto& dump : manifest->component_dumps()) {
      auto& component = (*record.mutable_component_status())[dump.name()];
      component.set_root(dump.root());
      component.set_node_count(dump.node_count());
      component.set_zxid_from(dump.zxid_from());
      component.set_zxid_to(dump.zxid_to());
      *component.mutable_ephemeral() = dump.ephemeral();
      component.set_source(source);
    }
  }
  return record;
}

http::Reply BackupService::Import(const http::Request& request, const PathParams&) {
  if (request.body_file.empty()) {
    return StatusReply(InvalidArgument("send the archive as the request body"));
  }
  const std::string label = QueryOr(request, "label", "imported");
  if (Status valid = api::CheckLabel(label); !valid.ok()) return StatusReply(valid);
  Result<proto::Backup> record = ImportedRecord(request.body_file, label);
  if (!record.ok()) return StatusReply(record.status());
  if (Status kept = self_->replicas().Adopt(request.body_file, record->id(), record->sha256());
      !kept.ok()) {
    return StatusReply(kept);
  }
  Result<proto::Backup> registered = RegisterImport(*record, self_->name());
  if (!registered.ok()) (void)self_->replicas().Remove(record->id());
  return ResultReply(registered, 201);
}

Result<proto::Backup> BackupService::RegisterImport(const proto::Backup& record,
                                                    const std::string& holder) {
  http::Request registration;
  registration.method = "POST";
  registration.path = api::paths::kRegisterImport;
  registration.query["holder"] = holder;
  registration.body = proto::ToCompactJson(record);
  if (auto forwarded = ForwardToCoordinator(registration)) {
    if (forwarded->status / 100 != 2) return api::StatusFromReply(*forwarded, "the coordinator");
    proto::Backup registered;
    RETURN_IF_ERROR(proto::FromJson(forwarded->body, &registered, true));
    return registered;
  }
  return backups_->Register(record, holder);
}

http::Reply BackupService::Register(const http::Request& request, const PathParams&) {
  if (auto forwarded = ForwardToCoordinator(request)) return *forwarded;
  proto::Backup record;
  if (Status parsed = ParseBody(request, &record); !parsed.ok()) return StatusReply(parsed);
  if (Status valid = api::CheckBackupId(record.id()); !valid.ok()) return StatusReply(valid);
  return ResultReply(backups_->Register(record, QueryOr(request, "holder", "")), 201);
}

}  // namespace lockstep::agent
