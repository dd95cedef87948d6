#include "cli/backup_commands.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "api/names.h"
#include "api/paths.h"
#include "api/token.h"
#include "cli/backup_view.h"
#include "cli/coordinator_wait.h"
#include "cli/diff_command.h"
#include "cli/exit_codes.h"
#include "cli/identity_option.h"
#include "cli/progress_printer.h"
#include "cli/restore_command.h"
#include "cli/transfer_commands.h"
#include "common/clock.h"
#include "common/crypto/age_file.h"
#include "common/http/client.h"
#include "common/http/tls.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "engine/datadir/deep_verify.h"
#include "engine/datadir/inspect_archive.h"
#include "proto/agent.pb.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::cli {
namespace {

// Polls the record until it leaves STATUS_BACKING_UP, showing what it is doing.
Result<proto::Backup> WaitForBackup(const ClusterFlags& cluster, const std::string& id,
                                    bool show_progress) {
  std::string last_progress;
  for (;;) {
    proto::Backup record;
    RETURN_IF_ERROR(
        CallApiFor(cluster, {.path = api::paths::Fill(api::paths::kBackup, {id})}, &record));
    if (record.status() != proto::STATUS_BACKING_UP) return record;
    if (show_progress && record.progress() != last_progress) {
      std::cerr << "  " << record.progress() << "…\n";
      last_progress = record.progress();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
}

void AddCreate(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
               int* exit_code) {
  struct Flags {
    std::string label;
    std::string mode = "online";
    std::vector<std::string> components;
    bool wait = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = backup->add_subcommand(
      "create",
      "Back up the ZooKeeper ensemble. Online (default) stops nothing; offline stops one synced "
      "follower, only when the quorum stays safe.");
  cmd->add_option("--label", flags->label,
                  "3-25 characters: letters, digits, _ . - (id: LABEL-uuid)")
      ->required();
  cmd->add_option("--mode", flags->mode, "online (default) or offline")
      ->check(CLI::IsMember({"online", "offline"}));
  cmd->add_option("--component", flags->components,
                  "what to back up (repeatable): zookeeper (the data directory) or an app "
                  "component such as marathon; default: zookeeper and every app component");
  cmd->add_flag("--wait", flags->wait, "wait until it is READY or failed, showing progress");
  cmd->callback([=, &output, &cluster] {
    if (ReportFailure(api::CheckLabel(flags->label), output, exit_code)) return;
    proto::CreateBackupRequest request;
    request.set_label(flags->label);
    request.set_mode(flags->mode);
    // The same id goes to every agent this invocation tries: a retry never starts a second one.
    request.set_request_id(api::NewRequestId());
    for (const auto& component : flags->components) request.add_components(component);
    proto::Backup record;
    Status created = [&] {
      CoordinatorWait notice(cluster, output.json);  // says what a slow answer waits for
      return CallApiFor(cluster,
                        {.method = "POST",
                         .path = api::paths::kBackups,
                         .body = proto::ToCompactJson(request),
                         .timeout = std::chrono::seconds(60),
                         .repeatable = true},
                        &record);
    }();
    if (ReportFailure(created, output, exit_code)) return;
    if (!output.json)
      std::cerr << "backup " << record.id() << " started (" << record.mode() << ")\n";
    if (flags->wait) {
      Result<proto::Backup> done = WaitForBackup(cluster, record.id(), !output.json);
      if (ReportFailure(done.status(), output, exit_code)) return;
      record = *done;
    }
    if (output.json) {
      PrintJson(record);
    } else {
      PrintSummary(record);
    }
    *exit_code = record.status() == proto::STATUS_ERROR ? kExitFailed : kExitOk;
  });
}

void PrintList(const proto::BackupList& list, const OutputOptions& output) {
  if (output.json) {  // docs/cli.md: an array of backups
    std::cout << "[";
    for (int i = 0; i < list.backups_size(); ++i) {
      std::cout << (i ? ",\n" : "\n") << proto::ToJson(list.backups(i));
    }
    std::cout << (list.backups_size() ? "\n]\n" : "]\n");
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "STATUS", "MODE", "SIZE", "ZXID", "REPLICAS", "VERIFIED", "CREATED"}};
  for (const auto& b : list.backups()) {
    const auto zk = b.component_status().count("zookeeper") ? b.component_status().at("zookeeper")
                                                            : proto::ComponentStatus();
    rows.push_back({b.id(), Short(StatusName(b.status()).substr(7), 12), b.mode(),
                    b.size_bytes() ? HumanBytes(b.size_bytes()) : "-",
                    zk.last_zxid().empty() ? "-" : zk.last_zxid(),
                    std::to_string(b.replicas_size()), VerifiedCell(b.verification()),
                    b.timestamp()});
  }
  std::cout << RenderTable(rows);
  if (list.backups_size() == 0) std::cout << "(no backups)\n";
}

void AddList(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
             int* exit_code) {
  auto prefix = std::make_shared<std::string>();
  auto* cmd = backup->add_subcommand("list", "Backups on the masters, oldest first.");
  cmd->add_option("PREFIX", *prefix, "only labels or ids starting with this");
  cmd->callback([=, &output, &cluster] {
    proto::BackupList list;
    Status listed = CallApiFor(
        cluster, {.path = std::string(api::paths::kBackups) + "?prefix=" + *prefix}, &list);
    if (ReportFailure(listed, output, exit_code)) return;
    PrintList(list, output);
    *exit_code = kExitOk;
  });
}

void AddShowAndDelete(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
                      int* exit_code) {
  auto show_id = std::make_shared<std::string>();
  auto* show = backup->add_subcommand(
      "show", "One backup, as JSON (status, replicas, verification, restores).");
  show->add_option("ID", *show_id, "the backup's id")->required();
  show->callback([=, &output, &cluster] {
    if (ReportFailure(api::CheckBackupId(*show_id), output, exit_code)) return;
    proto::Backup record;
    if (ReportFailure(
            CallApiFor(cluster, {.path = api::paths::Fill(api::paths::kBackup, {*show_id})},
                       &record),
            output, exit_code)) {
      return;
    }
    PrintJson(record);
    *exit_code = kExitOk;
  });
  auto delete_id = std::make_shared<std::string>();
  auto* del = backup->add_subcommand("delete", "Delete a backup from every master.");
  del->add_option("ID", *delete_id, "the backup's id")->required();
  del->callback([=, &output, &cluster] {
    if (ReportFailure(api::CheckBackupId(*delete_id), output, exit_code)) return;
    proto::Backup record;
    Status deleted = CallApiFor(cluster,
                                {.method = "DELETE",
                                 .path = api::paths::Fill(api::paths::kBackup, {*delete_id}),
                                 .timeout = std::chrono::seconds(60)},
                                &record);
    if (ReportFailure(deleted, output, exit_code)) return;
    if (output.json) {
      PrintJson(record);
    } else {
      std::cout << "deleted " << *delete_id << " from every master"
                << (record.remote().url().empty() ? "" : " and from " + record.remote().url())
                << "\n";
    }
    *exit_code = kExitOk;
  });
}

void PrintVerify(const proto::VerifyReport& report, bool deep) {
  std::vector<std::vector<std::string>> rows = {
      {"MASTER", "SHA256", "CONTENT", "ZXID", "NODES", "PROBLEM"}};
  for (const auto& r : report.replicas()) {
    std::string problem = r.error().empty() ? (r.problems_size() ? r.problems(0) : "") : r.error();
    rows.push_back({r.master(), r.sha256().empty() ? "-" : (r.sha256_matches() ? "ok" : "MISMATCH"),
                    r.error().empty() ? (r.valid() ? "valid" : "INVALID") : "-",
                    r.last_zxid().empty() ? "-" : r.last_zxid(), std::to_string(r.node_count()),
                    problem});
  }
  std::cout << RenderTable(rows);
  if (deep) {
    const auto& d = report.deep();
    std::cout << "deep (restored on " << (d.master().empty() ? "-" : d.master())
              << " into a scratch ZooKeeper): "
              << (d.ok() ? "ok, serves " + d.served_zxid() + " / " +
                               std::to_string(d.served_node_count()) + " znodes as recorded"
                         : "FAILED: " + d.error())
              << "\n";
  }
  std::cout << (report.ok() ? "verified: " : "NOT verified: ") << report.id() << "\n";
  if (!report.not_recorded().empty()) {
    std::cout << "not recorded in the backup's record: " << report.not_recorded() << "\n";
  }
}

void AddVerify(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
               int* exit_code) {
  struct Flags {
    std::string target;
    std::string identity;
    bool deep = false;
    bool remote = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = backup->add_subcommand(
      "verify",
      "Re-hash and parse every replica of a backup (or an archive FILE here); --deep "
      "also restores it into a scratch ZooKeeper and compares zxid and node count. A backup's "
      "result is kept in its record (`backup list` VERIFIED, `backup show` verification).");
  cmd->add_option("TARGET", flags->target, "backup id, or an archive file")->required();
  cmd->add_flag("--deep", flags->deep, "restore into a scratch standalone ZooKeeper too");
  cmd->add_flag("--remote", flags->remote,
                "check the repository's copy instead: download it, compare its sha256 with the "
                "record's and parse it")
      ->excludes("--deep");
  AddIdentityOption(cmd, &flags->identity);
  cmd->callback([=, &output, &cluster] {
    proto::VerifyReport report;
    if (std::filesystem::is_regular_file(flags->target)) {
      report.set_id(flags->target);
      proto::ReplicaCheck* check = report.add_replicas();
      check->set_master("local file");
      Result<age::Identities> identities = LoadIdentityOption(flags->identity);
      if (ReportFailure(identities.status(), output, exit_code)) return;
      Result<proto::InspectReport> inspected =
          datadir::InspectArchive(flags->target, "", *identities);
      if (ReportFailure(inspected.status(), output, exit_code)) return;
      check->set_reachable(true);
      check->set_valid(inspected->valid());
      check->set_last_zxid(inspected->last_zxid());
      check->set_node_count(static_cast<uint32_t>(inspected->node_count()));
      for (const auto& p : inspected->problems()) check->add_problems(p.message());
      Result<std::string> sha = Sha256OfFile(flags->target);
      check->set_sha256(sha.ok() ? *sha : "");
      check->set_sha256_matches(sha.ok());
      bool ok = inspected->valid();
      if (flags->deep && ok) {
        const char* tmp = std::getenv("TMPDIR");
        Result<proto::DeepCheck> deep = datadir::DeepVerify({.archive = flags->target,
                                                             .scratch_parent = tmp ? tmp : "/tmp",
                                                             .identities = *identities});
        if (ReportFailure(deep.status(), output, exit_code)) return;
        *report.mutable_deep() = *deep;
        ok = deep->ok();
      }
      report.set_ok(ok);
    } else {
      if (ReportFailure(api::CheckBackupId(flags->target), output, exit_code)) return;
      Status verified =
          CallApiFor(cluster,
                     {.method = "POST",
                      .path = api::paths::Fill(api::paths::kBackupVerify, {flags->target}) +
                              (flags->deep     ? "?deep=1"
                               : flags->remote ? "?remote=1"
                                               : ""),
                      .timeout = std::chrono::hours(1)},
                     &report);
      if (ReportFailure(verified, output, exit_code)) return;
    }
    if (output.json) {
      PrintJson(report);
    } else {
      PrintVerify(report, flags->deep);
    }
    *exit_code = report.ok() ? kExitOk : kExitFailed;
  });
}

}  // namespace

void AddBackupCommands(CLI::App& app, const OutputOptions& output, const ClusterFlags& cluster,
                       int* exit_code) {
  auto* backup = app.add_subcommand(
      "backup",
      "Cluster backups: create, list, show, delete, download, import, verify, diff, restore.");
  backup->require_subcommand(1);
  AddCreate(backup, output, cluster, exit_code);
  AddList(backup, output, cluster, exit_code);
  AddShowAndDelete(backup, output, cluster, exit_code);
  AddDownload(backup, output, cluster, exit_code);
  AddRestore(backup, output, cluster, exit_code);
  AddDiff(backup, output, cluster, exit_code);
  AddImport(backup, output, cluster, exit_code);
  AddVerify(backup, output, cluster, exit_code);
}

}  // namespace lockstep::cli
