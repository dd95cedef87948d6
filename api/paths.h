// Every path of the agent's HTTP API, spelled once: the agent's route table
// (agent/http/routes.cc) matches requests against these patterns, and the clients (the
// coordinator's HttpAgentClient, peers, the CLI) fill them in. A pattern is literal segments and
// {name} parameters, each parameter one whole segment.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace lockstep::api::paths {

// Open: monitoring keeps working without the token, as it did with Exhibitor.
inline constexpr char kHealthz[] = "/healthz";
inline constexpr char kMetrics[] = "/metrics";
inline constexpr char kExhibitorStatus[] = "/exhibitor/v1/cluster/status";

// Public, a token with a role required (routes.cc says which): what operators and the CLI use.
inline constexpr char kClusterStatus[] = "/v1/cluster/status";
inline constexpr char kNodeStatus[] = "/v1/node/status";
inline constexpr char kNodeZkAction[] = "/v1/nodes/{name}/zk/{action}";
inline constexpr char kBackups[] = "/v1/backups";
inline constexpr char kBackupImport[] = "/v1/backups/import";
inline constexpr char kBackup[] = "/v1/backups/{id}";
inline constexpr char kBackupArchive[] = "/v1/backups/{id}/archive";
inline constexpr char kBackupVerify[] = "/v1/backups/{id}/verify";
inline constexpr char kBackupRestore[] = "/v1/backups/{id}/restore";
inline constexpr char kBackupDiff[] = "/v1/backups/{id}/diff";
inline constexpr char kSchedules[] = "/v1/schedules";
inline constexpr char kSchedule[] = "/v1/schedules/{name}";
inline constexpr char kAudit[] = "/v1/audit";
inline constexpr char kArchiveStatus[] = "/v1/archive/status";
inline constexpr char kArchiveRestore[] = "/v1/archive/restore";
inline constexpr char kArchivePlan[] = "/v1/archive/plan";
inline constexpr char kRestoreProgress[] = "/v1/restores/{id}";

// The web console ([ui] enabled): static files, open like any page; the data they show comes
// from the routes above, with the token the operator enters.
inline constexpr char kConsole[] = "/ui";
inline constexpr char kConsoleAsset[] = "/ui/{asset}";

// DC/OS's backup API (agent/http/dcos_api.h): where its clients call it, and where Admin Router
// forwards it to once it strips /system/v1/backup.
inline constexpr char kDcosBase[] = "/system/v1/backup/v1";
inline constexpr char kDcosForwardedBase[] = "/v1";
inline constexpr char kDcosCreate[] = "/create";
inline constexpr char kDcosRestore[] = "/restore";
inline constexpr char kDcosDelete[] = "/delete";
inline constexpr char kDcosList[] = "/list";

// Internal, the cluster credential required: what agents and the coordinator ask each other.
inline constexpr char kPeerStatus[] = "/v1/internal/node/status";
inline constexpr char kLock[] = "/v1/internal/lock";
inline constexpr char kLockRelease[] = "/v1/internal/lock/release";
inline constexpr char kCrashPoints[] = "/v1/internal/crash-points";
inline constexpr char kCatalog[] = "/v1/internal/catalog";
inline constexpr char kCatalogRecord[] = "/v1/internal/catalog/{id}";
inline constexpr char kRegisterImport[] = "/v1/internal/backups/register";
inline constexpr char kReplica[] = "/v1/internal/backups/{id}";
inline constexpr char kReplicaArchive[] = "/v1/internal/backups/{id}/archive";
inline constexpr char kReplicaTake[] = "/v1/internal/backups/{id}/take";
inline constexpr char kReplicaCheck[] = "/v1/internal/backups/{id}/check";
inline constexpr char kReplicaDeepVerify[] = "/v1/internal/backups/{id}/deep-verify";
inline constexpr char kBackupVerification[] = "/v1/internal/backups/{id}/verification";
inline constexpr char kReplicaFetch[] = "/v1/internal/backups/{id}/fetch";
inline constexpr char kScheduleStore[] = "/v1/internal/schedules";
inline constexpr char kScheduleRecord[] = "/v1/internal/schedules/{name}";
inline constexpr char kRestoreJournals[] = "/v1/internal/restores";
inline constexpr char kRestoreStep[] = "/v1/internal/restores/{id}/{step}";
inline constexpr char kAuditLog[] = "/v1/internal/audit";
inline constexpr char kArchiver[] = "/v1/internal/archive/archiver";
inline constexpr char kArchiverRelease[] = "/v1/internal/archive/archiver/release";
inline constexpr char kArchiveSegments[] = "/v1/internal/archive/segments";
inline constexpr char kArchiveSegment[] = "/v1/internal/archive/segments/{id}";

// The pattern with its parameters replaced, in order: Fill(kReplicaTake, {id}) is
// "/v1/internal/backups/<id>/take". Each value is percent-encoded (http::PercentEncode), so
// whatever a caller passes stays one segment; the agent matches segments as sent (undecoded),
// so a value outside the ids' and names' alphabet is refused there, not reinterpreted.
std::string Fill(std::string_view pattern, std::initializer_list<std::string_view> values);

}  // namespace lockstep::api::paths
