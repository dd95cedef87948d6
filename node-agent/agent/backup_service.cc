#include "node-agent/agent/backup_service.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/crash_point.h"
#include "common/log.h"
#include "common/sha256.h"
#include "coordinator/labels.h"
#include "node-agent/agent/api_util.h"
#include "node-agent/agent/cluster_view.h"
#include "node-agent/agent/coordinator_route.h"
#include "node-agent/archive/extract.h"
#include "node-agent/local/deep_verify.h"
#include "node-agent/local/inspect_archive.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

constexpr auto kCoordinatorTimeout = std::chrono::seconds(60);
constexpr auto kInternalTimeout = std::chrono::seconds(10);

bool Newer(const proto::Backup& a, const proto::Backup& b) { return a.revision() > b.revision(); }

}  // namespace

BackupService::BackupService(BackupServiceOptions options, LocalNode* node, PeerView* peers,
                             const http::Client* client, coordinator::Election* election,
                             OperationLock* lock)
    : options_(std::move(options)),
      node_(node),
      peers_(peers),
      client_(client),
      election_(election),
      lock_(lock),
      catalog_(options_.store_dir + "/catalog", [](const proto::Backup& b) { return b.id(); }),
      archives_(options_.store_dir + "/backups", options_.zoo_cfg, node, client, options_.token),
      agents_(*client, options_.token,
              std::chrono::duration_cast<std::chrono::milliseconds>(kInternalTimeout)) {
  backups_ = std::make_unique<coordinator::Backups>(
      agents_, [this](bool fresh) { return View(fresh); }, options_.settings);
}

Status BackupService::Open() {
  RETURN_IF_ERROR(catalog_.Open());
  return archives_.Open();
}

coordinator::ClusterView BackupService::View(bool fresh) const {
  if (fresh) {
    node_->Refresh();
    peers_->RefreshAll();
  }
  proto::ClusterStatus status =
      ComposeClusterStatus(node_->Snapshot(), peers_->Snapshot(), options_.voters);
  coordinator::ClusterView view;
  view.voters = options_.voters;
  view.masters.assign(status.masters().begin(), status.masters().end());
  return view;
}

std::vector<proto::Backup> BackupService::Catalog() {
  std::map<std::string, proto::Backup> merged;
  for (auto& record : catalog_.All()) merged[record.id()] = std::move(record);
  for (const std::string& body :
       AskPeers(*peers_, *client_, options_.token, "/v1/internal/catalog", options_.peer_timeout)) {
    proto::BackupList list;
    if (!proto::FromJson(body, &list, true).ok()) continue;
    for (auto& record : *list.mutable_backups()) {
      auto it = merged.find(record.id());
      if (it != merged.end() && !Newer(record, it->second)) continue;
      (void)catalog_.Put(record);  // catch up: this master now keeps the newer copy too
      merged[record.id()] = std::move(record);
    }
  }
  std::vector<proto::Backup> records;
  for (auto& [id, record] : merged) {
    if (!record.deleted()) records.push_back(std::move(record));
  }
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a.timestamp() != b.timestamp() ? a.timestamp() < b.timestamp() : a.id() < b.id();
  });
  return records;
}

Result<proto::Backup> BackupService::Find(const std::string& id) {
  RETURN_IF_ERROR(coordinator::CheckBackupId(id));
  for (auto& record : Catalog()) {
    if (record.id() == id) return record;
  }
  return NotFound("no backup '" + id + "'; `lockstep backup list` shows them");
}

std::optional<http::Reply> BackupService::ForwardToCoordinator(const http::Request& request) {
  return RouteToCoordinator(
      *election_, *client_, options_.token, request,
      std::chrono::duration_cast<std::chrono::milliseconds>(kCoordinatorTimeout));
}

http::Reply BackupService::Create(const http::Request& request) {
  proto::CreateBackupRequest create;
  if (Status parsed = ParseBody(request, &create); !parsed.ok()) return StatusReply(parsed);
  // Checked here first so a bad label is refused even with no coordinator.
  if (Status label = coordinator::CheckLabel(create.label()); !label.ok()) {
    return StatusReply(label);
  }
  if (auto forwarded = ForwardToCoordinator(request)) return *forwarded;
  Result<proto::Backup> started = backups_->Start(create);
  if (!started.ok()) return StatusReply(started.status());
  return JsonReply(*started, 202);
}

http::Reply BackupService::Delete(const http::Request& request, const std::string& id) {
  if (Status valid = coordinator::CheckBackupId(id); !valid.ok()) return StatusReply(valid);
  if (auto forwarded = ForwardToCoordinator(request)) return *forwarded;
  Result<proto::Backup> deleted = DeleteBackup(id);
  return deleted.ok() ? JsonReply(*deleted) : StatusReply(deleted.status());
}

