#include "agent/http/routes.h"

#include "agent/http/api_util.h"
#include "agent/ui/console.h"
#include "api/paths.h"

namespace lockstep::agent {
namespace {

namespace paths = api::paths;

// A route handler calling `method` on `service`.
template <typename Service>
RouteHandler Call(Service* service,
                  http::Reply (Service::*method)(const http::Request&, const PathParams&)) {
  return [service, method](const http::Request& request, const PathParams& params) {
    return (service->*method)(request, params);
  };
}
template <typename Service>
RouteHandler Call(Service* service,
                  http::Reply (Service::*method)(const http::Request&, const PathParams&) const) {
  return [service, method](const http::Request& request, const PathParams& params) {
    return (service->*method)(request, params);
  };
}

// A coordinator's mutating call: run only when its generation is admitted here (fence.h).
RouteHandler Fenced(InternalApi* internal,
                    http::Reply (InternalApi::*method)(const http::Request&, const PathParams&)) {
  return [internal, method](const http::Request& request, const PathParams& params) {
    if (Status admitted = internal->Admit(request); !admitted.ok()) return StatusReply(admitted);
    return (internal->*method)(request, params);
  };
}

// The same for a handler of another service.
RouteHandler Fenced(InternalApi* internal, RouteHandler handler) {
  return [internal, handler = std::move(handler)](const http::Request& request,
                                                  const PathParams& params) {
    if (Status admitted = internal->Admit(request); !admitted.ok()) return StatusReply(admitted);
    return handler(request, params);
  };
}

// The route, marked quick (Route::quick).
Route Quick(Route route) {
  route.quick = true;
  return route;
}

constexpr Access kOpen = Access::kOpen;
constexpr Access kViewer = Access::kViewer;
constexpr Access kOperator = Access::kOperator;
constexpr Access kAdmin = Access::kAdmin;
constexpr Access kCluster = Access::kCluster;

}  // namespace

std::vector<Route> AgentRoutes(const Services& s) {
  using St = StatusService;
  using B = BackupService;
  using Sc = ScheduleService;
  using In = InternalApi;
  using Ar = ArchiveApi;
  std::vector<Route> routes = {
      // Monitoring: open, as Exhibitor's were.
      Quick({"GET", paths::kHealthz, kOpen, false, "liveness", Call(s.status, &St::Healthz)}),
      Quick({"GET", paths::kMetrics, kOpen, false,
             "Prometheus text: server codes, leader, zxids, restarts, HTTP counters, backups",
             Call(s.status, &St::Metrics)}),
      Quick({"GET", paths::kExhibitorStatus, kOpen, false,
             "Exhibitor's array `[{hostname, code, description, isLeader}]`",
             Call(s.status, &St::Exhibitor)}),
      // The operators' API.
      Quick({"GET", paths::kClusterStatus, kViewer, false,
             "every master: agent, code, mode, zxid, znodes, leader; quorum, coordinator, "
             "operation",
             Call(s.status, &St::Cluster)}),
      Quick({"GET", paths::kNodeStatus, kViewer, false, "this master's server",
             Call(s.status, &St::Node)}),
      {"POST", paths::kNodeZkAction, kAdmin, false,
       "stop, start or restart NAME's ZooKeeper (forwarded to its agent)",
       Call(s.status, &St::NodeAction)},
      {"GET", paths::kBackups, kViewer, false,
       "the catalog, merged from every master; ?prefix=", Call(s.backups, &B::List)},
      {"POST", paths::kBackups, kOperator, false, "start a backup (coordinator)",
       Call(s.backups, &B::Create)},
      {"POST", paths::kBackupImport, kOperator, false, "import an archive (the request body)",
       Call(s.backups, &B::Import)},
      {"GET", paths::kBackup, kViewer, false, "one backup's record", Call(s.backups, &B::Show)},
      {"DELETE", paths::kBackup, kAdmin, false, "delete a backup from every master (coordinator)",
       Call(s.backups, &B::Delete)},
      {"GET", paths::kBackupArchive, kOperator, false,
       "download the archive from this master (fetched from the repository when it has none)",
       Call(s.backups, &B::Archive), /*audit_reads=*/true},
      {"POST", paths::kBackupVerify, kOperator, false,
       "re-hash and parse every replica; ?deep=1 also restores one; the result goes in the record",
       Call(s.verifications, &VerifyService::Verify)},
      {"GET", paths::kBackupDiff, kViewer, false,
       "what restoring the backup (or its subtree ?path=P) would change in the live tree",
       Call(s.diffs, &DiffService::Diff)},
      {"POST", paths::kBackupRestore, kAdmin, false,
       "restore app components or one subtree (`path`) online, or the whole ensemble (`zookeeper`)",
       Call(s.restores, &RestoreService::Restore)},
      {"GET", paths::kSchedules, kViewer, false, "schedules", Call(s.schedules, &Sc::List)},
      {"POST", paths::kSchedules, kAdmin, false, "create a schedule (coordinator)",
       Call(s.schedules, &Sc::Create)},
      {"DELETE", paths::kSchedule, kAdmin, false, "delete a schedule (coordinator)",
       Call(s.schedules, &Sc::Delete)},
      {"GET", paths::kAudit, kAdmin, false,
       "who did what: every master's audit log, merged by time; ?since=RFC3339",
       Call(s.audit, &AuditService::Cluster)},
      {"POST", paths::kArchiveRestore, kAdmin, false,
       "restore the whole ensemble to `to_zxid`, `to_time` or `latest`: a base backup plus the "
       "archived transactions up to there",
       Call(s.restores, &RestoreService::RestorePointInTime)},
      {"GET", paths::kArchivePlan, kViewer, false,
       "what a point-in-time restore to ?to_zxid=, ?to_time= or ?latest=1 would use (base, exact "
       "target, segments); nothing is staged or changed",
       Call(s.restores, &RestoreService::Plan)},
      {"GET", paths::kRestoreProgress, kViewer, false,
       "one restore's record and each master's phase (its restore journal), asked now",
       Call(s.restores, &RestoreService::Progress)},
      {"GET", paths::kArchiveStatus, kViewer, false,
       "the continuous archive: archiver, lag, restorable window, chains and breaks (coordinator)",
       Call(s.archive, &Ar::Status)},
      // Agent to agent.
      Quick({"GET", paths::kPeerStatus, kCluster, true,
             "this master's server, as peers poll it every second", Call(s.status, &St::Node)}),
      {"GET", paths::kLock, kCluster, true, "this master's operation lock",
       Call(s.internal, &In::GetLock)},
      {"POST", paths::kLock, kCluster, true, "take or renew the operation lock (fenced)",
       Fenced(s.internal, &In::TakeLock)},
      {"POST", paths::kLockRelease, kCluster, true, "release the operation lock (fenced)",
       Fenced(s.internal, &In::ReleaseLock)},
      {"GET", paths::kCatalog, kCluster, true, "ids and revisions of this master's records",
       Call(s.internal, &In::ListRecords)},
      {"GET", paths::kCatalogRecord, kCluster, true, "one record of this master's catalog",
       Call(s.internal, &In::GetRecord)},
      {"PUT", paths::kCatalogRecord, kCluster, true, "store a record (fenced)",
       Fenced(s.internal, &In::PutRecord)},
      {"POST", paths::kRegisterImport, kCluster, true, "register an imported archive (coordinator)",
       Call(s.backups, &B::Register)},
      {"DELETE", paths::kReplica, kCluster, true, "remove this master's replica (fenced)",
       Fenced(s.internal, &In::RemoveReplica)},
      {"GET", paths::kReplicaArchive, kCluster, true, "stream this master's replica",
       Call(s.internal, &In::SendReplica)},
      {"POST", paths::kReplicaTake, kCluster, true, "take a backup here (fenced)",
       Fenced(s.internal, &In::Take)},
      {"POST", paths::kReplicaCheck, kCluster, true, "re-hash and parse this master's replica",
       Call(s.internal, &In::Check)},
      {"POST", paths::kReplicaDeepVerify, kCluster, true,
       "restore the replica into a scratch ZooKeeper and compare",
       Call(s.internal, &In::DeepVerify)},
      {"POST", paths::kBackupVerification, kCluster, true,
       "record a verification in the backup's record (coordinator)",
       Call(s.verifications, &VerifyService::Record)},
      {"POST", paths::kReplicaFetch, kCluster, true,
       "fetch a replica from a peer or the bucket (fenced)", Fenced(s.internal, &In::Fetch)},
      {"GET", paths::kScheduleStore, kCluster, true, "this master's schedules",
       Call(s.internal, &In::ListSchedules)},
      {"PUT", paths::kScheduleRecord, kCluster, true, "store a schedule (fenced)",
       Fenced(s.internal, &In::PutSchedule)},
      {"GET", paths::kRestoreJournals, kCluster, true, "this master's restore journals",
       Call(s.internal, &In::ListJournals)},
      {"POST", paths::kRestoreStep, kCluster, true,
       "one step of a whole-ensemble restore on this master (fenced)",
       Fenced(s.internal, &In::RestoreStep)},
      {"GET", paths::kAuditLog, kCluster, true, "this master's audit log",
       Call(s.audit, &AuditService::Local)},
      {"GET", paths::kArchiver, kCluster, true,
       "this master's archiver, as the coordinator reads it", Call(s.archive, &Ar::Report)},
      {"POST", paths::kArchiver, kCluster, true, "make this master the archiver (fenced)",
       Fenced(s.internal, Call(s.archive, &Ar::Assign))},
      {"POST", paths::kArchiverRelease, kCluster, true, "stop archiving here (fenced)",
       Fenced(s.internal, Call(s.archive, &Ar::Release))},
      {"GET", paths::kArchiveSegments, kCluster, true,
       "the records of the segments this master holds", Call(s.archive, &Ar::ListSegments)},
      {"POST", paths::kArchiveSegment, kCluster, true, "receive a shipped segment (fenced)",
       Fenced(s.internal, Call(s.archive, &Ar::ReceiveSegment))},
      {"GET", paths::kArchiveSegment, kCluster, true, "stream one segment",
       Call(s.archive, &Ar::SendSegment)},
  };
  for (const std::string base : {paths::kDcosBase, paths::kDcosForwardedBase}) {
    using D = DcosBackupApi;
    const std::string dcos = base == paths::kDcosBase ? "DC/OS backup API"
                                                      : "DC/OS backup API "
                                                        "(Admin Router's path)";
    routes.push_back({"POST", base + paths::kDcosCreate, kOperator, false,
                      dcos + ": `{label}`, an online backup as `backup create`",
                      Call(s.dcos, &D::Create)});
    routes.push_back({"POST", base + paths::kDcosRestore, kAdmin, false,
                      dcos + ": `{id}`, the app components restored online",
                      Call(s.dcos, &D::Restore)});
    routes.push_back({"DELETE", base + paths::kDcosDelete, kAdmin, false,
                      dcos + ": `{id}` in the body", Call(s.dcos, &D::Delete)});
    routes.push_back({"GET", base + paths::kDcosList, kViewer, false,
                      dcos + ": `{backup_info: [...]}`; ?prefix=", Call(s.dcos, &D::List)});
  }
  if (s.console) {
    routes.push_back(Quick({"GET", paths::kConsole, kOpen, false,
                            "the web console ([ui] enabled): its page; the data comes from the "
                            "API with the token entered there",
                            [](const http::Request& request, const PathParams&) {
                              return ui::ConsolePage(request.path);
                            }}));
    routes.push_back(
        Quick({"GET", paths::kConsoleAsset, kOpen, false, "the web console's scripts and styles",
               [](const http::Request&, const PathParams& params) {
                 return ui::ConsoleAsset(params.at("asset"));
               }}));
  }
  if (s.crash_points) {
    routes.push_back({"POST", paths::kCrashPoints, kCluster, true, "tests only: arm a crash point",
                      Call(s.internal, &In::ArmCrashPoint)});
  }
  return routes;
}

}  // namespace lockstep::agent
