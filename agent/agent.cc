#include "agent/agent.h"

#include <filesystem>

#include "agent/agent_setup.h"
#include "agent/config/credentials.h"
#include "agent/control/controller.h"
#include "agent/http/routes.h"
#include "api/paths.h"
#include "common/heap.h"
#include "common/log.h"
#include "common/secret_file.h"
#include "common/version.h"
#include "engine/zk/four_letter.h"

namespace lockstep::agent {
namespace {

// Calls to the other masters' agents that aren't transfers (those run as long as they take).
// Locks, records and schedules are small: an agent that can't answer one in this long is paused
// or cut off, and waiting longer only holds the operation up.
constexpr auto kInternalTimeout = std::chrono::milliseconds(5000);

}  // namespace

Result<std::unique_ptr<Agent>> Agent::Create(AgentConfig config) {
  std::unique_ptr<Agent> agent(new Agent(std::move(config)));
  const AgentConfig& c = agent->config_;
  ASSIGN_OR_RETURN(Credentials credentials,
                   LoadCredentials({.token_file = c.token_file,
                                    .tokens_file = c.tokens_file,
                                    .cluster_token_file = c.cluster_token_file,
                                    .dcos = c.dcos_auth}));
  if (!c.zk_auth_file.empty()) {
    ASSIGN_OR_RETURN(agent->zk_auth_, LoadZkAuth(c.zk_auth_file));
  }
  // What this agent presents to its peers: the cluster credential, never an operator's token.
  const std::string token = credentials.cluster_secret();
  ASSIGN_OR_RETURN(zk::ZooCfg zoo_cfg, zk::LoadZooCfg(c.zoo_cfg));
  if (!zoo_cfg.client) {
    return InvalidArgument(c.zoo_cfg + " has no clientPort: the agent needs it to probe ZooKeeper");
  }
  std::error_code ec;
  std::filesystem::create_directories(c.store_dir, ec);
  if (ec) return IoError("cannot create store_dir " + c.store_dir + ": " + ec.message());
  RETURN_IF_ERROR(MakePrivate(c.store_dir));

  std::shared_ptr<boost::asio::ssl::context> client_tls;
  if (NeedsClientTls(c)) {
    ASSIGN_OR_RETURN(client_tls, http::MakeClientContext(c.peer_tls));
  }
  agent->client_ = std::make_unique<http::Client>(client_tls);

  ASSIGN_OR_RETURN(auto controller, control::MakeController(c.controller, c.zoo_cfg, zoo_cfg));
  ASSIGN_OR_RETURN(http::Url advertised, http::ParseUrl(c.advertise));
  LocalNodeOptions node{.name = c.name,
                        .address = c.advertise,
                        .hostname = advertised.host,
                        .client = *zoo_cfg.client,
                        .probe_interval = c.probe_interval,
                        .probe_timeout = c.peer_timeout};
  agent->node_ =
      std::make_unique<LocalNode>(node, std::move(controller), MaintenanceFlag(c.store_dir));
  agent->peers_ =
      std::make_unique<PeerView>(c.peers, *agent->client_, token, c.probe_interval, c.peer_timeout);
  const std::string zk_connect = c.zk_connect.empty() ? DefaultZkConnect(zoo_cfg) : c.zk_connect;
  agent->masters_ =
      std::make_unique<MastersView>(agent->node_.get(), agent->peers_.get(), CountVoters(zoo_cfg));
  PeerView* peers = agent->peers_.get();
  MastersView* masters = agent->masters_.get();
  agent->election_ = std::make_unique<coordinator::Election>(coordinator::ElectionOptions{
      .zk_connect = zk_connect,
      .self_name = c.name,
      .self_url = c.advertise,
      .session_timeout = c.election_session,
      .silent_for = [peers](const std::string& master) { return peers->SilentFor(master); },
      .servers = [peers, zk_connect] { return peers->ServersOfAnsweringMasters(zk_connect); },
      .no_quorum = [masters] { return WhyNoQuorum(masters->Status()); }});
  if (c.repository.enabled()) {
    std::string signing_secret = token;
    if (!c.repository.signing_key_file.empty()) {
      ASSIGN_OR_RETURN(signing_secret, ReadSecretFile(c.repository.signing_key_file,
                                                      SecretFileRule::kOwnerOnly, 4096));
    }
    ASSIGN_OR_RETURN(agent->repository_, Repository::Open(c.repository, signing_secret));
  }
  agent->self_ = std::make_unique<LocalAgent>(
      LocalOptions(c, token, zoo_cfg, agent->election_.get(), agent->repository_.get()),
      agent->node_.get(), agent->client_.get());
  RETURN_IF_ERROR(agent->self_->Open());
  RETURN_IF_ERROR(agent->OpenArchive(zoo_cfg, token));
  agent->audit_log_ = std::make_unique<AuditLog>(
      c.store_dir + "/audit.log",
      AuditLogOptions{.max_age = std::chrono::hours(24) * c.audit_retention_days});
  agent->WireServices(std::move(credentials), zk_connect);
  http::ServerOptions server{.host = c.listen_host,
                             .port = c.listen_port,
                             .tls = c.tls,
                             .body_limit = c.max_body_bytes,
                             .read_timeout = c.request_timeout,
                             .write_timeout = c.request_timeout};
  Api* api = agent->api_.get();
  // `backup import` streams archives of any size straight into the archives' directory, for
  // callers allowed to import only; so does a peer shipping an archived segment (a segment of
  // up to [archiving] segment_mb of log would not fit the body limit of ordinary requests, and
  // keeping it is then a rename).
  server.accepts_upload = [api](const http::Request& head) {
    const bool upload = head.path == api::paths::kBackupImport ||
                        head.path.starts_with(api::paths::kArchiveSegments + std::string("/"));
    return head.method == "POST" && upload && api->router().Permits(head);
  };
  server.upload_dir = agent->self_->replicas().dir();  // keeping an import is a rename
  // Liveness and status never queue behind requests waiting for an election or a peer.
  server.quick = [api](const http::Request& head) { return api->router().Quick(head); };
  agent->server_ = std::make_unique<http::Server>(
      server, [api](const http::Request& request) { return api->Handle(request); });
  agent->status_->set_server(&agent->server_->counters());
  return agent;
}

Status Agent::OpenArchive(const zk::ZooCfg& zoo_cfg, const std::string& token) {
  const AgentConfig& c = config_;
  archiving::SegmentStore* segments = &self_->segments();  // opened with the other stores
  shipper_ = std::make_unique<PeerShipper>(c.peers, *client_, token, c.peer_timeout, segments);
  archiving::ArchiverOptions options;
  options.master = c.name;
  options.log_dir = zoo_cfg.data_log_dir + "/version-2";
  options.max_segment_bytes = c.archiving.segment_bytes;
  options.recipients = c.encryption.recipients;
  options.position = [server = *zoo_cfg.client]() -> Result<archiving::ServerPosition> {
    ASSIGN_OR_RETURN(zk::SrvrInfo info, zk::QuerySrvr(server, std::chrono::seconds(2)));
    return archiving::ServerPosition{.serving = info.serving, .zxid = info.zxid};
  };
  archiving::SegmentShipper* shipper = shipper_.get();
  if (repository_) {  // the bucket gets every segment too, so the archive outlives the masters
    bucket_shipper_ = std::make_unique<BucketShipper>(shipper_.get(), repository_.get(), segments);
    bucket_archive_ = std::make_unique<BucketArchive>(repository_.get(), segments, c.name);
    shipper = bucket_shipper_.get();
  }
  archiver_ = std::make_unique<archiving::Archiver>(std::move(options), segments, shipper);
  return Status::Ok();
}

void Agent::WireServices(Credentials credentials, const std::string& zk_connect) {
  const AgentConfig& c = config_;
  const std::string token = credentials.cluster_secret();
  catalog_ = std::make_unique<Catalog>(&self_->records(), peers_.get(), client_.get(), token,
                                       c.peer_timeout);
  agents_ = std::make_unique<AgentClients>(self_.get(), *client_, token, kInternalTimeout);
  backups_ = std::make_unique<BackupService>(
      BackupServiceOptions{.token = token,
                           .settings = {.self = c.name,
                                        .replicas = c.backup_replicas,
                                        .ready_replicas = c.backup_ready_replicas,
                                        .quorum_margin = c.quorum_margin,
                                        .lease = c.lock_lease,
                                        .components = ComponentSpecs(c.components)}},
      self_.get(), catalog_.get(), masters_.get(), agents_.get(), client_.get(), election_.get());
  schedules_ = std::make_unique<ScheduleService>(token, c.peer_timeout, self_.get(), backups_.get(),
                                                 masters_.get(), agents_.get(), peers_.get(),
                                                 client_.get(), election_.get());
  diffs_ = std::make_unique<DiffService>(c.name, zk_connect, catalog_.get(), masters_.get(),
                                         &self_->replicas());
  diffs_->set_zk_auth(zk_auth_);
  self_->replicas().set_zk_auth(zk_auth_);
  restores_ = std::make_unique<RestoreService>(
      RestoreServiceOptions{.token = token,
                            .settings = {.self = c.name,
                                         .lease = c.lock_lease,
                                         .start_timeout = c.restore_start_timeout,
                                         .rollback_start_timeout = c.restore_rollback_start_timeout,
                                         .identities_over_http = c.identities_over_http},
                            .zk_connect = zk_connect,
                            .zk_auth = zk_auth_,
                            .components = c.components},
      self_.get(), catalog_.get(), backups_.get(), masters_.get(), agents_.get(), client_.get(),
      election_.get(), diffs_.get());
  verifications_ =
      std::make_unique<VerifyService>(token, self_.get(), catalog_.get(), masters_.get(),
                                      client_.get(), election_.get(), backups_.get());
  drills_ = std::make_unique<Drills>([verifier = verifications_.get()](const proto::Backup& record,
                                                                       const std::string& kind,
                                                                       const std::string& trigger) {
    return verifier->VerifyAndRecord(record, kind, trigger);
  });
  schedules_->set_drills(drills_.get());
  if (repository_) {
    backups_->set_repository(repository_.get());
    verifications_->set_repository(repository_.get());
    schedules_->set_remote_keep(c.repository.keep);
    bucket_catalog_ = std::make_unique<BucketCatalog>(repository_.get(), self_.get());
    uploads_ = std::make_unique<Uploads>(repository_.get(), self_.get(), catalog_.get(),
                                         masters_.get(), backups_->cluster());
  }
  internal_ = std::make_unique<InternalApi>(self_.get(), catalog_.get());
  archive_duty_ = std::make_unique<ArchiveDuty>(
      ArchiveSettings{.enabled = c.archiving.enabled,
                      .interval = c.archiving.interval,
                      .lease = std::max<std::chrono::milliseconds>(std::chrono::seconds(10),
                                                                   5 * c.archiving.interval)},
      c.name, token, client_.get(), masters_.get(), &self_->segments(), archiver_.get(),
      election_.get(), backups_->cluster());
  if (bucket_archive_) {
    auto adopting = [archive = bucket_archive_.get()] { return archive->Adopting(); };
    archive_duty_->set_repository(repository_->ArchiveUrl(), adopting);
    restores_->set_archive_adoption(adopting);
  }
  archive_api_ = std::make_unique<ArchiveApi>(ArchiveApiParts{.token = token,
                                                              .store = &self_->segments(),
                                                              .archiver = archiver_.get(),
                                                              .duty = archive_duty_.get(),
                                                              .catalog = catalog_.get(),
                                                              .election = election_.get(),
                                                              .client = client_.get()});
  status_ = std::make_unique<StatusService>(
      StatusContext{.token = token,
                    .node = node_.get(),
                    .peers = peers_.get(),
                    .masters = masters_.get(),
                    .client = client_.get(),
                    .election = election_.get(),
                    .self = self_.get(),
                    .catalog = catalog_.get(),
                    .more_metrics = [this] {
                      return archive_duty_->Metrics(catalog_->Local(), election_->IsCoordinator()) +
                             refusals_.Metrics();
                    }});
  audit_ = std::make_unique<AuditService>(AuditServiceOptions{.cluster_secret = token},
                                          audit_log_.get(), peers_.get(), client_.get());
  dcos_backend_ = std::make_unique<ServiceDcosBackend>(backups_.get(), restores_.get());
  dcos_api_ =
      std::make_unique<DcosBackupApi>(dcos_backend_.get(), "lockstep-" + std::string(Version()));
  Services services;
  services.status = status_.get();
  services.backups = backups_.get();
  services.schedules = schedules_.get();
  services.restores = restores_.get();
  services.diffs = diffs_.get();
  services.verifications = verifications_.get();
  services.internal = internal_.get();
  services.audit = audit_.get();
  services.archive = archive_api_.get();
  services.dcos = dcos_api_.get();
  services.console = c.console;
  services.crash_points = c.allow_crash_points;
  api_ = std::make_unique<Api>(
      Router(std::move(credentials), AgentRoutes(services)),
      AuditTrail{.log = audit_log_.get(), .master = c.name, .refusals = &refusals_});
}

Agent::~Agent() { End(); }

Status Agent::Begin() {
  // Listen first: a port in use should stop start-up before ZooKeeper is touched.
  RETURN_IF_ERROR(server_->Start());
  RETURN_IF_ERROR(node_->Begin());
  peers_->Begin();
  election_->Begin();
  duties_ = std::thread([this] { CoordinatorDuties(); });
  log::Info("agent serving", {{"listen", config_.listen_host + ":" + std::to_string(port())},
                              {"advertise", config_.advertise},
                              {"controller", config_.controller.backend},
                              {"peers", std::to_string(config_.peers.size())}});
  return Status::Ok();
}

void Agent::CoordinatorDuties() {
  std::unique_lock lock(duties_mu_);
  while (!duties_wake_.wait_for(lock, std::chrono::seconds(2), [&] { return duties_stop_; })) {
    lock.unlock();
    // Every agent, coordinator or not: a restore takes ZooKeeper (and so the election) down.
    restores_->SettleOrphans();
    if (bucket_catalog_) bucket_catalog_->Tick();  // before any duty reads the catalog
    if (bucket_archive_) bucket_archive_->Tick();
    archiving::PruneSegments(catalog_->Local(),
                             self_->segments());  // every master keeps its own archive
    ReturnFreeHeap();  // what the last operations freed goes back to the system
    if (election_->IsCoordinator()) {
      // One merged read of every master's catalog serves both duties.
      const std::vector<proto::Backup> catalog = catalog_->All();
      backups_->RecoverInterrupted(catalog);
      backups_->CatchUp(catalog);
      schedules_->Tick(catalog);
      if (uploads_) uploads_->Tick(catalog);
      archive_duty_->Tick(catalog);
      if (bucket_archive_) bucket_archive_->Prune(catalog);
    }
    lock.lock();
  }
}

void Agent::End() {
  if (server_) server_->Stop();
  {
    std::lock_guard lock(duties_mu_);
    duties_stop_ = true;
  }
  duties_wake_.notify_all();
  if (duties_.joinable()) duties_.join();
  archiver_.reset();        // stops shipping before the store and the peers' client go
  bucket_archive_.reset();  // waits for a running adoption
  schedules_.reset();
  drills_.reset();  // waits for a running drill (it records through verifications_)
  verifications_.reset();
  restores_.reset();  // waits for a running restore's thread
  diffs_.reset();
  uploads_.reset();   // waits for a running upload (it publishes through backups_)
  backups_.reset();   // waits for a running backup's thread
  election_.reset();  // leaves the election at once, so a successor takes over quickly
  peers_.reset();
  self_.reset();
  node_.reset();  // the process controller stops the JVM here when it owns it
}

}  // namespace lockstep::agent