Result<proto::Backup> BackupService::DeleteBackup(const std::string& id) {
  ASSIGN_OR_RETURN(proto::Backup record, Find(id));
  return backups_->Delete(std::move(record));
}

Result<proto::Backup> BackupService::StartBackup(const proto::CreateBackupRequest& request) {
  return backups_->Start(request);
}

http::Reply BackupService::Show(const std::string& id) {
  Result<proto::Backup> record = Find(id);
  if (!record.ok()) return StatusReply(record.status());
  return JsonReply(*record);
}

http::Reply BackupService::List(const http::Request& request) {
  const auto prefix = request.query.count("prefix") ? request.query.at("prefix") : "";
  proto::BackupList list;
  for (auto& record : Catalog()) {
    if (record.label().starts_with(prefix) || record.id().starts_with(prefix)) {
      *list.add_backups() = std::move(record);
    }
  }
  return JsonReply(list);
}

http::Reply BackupService::Archive(const std::string& id) {
  if (Status valid = coordinator::CheckBackupId(id); !valid.ok()) return StatusReply(valid);
  if (!archives_.Has(id)) {
    return http::ErrorReply(404, "not_found",
                            node_->options().name + " holds no replica of " + id +
                                "; `lockstep backup show` lists the masters that do");
  }
  http::Reply reply;
  reply.file_path = archives_.PathOf(id);
  return reply;
}

http::Reply BackupService::Import(const http::Request& request) {
  if (request.body_file.empty()) {
    return StatusReply(InvalidArgument("send the archive as the request body"));
  }
  const std::string label = request.query.count("label") ? request.query.at("label") : "imported";
  if (Status valid = coordinator::CheckLabel(label); !valid.ok()) return StatusReply(valid);
  // Everything is checked before the archive becomes a backup: entries, checksums, replay.
  Result<proto::InspectReport> report = local::InspectArchive(request.body_file, archives_.dir());
  if (!report.ok()) return StatusReply(report.status());
  if (!report->valid()) {
    std::string why = report->problems_size() ? report->problems(0).message() : "not restorable";
    return StatusReply(InvalidArgument("refusing the import: " + why));
  }
  Result<std::string> sha = Sha256OfFile(request.body_file);
  if (!sha.ok()) return StatusReply(sha.status());
  proto::Backup record;
  record.set_id(coordinator::NewBackupId(label));
  record.set_label(label);
  record.set_mode("import");
  record.set_sha256(*sha);
  record.set_size_bytes(std::filesystem::file_size(request.body_file));
  Result<std::optional<proto::Manifest>> manifest = archive::PeekManifest(request.body_file);
  if (!manifest.ok()) return StatusReply(manifest.status());
  if (!*manifest || !(*manifest)->components_only()) {
    auto& zookeeper = (*record.mutable_component_status())["zookeeper"];
    zookeeper.set_last_zxid(report->last_zxid());
    zookeeper.set_node_count(static_cast<uint32_t>(report->node_count()));
    zookeeper.set_source("import via " + node_->options().name);
  }
  if (*manifest) {
    for (const auto& dump : (*manifest)->component_dumps()) {
      auto& component = (*record.mutable_component_status())[dump.name()];
      component.set_root(dump.root());
      component.set_node_count(dump.node_count());
      component.set_zxid_from(dump.zxid_from());
      component.set_zxid_to(dump.zxid_to());
      *component.mutable_ephemeral() = dump.ephemeral();
      component.set_source("import via " + node_->options().name);
    }
  }
  if (Status kept = archives_.Adopt(request.body_file, record.id(), *sha); !kept.ok()) {
    return StatusReply(kept);
  }
  // The coordinator makes it a READY backup and replicates it from here.
  http::Request registration;
  registration.method = "POST";
  registration.path = "/v1/internal/backups/register";
  registration.query["holder"] = node_->options().name;
  registration.body = proto::ToCompactJson(record);
  http::Reply registered = Register(registration);
  if (registered.status / 100 != 2) (void)archives_.Remove(record.id());
  return registered;
}

http::Reply BackupService::Register(const http::Request& request) {
  if (auto forwarded = ForwardToCoordinator(request)) return *forwarded;
  proto::Backup record;
  if (Status parsed = ParseBody(request, &record); !parsed.ok()) return StatusReply(parsed);
  if (Status valid = coordinator::CheckBackupId(record.id()); !valid.ok())
    return StatusReply(valid);
  const std::string holder = request.query.count("holder") ? request.query.at("holder") : "";
  Result<proto::Backup> registered = backups_->Register(record, holder);
  return registered.ok() ? JsonReply(*registered, 201) : StatusReply(registered.status());
}

