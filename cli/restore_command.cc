#include "cli/restore_command.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include "api/names.h"
#include "api/paths.h"
#include "api/restore_request.h"
#include "cli/coordinator_wait.h"
#include "cli/diff_command.h"
#include "cli/exit_codes.h"
#include "cli/identity_option.h"
#include "proto/agent.pb.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::cli {
namespace {

using Clock = std::chrono::steady_clock;
// The agent answering the polls may itself be restarted during a restore.
constexpr auto kPollOutage = std::chrono::seconds(90);

struct RestoreFlags {
  std::string id;
  std::vector<std::string> components;
  std::string path;      // a spot restore: the backup's subtree...
  std::string to;        // ...and where it goes live
  std::string identity;  // an age identity file, for masters without identity_file
  std::string to_zxid;   // a point-in-time restore's target...
  std::string to_time;
  bool latest = false;
  bool dry_run = false;
  bool yes = false;
  bool wait = false;

  bool point_in_time() const { return latest || !to_zxid.empty() || !to_time.empty(); }
};

// The identities in `file` as the restore request carries them (none without a file). Over plain
// HTTP they would cross the network readable: said once on stderr.
Status AddIdentities(const std::string& file, const ClusterFlags& cluster,
                     proto::RestoreRequest* request) {
  ASSIGN_OR_RETURN(age::Identities identities, LoadIdentityOption(file));
  for (const age::X25519Identity& identity : identities) {
    std::string text = identity.ToString();
    request->add_identities(text);
    std::fill(text.begin(), text.end(), '\0');
  }
  if (!identities.empty() && cluster.url.find("http://") != std::string::npos) {
    std::cerr << "note: the identity is sent to the agents over plain HTTP; outside a sandbox, "
                 "serve the agents over https ([tls]) or set identity_file on the masters\n";
  }
  return Status::Ok();
}

bool NamesZooKeeper(const std::vector<std::string>& components) {
  return std::find(components.begin(), components.end(), "zookeeper") != components.end();
}

std::string LeaderZxid(const proto::ClusterStatus& status) {
  for (const auto& master : status.masters()) {
    if (master.zk().mode() == "leader" || master.zk().mode() == "standalone") {
      return master.zk().zxid() + " (leader " + master.name() + ")";
    }
  }
  return "unknown (no leader: ZooKeeper is down)";
}

// On a terminal: states what is discarded and wants "yes". Ok to go ahead.
Status Confirm(const ClusterFlags& cluster, const RestoreFlags& flags) {
  if (!isatty(STDIN_FILENO)) {
    return InvalidArgument(
        "refusing to restore without confirmation: this replaces ZooKeeper's data on every "
        "master. Run it on a terminal, or pass --yes (try --dry-run first)");
  }
  proto::Backup backup;
  RETURN_IF_ERROR(
      CallApiFor(cluster, {.path = api::paths::Fill(api::paths::kBackup, {flags.id})}, &backup));
  proto::ClusterStatus status;
  (void)CallApiFor(cluster, {.path = api::paths::kClusterStatus}, &status);
  const auto& zk = backup.component_status().count("zookeeper")
                       ? backup.component_status().at("zookeeper")
                       : proto::ComponentStatus();
  std::cerr << "This replaces ZooKeeper's data on every master (" << status.masters_size()
            << ") with backup " << backup.id() << "\n  taken " << backup.timestamp() << ", zxid "
            << zk.last_zxid() << ", " << zk.node_count() << " znodes"
            << "\n  the ensemble is now at zxid " << LeaderZxid(status)
            << "\nEverything written after the backup is discarded, and every server stops for "
               "the swap.\nType yes to restore: ";
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "yes") return FailedPrecondition("not confirmed; nothing was changed");
  return Status::Ok();
}

// A spot restore rewrites a live subtree: on a terminal, says what it would change (its dry run)
// and wants "yes".
Status ConfirmSpot(const ClusterFlags& cluster, const ApiRequest& dry_run) {
  if (!isatty(STDIN_FILENO)) {
    return InvalidArgument(
        "refusing to restore without confirmation: this rewrites a live subtree. Run it on a "
        "terminal, or pass --yes (--dry-run shows what it would change)");
  }
  proto::BackupDiff diff;
  RETURN_IF_ERROR(CallApiFor(cluster, dry_run, &diff));
  PrintDiff(diff);
  std::cerr << "Type yes to restore: ";
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "yes") return FailedPrecondition("not confirmed; nothing was changed");
  return Status::Ok();
}

