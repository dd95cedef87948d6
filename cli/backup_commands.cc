#include "cli/backup_commands.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "api/names.h"
#include "api/paths.h"
#include "api/token.h"
#include "cli/coordinator_wait.h"
#include "cli/exit_codes.h"
#include "cli/identity_option.h"
#include "cli/progress_printer.h"
#include "cli/diff_command.h"
#include "cli/restore_command.h"
#include "common/clock.h"
#include "common/crypto/age_file.h"
#include "common/http/client.h"
#include "common/http/tls.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "node-agent/datadir/deep_verify.h"
#include "node-agent/datadir/inspect_archive.h"
#include "proto/agent.pb.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::cli {
namespace {

std::string StatusName(proto::BackupStatus status) { return proto::BackupStatus_Name(status); }

std::string Short(const std::string& text, size_t n) {
  return text.size() <= n ? text : text.substr(0, n);
}

// The VERIFIED column: the last verification's kind, result and age ("deep ok 2h ago",
// "quick FAILED 5m ago"), or "-" when the backup was never verified. ASCII, so columns align.
std::string VerifiedCell(const proto::Verification& v) {
  if (v.kind().empty()) return "-";
  std::string cell = v.kind() + (v.passed() ? " ok" : " FAILED");
  if (std::optional<Clock::WallTimePoint> at = ParseUtcTimestamp(v.verified_at())) {
    const auto age = std::chrono::system_clock::now() - *at;
    cell += " " + HumanAge(std::chrono::duration_cast<std::chrono::seconds>(age)) + " ago";
  }
  return cell;
}

void PrintVerification(const proto::Verification& v) {
  std::cout << "\n  verified   " << v.kind() << (v.passed() ? " ok" : " FAILED") << " at "
            << v.verified_at() << (v.master().empty() ? "" : " on " + v.master()) << " ("
            << v.trigger() << ")";
  if (!v.passed()) std::cout << ": " << v.reason();
  if (v.kind() != api::kVerifyDeep && !v.deep_passed_at().empty()) {
    std::cout << "; last deep ok at " << v.deep_passed_at();
  }
}

void PrintSummary(const proto::Backup& b) {
  const auto zk = b.component_status().count("zookeeper") ? b.component_status().at("zookeeper")
                                                          : proto::ComponentStatus();
  std::cout << b.id() << "\n  status     " << StatusName(b.status())
            << (b.reason().empty() ? "" : ": " + b.reason()) << "\n  mode       " << b.mode()
            << "\n  created    " << b.timestamp();
  if (!b.sha256().empty()) {
    std::cout << "\n  size       " << HumanBytes(b.size_bytes()) << "\n  sha256     " << b.sha256()
              << "\n  zookeeper  zxid " << zk.last_zxid() << ", " << zk.node_count()
              << " znodes, taken on " << zk.source();
    if (!b.encryption().empty()) {
      std::cout << "\n  encrypted  " << b.encryption()
                << " (restoring needs an identity: identity_file on the masters, or --identity)";
    }
  }
  for (const auto& [name, c] : b.component_status()) {
    if (name == "zookeeper") continue;
    std::cout << "\n  " << name << (name.size() < 10 ? std::string(10 - name.size(), ' ') : " ")
              << " " << c.root() << ": " << c.node_count() << " znodes, zxid " << c.zxid_from()
              << ".." << c.zxid_to();
    if (!c.ephemeral().empty()) {
      std::cout << ", " << c.ephemeral_size() << " ephemeral (not restored)";
    }
  }
  std::cout << "\n  replicas   ";
  for (int i = 0; i < b.replicas_size(); ++i)
    std::cout << (i ? ", " : "") << b.replicas(i).master();
  if (b.has_verification()) PrintVerification(b.verification());
  if (b.has_remote()) {
    const proto::RemoteCopy& remote = b.remote();
    std::cout << "\n  remote     " << StatusName(remote.status()) << " " << remote.url()
              << (remote.reason().empty() ? "" : ": " + remote.reason());
  }
  std::cout << "\n";
}

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

// Streams the archive from the first master holding a replica, checking its sha256.
Status Download(const ClusterFlags& cluster, const std::string& id, const std::string& out) {
  if (std::filesystem::exists(out)) {
    return InvalidArgument(out + " exists; choose another -o or remove it first");
  }
  proto::Backup record;
  RETURN_IF_ERROR(
      CallApiFor(cluster, {.path = api::paths::Fill(api::paths::kBackup, {id})}, &record));
  if (record.status() != proto::STATUS_READY) {
    return FailedPrecondition(id + " is " + StatusName(record.status()) + ", not READY");
  }
  proto::ClusterStatus status;
  RETURN_IF_ERROR(CallApiFor(cluster, {.path = api::paths::kClusterStatus}, &status));
  ASSIGN_OR_RETURN(std::string token, api::LoadToken(cluster.token_file));
  const std::string partial = out + ".part";
  // The masters holding a replica first; with none left and a copy in the repository, any master
  // whose agent answers (it fetches the repository's copy, sha256 checked, then sends it).
  std::vector<std::string> sources;
  for (const auto& replica : record.replicas()) sources.push_back(replica.master());
  if (record.remote().status() == proto::STATUS_READY) {
    for (const auto& master : status.masters()) {
      if (master.agent_reachable()) sources.push_back(master.name());
    }
  }
  std::string errors;
  for (const std::string& source : sources) {
    for (const auto& master : status.masters()) {
      if (master.name() != source) continue;
      ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(master.address()));
      std::shared_ptr<boost::asio::ssl::context> tls;
      if (url.tls) {
        ASSIGN_OR_RETURN(tls, http::MakeClientContext({.ca_file = cluster.ca_file}));
      }
      http::Client client(tls);
      ProgressPrinter progress;
      Result<http::Reply> reply =
          client.Call(url, {.target = api::paths::Fill(api::paths::kBackupArchive, {id}),
                            .token = token,
                            // a master without a replica first fetches the repository's copy
                            .timeout = std::chrono::minutes(10),
                            .download_file = partial,
                            .progress = [&](uint64_t done, uint64_t total) {
                              progress.Update({.phase = "downloading from " + master.name(),
                                               .bytes_done = done,
                                               .bytes_total = total});
                            }});
      if (!reply.ok() || reply->status != 200) {
        errors +=
            " " + master.name() + ": " +
            (reply.ok() ? "HTTP " + std::to_string(reply->status) : reply.status().message()) + ";";
        std::filesystem::remove(partial);
        continue;
      }
      ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(partial));
      if (sha != record.sha256()) {
        errors += " " + master.name() + ": sha256 " + sha + " differs from the record's;";
        std::filesystem::remove(partial);
        continue;
      }
      std::filesystem::rename(partial, out);
      return Status::Ok();
    }
  }
  return Status(StatusCode::kUnavailable, "no replica of " + id + " could be downloaded:" + errors);
}