Status BackupService::AskMaster(const proto::MasterStatus& master, const std::string& method,
                                const std::string& path, google::protobuf::Message* reply,
                                std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(master.address()));
  ASSIGN_OR_RETURN(
      http::Reply answer,
      client_->Call(
          url, {.method = method, .target = path, .token = options_.token, .timeout = timeout}));
  if (answer.status / 100 != 2) return coordinator::StatusFromReply(answer, master.name() + path);
  return proto::FromJson(answer.body, reply, true);
}

http::Reply BackupService::Verify(const http::Request& request, const std::string& id) {
  Result<proto::Backup> record = Find(id);
  if (!record.ok()) return StatusReply(record.status());
  proto::VerifyReport report;
  report.set_id(id);
  bool ok = record->status() == proto::STATUS_READY && record->replicas_size() > 0;
  const coordinator::ClusterView view = View();
  const proto::MasterStatus* deep_on = nullptr;
  for (const auto& replica : record->replicas()) {
    proto::ReplicaCheck* check = report.add_replicas();
    check->set_master(replica.master());
    auto master = std::find_if(view.masters.begin(), view.masters.end(),
                               [&](const auto& m) { return m.name() == replica.master(); });
    if (master == view.masters.end()) {
      check->set_error("not a master of this cluster any more");
      ok = false;
      continue;
    }
    Status asked = AskMaster(*master, "POST",
                             "/v1/internal/backups/" + id + "/check?sha256=" + record->sha256(),
                             check, std::chrono::minutes(30));
    if (!asked.ok()) check->set_error(asked.message());
    const bool good = asked.ok() && check->sha256_matches() && check->valid();
    ok = ok && good;
    if (good && !deep_on) deep_on = &*master;
  }
  if (request.query.count("deep") && request.query.at("deep") == "1") {
    if (!deep_on) {
      report.mutable_deep()->set_error("no intact replica to restore from");
    } else {
      Status asked = AskMaster(*deep_on, "POST", "/v1/internal/backups/" + id + "/deep-verify",
                               report.mutable_deep(), std::chrono::minutes(60));
      if (!asked.ok()) report.mutable_deep()->set_error(asked.message());
      report.mutable_deep()->set_master(deep_on->name());
    }
    ok = ok && report.deep().ok();
  }
  report.set_ok(ok);
  return JsonReply(report);
}