// A point-in-time restore on a terminal: says what it restores to and wants "yes".
Status ConfirmPointInTime(const RestoreFlags& flags) {
  if (!isatty(STDIN_FILENO)) {
    return InvalidArgument(
        "refusing to restore without confirmation: this replaces ZooKeeper's data on every "
        "master. Run it on a terminal, or pass --yes (--dry-run shows the base, the segments and "
        "the exact target)");
  }
  const std::string target = flags.latest ? "the newest archived transaction"
                             : flags.to_zxid.empty()
                                 ? "the last transaction at or before " + flags.to_time
                                 : "zxid " + flags.to_zxid;
  std::cerr << "This replaces ZooKeeper's data on every master with its state at " << target
            << ".\nEverything written after it is discarded, and every server stops for the "
               "swap.\nType yes to restore: ";
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "yes") return FailedPrecondition("not confirmed; nothing was changed");
  return Status::Ok();
}

void PrintPlan(const proto::RestorePlan& plan) {
  std::cout << "dry run of restoring " << plan.backup_id() << " (nothing was stopped)\n"
            << "  archive    sha256 " << plan.archive_sha256() << "\n  backup     zxid "
            << plan.backup_zxid() << ", " << plan.backup_node_count() << " znodes\n";
  if (!plan.target_zxid().empty()) {
    std::cout << "  target     zxid " << plan.target_zxid() << " (" << plan.target_time() << ")"
              << (plan.beyond_archive() ? ", the archive's end: nothing later was archived" : "")
              << "\n  segments   " << plan.segments_size() << " replayed onto the base";
    for (int i = 0; i < plan.segments_size() && i < 5; ++i) {
      std::cout << (i ? ", " : ": ") << plan.segments(i);
    }
    std::cout << (plan.segments_size() > 5 ? ", …" : "") << "\n";
  }
  std::cout << "  discarded  " << plan.discarded() << "\n";
  std::vector<std::vector<std::string>> rows = {
      {"MASTER", "CURRENT ZXID", "EPOCH", "STAGED ZXID", "ZNODES", "REPLICA"}};
  for (const auto& m : plan.masters()) {
    rows.push_back({m.name(), m.current_zxid().empty() ? "down" : m.current_zxid(),
                    std::to_string(m.current_epoch()), m.staged_zxid(),
                    std::to_string(m.node_count()), m.repaired() ? "repaired" : "good"});
  }
  std::cout << RenderTable(rows) << "staged data (what each server will load):\n";
  for (const auto& m : plan.masters())
    std::cout << "  " << m.name() << ": " << m.compaction() << "\n";
  std::cout << "steps:\n";
  for (const auto& step : plan.steps()) std::cout << "  " << step << "\n";
}

Result<proto::RestoreRecord> FindRestore(const ClusterFlags& cluster, const std::string& backup_id,
                                         const std::string& restore_id) {
  proto::Backup backup;
  RETURN_IF_ERROR(
      CallApiFor(cluster, {.path = api::paths::Fill(api::paths::kBackup, {backup_id})}, &backup));
  for (const auto& restore : backup.restores()) {
    if (restore.id() == restore_id) return restore;
  }
  return NotFound("backup " + backup_id + " has no restore " + restore_id + " yet");
}