// Replaces the encrypted archive at `path` with its plaintext (a failed decryption keeps the
// download as it came and says so).
Status DecryptDownload(const std::string& path, const std::string& identity_file) {
  ASSIGN_OR_RETURN(age::Identities identities, LoadIdentityOption(identity_file));
  const std::string plain = path + ".decrypted";
  Status decrypted = age::DecryptFile(path, plain, identities);
  if (!decrypted.ok()) {
    return decrypted.Prepend("the encrypted archive was kept as " + path +
                             "; decrypting it failed");
  }
  std::filesystem::rename(plain, path);
  return Status::Ok();
}

void AddDownload(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
                 int* exit_code) {
  struct Flags {
    std::string id;
    std::string out;
    std::string identity;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = backup->add_subcommand(
      "download", "Copy a backup's archive out of the cluster (sha256 checked).");
  cmd->add_option("ID", flags->id, "the backup's id")->required();
  cmd->add_option("-o,--output", flags->out, "where to write the archive")->required();
  cmd->add_option("--identity", flags->identity,
                  "age identity file: write an encrypted backup's archive decrypted");
  cmd->callback([=, &output, &cluster] {
    if (ReportFailure(api::CheckBackupId(flags->id), output, exit_code)) return;
    if (ReportFailure(Download(cluster, flags->id, flags->out), output, exit_code)) return;
    Result<bool> encrypted = age::IsAgeFile(flags->out);
    if (ReportFailure(encrypted.status(), output, exit_code)) return;
    const bool decrypt = *encrypted && !flags->identity.empty();
    if (decrypt && ReportFailure(DecryptDownload(flags->out, flags->identity), output, exit_code)) {
      return;
    }
    const char* form = decrypt ? "decrypted" : *encrypted ? "encrypted (age)" : "plain";
    if (output.json) {
      std::cout << "{\"id\": \"" << flags->id << "\", \"file\": \"" << flags->out
                << "\", \"form\": \"" << form << "\"}\n";
    } else {
      std::cout << "downloaded " << flags->id << " to " << flags->out << " (sha256 checked, "
                << form << ")\n";
      if (*encrypted && !decrypt) {
        std::cout << "open it with: age -d -i IDENTITY " << flags->out
                  << " > archive.tar.zst, or download again with --identity\n";
      }
    }
    *exit_code = kExitOk;
  });
}

Result<proto::Backup> Upload(const ClusterFlags& cluster, const std::string& file,
                             const std::string& label) {
  if (!std::filesystem::is_regular_file(file)) return NotFound(file + " is not a file");
  ProgressPrinter progress;
  proto::Backup record;
  RETURN_IF_ERROR(CallApiFor(
      cluster,
      {.method = "POST",
       .path = std::string(api::paths::kBackupImport) + "?label=" + label,
       .timeout = std::chrono::minutes(10),
       .upload_file = file,
       .progress =
           [&](uint64_t done, uint64_t total) {
             progress.Update({.phase = "uploading", .bytes_done = done, .bytes_total = total});
           }},
      &record));
  return record;
}

void AddImport(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
               int* exit_code) {
  struct Flags {
    std::string file;
    std::string label = "imported";
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = backup->add_subcommand(
      "import",
      "Make an archive (Lockstep's or dcos-zk's) a READY backup, replicated; it is "
      "verified completely first.");
  cmd->add_option("FILE", flags->file, "the archive")->required();
  cmd->add_option("--label", flags->label, "label of the new backup (default: imported)");
  cmd->callback([=, &output, &cluster] {
    if (ReportFailure(api::CheckLabel(flags->label), output, exit_code)) return;
    Result<proto::Backup> record = Upload(cluster, flags->file, flags->label);
    if (ReportFailure(record.status(), output, exit_code)) return;
    if (output.json) {
      PrintJson(*record);
    } else {
      PrintSummary(*record);
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
        Result<proto::DeepCheck> deep =
            datadir::DeepVerify({.archive = flags->target,
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
                              (flags->deep ? "?deep=1" : flags->remote ? "?remote=1" : ""),
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