std::optional<http::Reply> BackupService::Internal(const http::Request& request,
                                                   const std::vector<std::string>& parts) {
  // parts[0] == "v1", parts[1] == "internal"
  if (parts.size() == 3 && parts[2] == "crash-points" && options_.allow_crash_points) {
    if (auto wrong = WrongMethod(request, "POST")) return *wrong;
    proto::CrashPointRequest arm;
    if (Status parsed = ParseBody(request, &arm); !parsed.ok()) return StatusReply(parsed);
    if (arm.disarm()) {
      DisarmCrashPoint(arm.name());
    } else {
      ArmCrashPoint(arm.name(), std::chrono::milliseconds(arm.delay_ms()));
    }
    return JsonReply(arm);
  }
  if (parts.size() == 3 && parts[2] == "lock") {
    if (request.method == "GET") return JsonReply(lock_->Current());
    if (auto wrong = WrongMethod(request, "POST")) return *wrong;
    proto::LockRequest lock;
    if (Status parsed = ParseBody(request, &lock); !parsed.ok()) return StatusReply(parsed);
    Result<proto::LockState> state = lock_->Acquire(lock);
    return state.ok() ? JsonReply(*state) : StatusReply(state.status());
  }
  if (parts.size() == 4 && parts[2] == "lock" && parts[3] == "release") {
    if (auto wrong = WrongMethod(request, "POST")) return *wrong;
    proto::LockRequest lock;
    if (Status parsed = ParseBody(request, &lock); !parsed.ok()) return StatusReply(parsed);
    lock_->Release(lock.id());
    return JsonReply(lock_->Current());
  }
  if (parts.size() == 3 && parts[2] == "catalog") {
    if (auto wrong = WrongMethod(request, "GET")) return *wrong;
    proto::BackupList list;
    for (auto& record : catalog_.All()) *list.add_backups() = std::move(record);
    return JsonReply(list);
  }
  if (parts.size() == 4 && parts[2] == "catalog") {
    if (auto wrong = WrongMethod(request, "PUT")) return *wrong;
    proto::Backup record;
    if (Status parsed = ParseBody(request, &record); !parsed.ok()) return StatusReply(parsed);
    if (record.id() != parts[3]) return StatusReply(InvalidArgument("record id differs from path"));
    if (Status valid = coordinator::CheckBackupId(record.id()); !valid.ok())
      return StatusReply(valid);
    Result<bool> stored = catalog_.Put(record);
    return stored.ok() ? JsonReply(record) : StatusReply(stored.status());
  }
  if (parts.size() == 4 && parts[2] == "backups" && parts[3] == "register") {
    if (auto wrong = WrongMethod(request, "POST")) return *wrong;
    return Register(request);
  }
  if (parts.size() >= 4 && parts[2] == "backups") {
    const std::string& id = parts[3];
    if (Status valid = coordinator::CheckBackupId(id); !valid.ok()) return StatusReply(valid);
    if (parts.size() == 4) {
      if (auto wrong = WrongMethod(request, "DELETE")) return *wrong;
      Status removed = archives_.Remove(id);
      return removed.ok() ? JsonReply(proto::LockState()) : StatusReply(removed);
    }
    const std::string& action = parts[4];
    if (action == "archive") {
      if (auto wrong = WrongMethod(request, "GET")) return *wrong;
      return Archive(id);
    }
    if (action == "take") {
      if (auto wrong = WrongMethod(request, "POST")) return *wrong;
      proto::TakeRequest take;
      if (Status parsed = ParseBody(request, &take); !parsed.ok()) return StatusReply(parsed);
      // Only under the operation lock for this very backup: a stray request can't stop a server.
      if (lock_->Current().id() != id || take.id() != id) {
        return StatusReply(FailedPrecondition("refusing to take " + id +
                                              " without the cluster operation lock for it"));
      }
      Result<proto::TakeReply> taken = archives_.Take(take);
      return taken.ok() ? JsonReply(*taken) : StatusReply(taken.status());
    }
    if (action == "check") {
      if (auto wrong = WrongMethod(request, "POST")) return *wrong;
      if (!archives_.Has(id))
        return StatusReply(NotFound(node_->options().name + " holds no replica of " + id));
      const std::string sha = request.query.count("sha256") ? request.query.at("sha256") : "";
      return JsonReply(archives_.Check(id, sha));
    }
    if (action == "deep-verify") {
      if (auto wrong = WrongMethod(request, "POST")) return *wrong;
      if (!archives_.Has(id))
        return StatusReply(NotFound(node_->options().name + " holds no replica of " + id));
      Result<proto::DeepCheck> check = local::DeepVerify({.archive = archives_.PathOf(id),
                                                          .scratch_parent = archives_.dir(),
                                                          .java = options_.java,
                                                          .classpath = options_.classpath});
      return check.ok() ? JsonReply(*check) : StatusReply(check.status());
    }
    if (action == "fetch") {
      if (auto wrong = WrongMethod(request, "POST")) return *wrong;
      proto::FetchRequest fetch;
      if (Status parsed = ParseBody(request, &fetch); !parsed.ok()) return StatusReply(parsed);
      if (fetch.id() != id) return StatusReply(InvalidArgument("fetch id differs from path"));
      Status fetched = archives_.Fetch(fetch);
      return fetched.ok() ? JsonReply(proto::LockState()) : StatusReply(fetched);
    }
  }
  return std::nullopt;
}

std::optional<http::Reply> BackupService::Handle(const http::Request& request,
                                                 const std::vector<std::string>& parts) {
  if (parts.size() >= 2 && parts[1] == "internal") return Internal(request, parts);
  if (parts.size() < 2 || parts[1] != "backups") return std::nullopt;
  if (parts.size() == 2) {
    if (request.method == "POST") return Create(request);
    if (auto wrong = WrongMethod(request, "GET")) return *wrong;
    return List(request);
  }
  const std::string& id = parts[2];
  if (parts.size() == 3 && id == "import") {
    if (auto wrong = WrongMethod(request, "POST")) return *wrong;
    return Import(request);
  }
  if (parts.size() == 4 && parts[3] == "verify") {
    if (auto wrong = WrongMethod(request, "POST")) return *wrong;
    return Verify(request, id);
  }
  if (parts.size() == 3) {
    if (request.method == "DELETE") return Delete(request, id);
    if (auto wrong = WrongMethod(request, "GET")) return *wrong;
    return Show(id);
  }
  if (parts.size() == 4 && parts[3] == "archive") {
    if (auto wrong = WrongMethod(request, "GET")) return *wrong;
    return Archive(id);
  }
  return std::nullopt;
}

void BackupService::RecoverInterrupted(const std::vector<proto::Backup>& catalog) {
  backups_->RecoverInterrupted(catalog);
}

}  // namespace lockstep::agent