// Polls the restore's record until it leaves STATUS_RESTORING, showing its phases.
Result<proto::RestoreRecord> WaitForRestore(const ClusterFlags& cluster,
                                            const std::string& backup_id,
                                            const std::string& restore_id, bool show) {
  std::string last_phase;
  auto failing_since = Clock::now();
  for (;;) {
    Result<proto::RestoreRecord> record = FindRestore(cluster, backup_id, restore_id);
    if (record.ok()) {
      failing_since = Clock::now();
      if (record->status() != proto::STATUS_RESTORING) return record;
      if (show && record->phase() != last_phase) {
        std::cerr << "  " << record->phase() << "…\n";
        last_phase = record->phase();
      }
    } else if (Clock::now() - failing_since > kPollOutage) {
      return record.status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

void PrintRestore(const proto::RestoreRecord& r) {
  std::cout << r.id() << "\n  status     " << proto::BackupStatus_Name(r.status())
            << (r.reason().empty() ? "" : ": " + r.reason()) << "\n  driver     " << r.driver();
  if (!r.path().empty()) {
    std::cout << "\n  subtree    " << r.path() << (r.to() != r.path() ? " into " + r.to() : "");
  }
  if (!r.target_zxid().empty()) {
    std::cout << "\n  target     zxid " << r.target_zxid() << " (" << r.target_time() << "), base "
              << r.backup_id() << " and " << r.segments() << " archived segments";
  }
  if (r.outage_ms()) std::cout << "\n  outage     " << r.outage_ms() << " ms";
  if (r.duration_seconds() > 0) std::cout << "\n  took       " << r.duration_seconds() << " s";
  if (!r.discarded().empty()) std::cout << "\n  discarded  " << r.discarded();
  for (const auto& [name, c] : r.component_status()) {
    std::cout << "\n  " << name << "  " << proto::BackupStatus_Name(c.status());
    if (c.nodes_created() + c.nodes_updated() + c.nodes_deleted() > 0) {
      std::cout << " (" << c.nodes_created() << " created, " << c.nodes_updated() << " updated, "
                << c.nodes_deleted() << " deleted)";
    }
    if (!c.reason().empty()) std::cout << ": " << c.reason();
  }
  std::cout << "\n";
}

// Starts (or plans) a restore through `call` and, with --wait, follows it to its end.
void StartAndFollow(const RestoreFlags& flags, const ApiRequest& call, const OutputOptions& output,
                    const ClusterFlags& cluster, int* exit_code) {
  if (flags.dry_run) {
    proto::RestorePlan plan;
    if (ReportFailure(CallApiFor(cluster, call, &plan), output, exit_code)) return;
    output.json ? PrintJson(plan) : PrintPlan(plan);
    *exit_code = kExitOk;
    return;
  }
  proto::RestoreRecord record;
  Status started = [&] {
    CoordinatorWait notice(cluster, output.json);  // says what a slow answer waits for
    return CallApiFor(cluster, call, &record);
  }();
  if (ReportFailure(started, output, exit_code)) return;
  const std::string backup_id = record.backup_id().empty() ? flags.id : record.backup_id();
  if (!output.json) std::cerr << "restore " << record.id() << " of " << backup_id << " started\n";
  if (flags.wait) {
    Result<proto::RestoreRecord> done =
        WaitForRestore(cluster, backup_id, record.id(), !output.json);
    if (ReportFailure(done.status(), output, exit_code)) return;
    record = *done;
  }
  output.json ? PrintJson(record) : PrintRestore(record);
  *exit_code = record.status() == proto::STATUS_ERROR ? kExitFailed : kExitOk;
}

// The request the flags ask for, before identities and a request id are added.
proto::RestoreRequest RequestOf(const RestoreFlags& flags) {
  proto::RestoreRequest request;
  for (const auto& component : flags.components) request.add_components(component);
  request.set_path(flags.path);
  request.set_to(flags.to);
  request.set_to_zxid(flags.to_zxid);
  request.set_to_time(flags.to_time);
  request.set_latest(flags.latest);
  request.set_dry_run(flags.dry_run);
  return request;
}

// `backup restore [BASE] --component zookeeper --to-zxid Z | --to-time T | --latest`.
void RunPointInTime(const RestoreFlags& flags, const OutputOptions& output,
                    const ClusterFlags& cluster, int* exit_code) {
  proto::RestoreRequest request = RequestOf(flags);
  if (request.components().empty()) request.add_components("zookeeper");
  request.set_base(flags.id);
  if (ReportFailure(api::CheckPointInTimeRestore(request), output, exit_code)) return;
  if (!flags.dry_run && !flags.yes) {
    if (ReportFailure(ConfirmPointInTime(flags), output, exit_code)) return;
  }
  if (ReportFailure(AddIdentities(flags.identity, cluster, &request), output, exit_code)) return;
  request.set_request_id(api::NewRequestId());
  ApiRequest call{.method = "POST",
                  .path = api::paths::kArchiveRestore,
                  .body = proto::ToCompactJson(request),
                  .timeout = flags.dry_run ? std::chrono::minutes(60) : std::chrono::minutes(5),
                  .repeatable = true};
  StartAndFollow(flags, call, output, cluster, exit_code);
}

void Run(const RestoreFlags& flags, const OutputOptions& output, const ClusterFlags& cluster,
         int* exit_code) {
  if (flags.point_in_time()) return RunPointInTime(flags, output, cluster, exit_code);
  if (flags.id.empty()) {
    ReportFailure(InvalidArgument("which backup? give its ID (`lockstep backup list`), or a "
                                  "point in time: --to-zxid, --to-time or --latest"),
                  output, exit_code);
    return;
  }
  if (ReportFailure(api::CheckBackupId(flags.id), output, exit_code)) return;
  proto::RestoreRequest request = RequestOf(flags);
  if (ReportFailure(api::CheckBackupRestore(request), output, exit_code)) return;
  // Only the whole-ensemble restore stops servers and discards everything since the backup.
  if (NamesZooKeeper(flags.components) && !flags.dry_run && !flags.yes) {
    Status confirmed = Confirm(cluster, flags);
    if (ReportFailure(confirmed, output, exit_code)) return;
  }
  if (ReportFailure(AddIdentities(flags.identity, cluster, &request), output, exit_code)) return;
  const bool spot = !flags.path.empty();
  if (spot && (flags.dry_run || !flags.yes)) {
    proto::RestoreRequest preview = request;
    preview.set_dry_run(true);
    ApiRequest dry_run{.method = "POST",
                       .path = api::paths::Fill(api::paths::kBackupRestore, {flags.id}),
                       .body = proto::ToCompactJson(preview),
                       .timeout = std::chrono::minutes(30)};
    if (!flags.dry_run) {
      if (ReportFailure(ConfirmSpot(cluster, dry_run), output, exit_code)) return;
    } else {
      proto::BackupDiff diff;
      if (ReportFailure(CallApiFor(cluster, dry_run, &diff), output, exit_code)) return;
      output.json ? PrintJson(diff) : PrintDiff(diff);
      *exit_code = kExitOk;
      return;
    }
  }
  // The same id goes to every agent this invocation tries: a retry never restores twice.
  request.set_request_id(api::NewRequestId());
  ApiRequest call{.method = "POST",
                  .path = api::paths::Fill(api::paths::kBackupRestore, {flags.id}),
                  .body = proto::ToCompactJson(request),
                  .timeout = flags.dry_run ? std::chrono::minutes(60) : std::chrono::minutes(5),
                  .repeatable = true};
  StartAndFollow(flags, call, output, cluster, exit_code);
}

}  // namespace

void AddRestore(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
                int* exit_code) {
  auto flags = std::make_shared<RestoreFlags>();
  auto* cmd = backup->add_subcommand(
      "restore",
      "Restore a backup. App components (default: all of the backup's) are restored online: "
      "their subtree is made equal to the backup's while every server serves. --path restores "
      "any one subtree the same way (optionally --to another path, for inspection). --component "
      "zookeeper replaces ZooKeeper's data on every master: the archive is staged and verified "
      "everywhere first, then all servers stop, swap and start together, and every master is "
      "rolled back if the ensemble does not form. --to-zxid, --to-time or --latest restore "
      "the whole ensemble to a point in time: the newest base backup at or before it (or ID) "
      "plus the archived transactions up to there (`lockstep archive status` shows the window).");
  cmd->add_option("ID", flags->id,
                  "the backup's id (`lockstep backup list`); with a point in time, the base to "
                  "use (default: the newest at or before it)");
  cmd->add_option("--component", flags->components,
                  "what to restore (repeatable): an app component such as marathon, online; "
                  "default: every app component of the backup. zookeeper: the whole ensemble "
                  "(last resort), on its own");
  cmd->add_option("--path", flags->path,
                  "restore only this subtree of the backup, online (not /, /zookeeper or "
                  "/lockstep); from the component's dump holding it, or the full data");
  cmd->add_option("--to", flags->to,
                  "with --path: make the subtree live at this path instead (e.g. "
                  "/restored/app, for inspection); default: where it was");
  cmd->add_option("--to-zxid", flags->to_zxid,
                  "restore the ensemble to exactly this transaction (0x… as `archive status` and "
                  "ZooKeeper write it)");
  cmd->add_option("--to-time", flags->to_time,
                  "restore the ensemble to the last transaction at or before this UTC time "
                  "(2026-12-01T10:42:00Z)");
  cmd->add_flag("--latest", flags->latest,
                "restore the ensemble to the newest archived transaction (after a disaster)");
  cmd->add_flag("--dry-run", flags->dry_run,
                "zookeeper: stage and verify on every master and print the plan; --path: print "
                "what it would change. Changes nothing");
  cmd->add_flag("--yes", flags->yes, "do not ask for confirmation (needed without a terminal)");
  cmd->add_flag("--wait", flags->wait, "wait until it is done or rolled back, showing phases");
  cmd->add_option("--identity", flags->identity,
                  "age identity file that opens an encrypted backup, sent with the request to "
                  "masters that have no identity_file (kept in memory for the staging only)");
  cmd->callback([=, &output, &cluster] { Run(*flags, output, cluster, exit_code); });
}

}  // namespace lockstep::cli
